import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tools.js';

// bin/mlflow-install.js in a package laid out in a temporary folder, with a stand-in dist/: what it says when the
// build is missing, stale or incomplete, and that it stays out of the way when the build is fine or is installed.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const standIn = {
  'dist/wizard/first-frame.js': 'export function drawEarlyFrame() {}\n',
  'dist/cli.js': "export async function main(argv) { process.stdout.write(`main ${argv.slice(2).join(' ')}\\n`); return 0; }\n",
};
const sources = ['src/cli.ts', 'src/wizard/first-frame.ts', 'src/commands/install.ts'];
const folders: string[] = [];

function write(root: string, path: string, text: string, when?: Date): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  if (when) utimesSync(join(root, path), when, when);
}

/** A package folder: bin/, package.json, dist/ built now, and src/ (an hour older) unless it is an installed copy. */
function layout(options: { src: boolean; dist?: Record<string, string> }): string {
  const root = mkdtempSync(join(tmpdir(), 'mlflow-install-bin-'));
  folders.push(root);
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repoRoot, 'bin', 'mlflow-install.js'), join(root, 'bin', 'mlflow-install.js'));
  write(root, 'package.json', '{ "name": "mlflow-install", "version": "9.8.7", "type": "module" }\n');
  const hourAgo = new Date(Date.now() - 3_600_000);
  if (options.src) for (const source of sources) write(root, source, '// source\n', hourAgo);
  for (const [path, text] of Object.entries(options.dist ?? standIn)) write(root, path, text);
  return root;
}

function runBin(root: string, args: readonly string[] = ['status']): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin', 'mlflow-install.js'), ...args], { cwd: root, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('bin/mlflow-install.js before the CLI loads', () => {
  it('an installed copy (no src/) starts the CLI with the arguments given', async () => {
    const root = layout({ src: false });
    expect(await runBin(root, ['--dry-run', '--yes'])).toEqual({ code: 0, stdout: 'main --dry-run --yes\n', stderr: '' });
  });

  it('a clone built after its sources changed starts the CLI', async () => {
    const root = layout({ src: true });
    expect(await runBin(root)).toEqual({ code: 0, stdout: 'main status\n', stderr: '' });
  });

  it('--version alone is answered from package.json, --help alone from dist/help.txt, without starting the CLI', async () => {
    const root = layout({ src: true, dist: { ...standIn, 'dist/help.txt': 'Usage: the prebuilt help\n' } });
    for (const flag of ['--version', '-v']) expect(await runBin(root, [flag])).toEqual({ code: 0, stdout: '9.8.7\n', stderr: '' });
    for (const flag of ['--help', '-h']) expect(await runBin(root, [flag])).toEqual({ code: 0, stdout: 'Usage: the prebuilt help\n', stderr: '' });
    // With anything else on the line, the CLI parses it.
    expect(await runBin(root, ['status', '--help'])).toEqual({ code: 0, stdout: 'main status --help\n', stderr: '' });
  });

  it('--help without a prebuilt help text (a build older than it) starts the CLI, which answers', async () => {
    const root = layout({ src: false });
    expect(await runBin(root, ['--help'])).toEqual({ code: 0, stdout: 'main --help\n', stderr: '' });
  });

  it('a help text older than dist/cli.js is not trusted: the CLI answers', async () => {
    const root = layout({ src: false, dist: { ...standIn, 'dist/help.txt': 'Usage: an old help\n' } });
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dist/help.txt'), earlier, earlier);
    expect(await runBin(root, ['--help'])).toEqual({ code: 0, stdout: 'main --help\n', stderr: '' });
  });

  it('a stale build is said before --version or --help is answered', async () => {
    const root = layout({ src: true, dist: { ...standIn, 'dist/help.txt': 'Usage: the prebuilt help\n' } });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src/cli.ts'), later, later);
    expect((await runBin(root, ['--help'])).code).toBe(2);
  });

  it('without dist/: one line that says to run npm install in the folder, exit 2', async () => {
    const root = layout({ src: true, dist: {} });
    expect(await runBin(root)).toEqual({ code: 2, stdout: '', stderr: `mlflow-install: the CLI is not built (dist/ is missing): run \`npm install\` in ${root} first\n` });
  });

  it.each(sources)('when %s changed after the build: one line, exit 2', async (source) => {
    const root = layout({ src: true });
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, source), later, later);
    expect(await runBin(root)).toEqual({
      code: 2,
      stdout: '',
      stderr: `mlflow-install: the CLI is older than its source (${source} changed after dist/ was built): run \`npm install\` in ${root} first\n`,
    });
  });

  it('a build that stopped half-way (a module of dist/ missing): one line, exit 2', async () => {
    const root = layout({ src: true, dist: { 'dist/cli.js': standIn['dist/cli.js'] } });
    expect(await runBin(root)).toEqual({
      code: 2,
      stdout: '',
      stderr: `mlflow-install: the CLI's build is incomplete (dist/wizard/first-frame.js is missing): run \`npm install\` in ${root} first\n`,
    });
  });

  it('a dependency missing from node_modules/: one line, exit 2', async () => {
    const root = layout({ src: true, dist: { ...standIn, 'dist/cli.js': "export { main } from 'commander-that-is-not-installed';\n" } });
    expect(await runBin(root)).toEqual({
      code: 2,
      stdout: '',
      stderr: `mlflow-install: a dependency is not installed (commander-that-is-not-installed): run \`npm install\` in ${root} first\n`,
    });
  });

  it('any other failure of the CLI is not hidden behind those words', async () => {
    const root = layout({ src: false, dist: { ...standIn, 'dist/cli.js': "export async function main() { throw new Error('boom from main'); }\n" } });
    const run = await runBin(root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('boom from main');
    expect(run.stderr).not.toContain('npm install');
  });

  it('the lowest Node.js it accepts is the one package.json names in engines', () => {
    const bin = readFileSync(join(repoRoot, 'bin', 'mlflow-install.js'), 'utf8');
    const [, major, minor] = /const minimumNode = \[(\d+), (\d+)\];/.exec(bin) ?? [];
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${major}.${minor}.0`);
  });
});
