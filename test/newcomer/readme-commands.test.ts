import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnInPty } from '../helpers/pty.js';
import { repoRoot, toolSet } from '../helpers/tools.js';
import { readmeCommands, type ReadmeCommands } from './readme.js';
import { personEnv, sh, type ShellResult } from './shell.js';

// A newcomer's first minutes, as the README tells them: `git clone`, then the run command as written (in a
// terminal, up to the first question), with --version and with --dry-run --yes; then the pack block: `npm pack`,
// the tarball installed into a temporary global prefix and run from there, and run through `npx ./<tarball>`.
// The clone is of the repository's HEAD (what a newcomer gets: committed files only; in CI, the submitted main),
// into a folder only this user can enter. npm uses the usual registry and cache (prefer-offline, to be quick).

const minutes = 60_000;
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const helm = toolSet(3);
/** The dry runs render the chart with helm; `npm test` fetches it first (scripts/test-setup.mjs). */
const noHelm = helm.unavailable !== undefined;
const oneLine = (text: string) => text.endsWith('\n') && !text.slice(0, -1).includes('\n');

const timings: Array<{ step: string; seconds: number }> = [];
function timed(step: string, result: ShellResult): ShellResult {
  timings.push({ step, seconds: result.seconds });
  return result;
}
const shown = (result: ShellResult) => `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

describe('a newcomer follows the README: clone, run, pack, install the tarball', () => {
  let commands: ReadmeCommands;
  let scratch: string;
  let clone: string;
  let env: Record<string, string>;

  beforeAll(() => {
    commands = readmeCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
    scratch = mkdtempSync(join(tmpdir(), 'mlflow-install-newcomer-'));
    clone = join(scratch, 'mlflow-install');
    // Helm (and its kubectl) on PATH for the dry runs; a kubeconfig that does not exist, so no cluster is read.
    env = personEnv([dirname(helm.helm)], { KUBECONFIG: join(scratch, 'no-kubeconfig'), npm_config_prefer_offline: 'true' });
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    const width = Math.max(...timings.map((timing) => timing.step.length));
    console.log(`newcomer steps (seconds):\n${timings.map((timing) => `  ${timing.step.padEnd(width)}  ${timing.seconds.toFixed(1)}`).join('\n')}`);
  });

  it('the README runs and tests with one line each, both installing first; CI runs that test line', () => {
    expect(commands.run).toMatch(/^npm install && \S/);
    expect(commands.test).toMatch(/^npm install && \S/);
    const ciLines = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(ciLines).toContain(commands.test);
    for (const start of ['npm pack', 'npm install -g ./mlflow-install-*.tgz', 'mlflow-install --version', 'npx ./mlflow-install-*.tgz']) {
      expect(commands.pack.some((line) => line.startsWith(start)), `the pack block has \`${start}\``).toBe(true);
    }
  });

  it('git clone into a folder only this user can enter', async () => {
    expect(statSync(scratch).mode & 0o777).toBe(0o700);
    const cloned = timed('git clone', await sh(`git clone --quiet '${repoRoot}' '${clone}'`, { cwd: scratch, env, timeoutMs: 2 * minutes }));
    expect(cloned.code, shown(cloned)).toBe(0);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    expect(existsSync(join(clone, 'dist'))).toBe(false);
  }, 3 * minutes);

  it('before npm install, the bin says in one line what to run (exit 2), with no stack trace', async () => {
    const result = await sh('node bin/mlflow-install.js --version', { cwd: clone, env, timeoutMs: minutes });
    expect(result.code, shown(result)).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`mlflow-install: the CLI is not built (dist/ is missing): run \`npm install\` in ${clone} first\n`);
  }, 2 * minutes);

  it('the run command, typed as written into a terminal, installs and asks the first question', async () => {
    const started = performance.now();
    const session = spawnInPty('sh', ['-c', commands.run], { cwd: clone, env });
    try {
      await session.waitFor('Release name', 8 * minutes);
      timings.push({ step: `${commands.run} (to the first question)`, seconds: (performance.now() - started) / 1000 });
      session.press('ctrlC');
      await session.waitFor('Cancelled, nothing was changed', minutes);
      await session.exited;
    } finally {
      session.kill();
    }
    expect(existsSync(join(clone, 'dist', 'cli.js'))).toBe(true);
  }, 10 * minutes);

  it('the run command with --version prints the version', async () => {
    const result = timed(`${commands.run} --version`, await sh(`${commands.run} --version`, { cwd: clone, env, timeoutMs: 5 * minutes }));
    expect(result.code, shown(result)).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(version);
  }, 6 * minutes);

  it.skipIf(noHelm)('the run command with --dry-run --yes writes the values file and prints the plan', async () => {
    const result = timed(`${commands.run} --dry-run --yes`, await sh(`${commands.run} --dry-run --yes`, { cwd: clone, env, timeoutMs: 5 * minutes }));
    expect(result.code, shown(result)).toBe(0);
    expect(result.stdout).toContain('Plan (dry run: nothing was changed)');
    expect(readFileSync(join(clone, 'mlflow-values.yaml'), 'utf8')).toMatch(/^# Values for the mlflow chart, written by mlflow-install /);
  }, 6 * minutes);

  it('when src/ changed after the build (a git pull), the bin says in one line to run npm install (exit 2)', async () => {
    const source = join(clone, 'src', 'commands', 'install.ts');
    const { atime, mtime } = statSync(source);
    utimesSync(source, atime, new Date(Date.now() + minutes));
    try {
      const result = await sh('node bin/mlflow-install.js --version', { cwd: clone, env, timeoutMs: minutes });
      expect(result.code, shown(result)).toBe(2);
      expect(result.stderr).toMatch(/^mlflow-install: the CLI is older than its source \(src\/commands\/install\.ts changed after dist\/ was built\): run `npm install` in .+ first\n$/);
      expect(oneLine(result.stderr)).toBe(true);
    } finally {
      utimesSync(source, atime, mtime);
    }
  }, 2 * minutes);

  describe('the packed tarball, away from the clone', () => {
    let elsewhere: string;
    let tarball: string;
    let globalEnv: Record<string, string>;

    beforeAll(() => {
      elsewhere = join(scratch, 'elsewhere');
      mkdirSync(elsewhere);
      const prefix = join(scratch, 'global');
      globalEnv = { ...env, npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}:${env.PATH ?? ''}` };
    });

    it('npm pack in the clone writes a tarball with the bin, dist/, the chart and the presets, and no sources', async () => {
      const packLine = commands.pack.find((line) => line.startsWith('npm pack')) ?? 'npm pack';
      const packed = timed(packLine, await sh(packLine, { cwd: clone, env, timeoutMs: 5 * minutes }));
      expect(packed.code, shown(packed)).toBe(0);
      const name = readdirSync(clone).find((file) => /^mlflow-install-.+\.tgz$/.test(file));
      expect(name, 'the tarball npm pack wrote').toBe(`mlflow-install-${version}.tgz`);
      tarball = join(elsewhere, name ?? '');
      renameSync(join(clone, name ?? ''), tarball);
      const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');
      expect(files).toEqual(expect.arrayContaining(['package/bin/mlflow-install.js', 'package/dist/cli.js', 'package/dist/wizard/first-frame.js', 'package/charts/mlflow/Chart.yaml', 'package/charts/mlflow/values.schema.json', 'package/presets/local.yaml', 'package/package.json']));
      expect(files.filter((file) => /^package\/(src|test|bench|scripts|node_modules)\//.test(file))).toEqual([]);
      // Nothing of the clone is used from here on.
      rmSync(clone, { recursive: true, force: true });
    }, 6 * minutes);

    it('installs into a temporary global prefix and runs from there: --version, presets, --dry-run --yes', async () => {
      const installLine = commands.pack.find((line) => line.startsWith('npm install -g')) ?? '';
      const installed = timed(installLine, await sh(installLine, { cwd: elsewhere, env: globalEnv, timeoutMs: 5 * minutes }));
      expect(installed.code, shown(installed)).toBe(0);
      const where = await sh('command -v mlflow-install', { cwd: elsewhere, env: globalEnv, timeoutMs: minutes });
      expect(where.stdout.trim()).toBe(join(globalEnv.npm_config_prefix ?? '', 'bin', 'mlflow-install'));
      const packageDir = join(globalEnv.npm_config_prefix ?? '', 'lib', 'node_modules', 'mlflow-install');
      for (const devOnly of ['typescript', 'vitest', '@types/node']) expect(existsSync(join(packageDir, 'node_modules', devOnly)), devOnly).toBe(false);

      const shownVersion = timed('mlflow-install --version', await sh('mlflow-install --version', { cwd: elsewhere, env: globalEnv, timeoutMs: minutes }));
      expect(shownVersion.code, shown(shownVersion)).toBe(0);
      expect(shownVersion.stdout).toBe(`${version}\n`);
      const presets = await sh('mlflow-install presets', { cwd: elsewhere, env: globalEnv, timeoutMs: minutes });
      expect(presets.code, shown(presets)).toBe(0);
      for (const preset of ['local', 'postgres', 'aws-aurora']) expect(presets.stdout).toContain(preset);
      if (noHelm) return;
      const dryRun = timed('mlflow-install --dry-run --yes', await sh('mlflow-install --dry-run --yes', { cwd: elsewhere, env: globalEnv, timeoutMs: 2 * minutes }));
      expect(dryRun.code, shown(dryRun)).toBe(0);
      expect(dryRun.stdout).toContain('Plan (dry run: nothing was changed)');
      expect(dryRun.stdout).toContain(`Chart:       ${join(packageDir, 'charts', 'mlflow')} (helm v3.`);
      expect(existsSync(join(elsewhere, 'mlflow-values.yaml'))).toBe(true);
    }, 8 * minutes);

    it('runs through npx ./<tarball> without installing it', async () => {
      const npxLine = `${commands.pack.find((line) => line.startsWith('npx ./')) ?? ''} --version`;
      const result = timed(npxLine, await sh(npxLine, { cwd: elsewhere, env: { ...env, npm_config_yes: 'true' }, timeoutMs: 5 * minutes }));
      expect(result.code, shown(result)).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }, 6 * minutes);
  });
});
