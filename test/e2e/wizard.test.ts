import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliEnv, ensureBuilt, runCli, scratchDir } from '../cli/cli.js';
import { spawnInPty, type PtySession } from '../helpers/pty.js';
import { SimCluster } from '../helpers/sim-cluster.js';
import { repoRoot, toolSet } from '../helpers/tools.js';

const bin = join(repoRoot, 'bin', 'mlflow-install.js');
const helm3 = toolSet(3);
// Colour codes are SGR sequences (ending in m); cursor movement is not colour.
const colourCode = /\u001b\[[0-9;]*m/;

interface WizardRun {
  session: PtySession;
  cwd: string;
  sim: SimCluster;
  valuesFile: string;
}

const clusters: SimCluster[] = [];

function startWizard(args: string[], env: Record<string, string> = {}, unset: string[] = []): WizardRun {
  const sim = SimCluster.create({ helmMajor: 3, storageClasses: [{ name: 'standard', isDefault: true }, { name: 'fast-ssd' }] });
  clusters.push(sim);
  const cwd = scratchDir();
  const runEnv: Record<string, string> = { ...cliEnv(), ...sim.env(), ...env };
  for (const name of unset) delete runEnv[name];
  const session = spawnInPty(process.execPath, [bin, ...args], { cwd, env: runEnv });
  return { session, cwd, sim, valuesFile: join(cwd, 'mlflow-values.yaml') };
}

/** Waits for a live question (its "?" prefix), then sends the keys. */
async function reply(session: PtySession, question: string, keys: { type?: string; down?: number } = {}): Promise<void> {
  await session.waitFor(`? ${question}`);
  for (let step = 0; step < (keys.down ?? 0); step += 1) session.press('down');
  if (keys.type !== undefined) session.type(keys.type);
  session.press('enter');
}

async function exitCode(session: PtySession): Promise<number> {
  return (await session.exited).exitCode;
}

function valuesOf(path: string): Record<string, unknown> {
  return parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe.skipIf(helm3.unavailable !== undefined)('the wizard in a real terminal, against the simulated cluster', () => {
  beforeAll(ensureBuilt, 300_000);
  afterEach(() => {
    for (const sim of clusters.splice(0)) sim.cleanup();
  });

  it('--preset local, enter throughout, then "Write values and plan only": the values file and the plan', async () => {
    const { session, valuesFile } = startWizard(['--preset', 'local']);
    await session.waitFor('Kube context  sim');
    await session.waitFor('API server    https://sim-cluster.example:6443');
    await reply(session, 'Release name (mlflow)');
    await reply(session, 'Namespace (mlflow)');
    await session.waitFor('No release mlflow in namespace mlflow yet: this is a new install.');
    await reply(session, 'StorageClass of the volume');
    await reply(session, 'Expose MLflow through an Ingress?');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await session.waitFor('Summary');
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    expect(session.screen()).toContain('npx mlflow-install --yes --preset local');
    expect(statSync(valuesFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(valuesFile, 'utf8')).toContain('npx mlflow-install --yes --preset local');
    expect(JSON.stringify(valuesOf(valuesFile))).toContain('10Gi');
  });

  it('postgres typed by hand, with a refused host corrected: no password in the values file or on screen', async () => {
    const password = 'Wiz-Pa55!word';
    const { session, valuesFile, sim } = startWizard([]);
    await reply(session, 'Release name');
    await reply(session, 'Namespace');
    await reply(session, 'Backend store', { down: 1 });
    await reply(session, 'Database host', { type: 'db host' });
    await session.waitFor('backend.db.host: expected a host name or IPv4 address');
    for (let i = 0; i < 'db host'.length; i += 1) session.press('backspace');
    session.type('pg.internal');
    session.press('enter');
    await reply(session, 'Database port (5432)');
    await reply(session, 'Database name', { type: 'tracking' });
    await reply(session, 'Database user', { type: 'mlflow' });
    await reply(session, 'Password of the database user');
    await reply(session, 'Password of mlflow', { type: password });
    await reply(session, 'TLS to the database');
    await reply(session, 'Create the database and its user first?');
    await reply(session, 'Where artifacts are kept');
    await reply(session, 'Volume size');
    await reply(session, 'StorageClass of the volume');
    await reply(session, 'Expose MLflow through an Ingress?');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await session.waitFor(/Database password +\*\*\*\* \(into Secret mlflow-mlflow-db\)/);
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    const values = readFileSync(valuesFile, 'utf8');
    expect(values).toContain('pg.internal');
    expect(values).toContain('tracking');
    expect(values).not.toContain(password);
    expect(session.raw()).not.toContain(password);
    expect(JSON.stringify(sim.calls())).not.toContain(password);
  });

  it('--preset aws-aurora asks only what the preset leaves open', async () => {
    const { session, valuesFile } = startWizard(['--preset', 'aws-aurora']);
    await session.waitFor('Preset        aws-aurora');
    await reply(session, 'Release name');
    await reply(session, 'Namespace');
    await reply(session, 'Database host', { type: 'aurora.cluster-abc.eu-west-1.rds.amazonaws.com' });
    await reply(session, 'Where artifacts are kept', { down: 1 });
    await reply(session, 'Artifact root URI', { type: 's3://ml-artifacts/mlflow' });
    await reply(session, 'S3 endpoint');
    await reply(session, 'Cloud identity (eks.amazonaws.com/role-arn)', { type: 'arn:aws:iam::123456789012:role/mlflow' });
    await reply(session, 'Ingress host', { type: 'mlflow.example.com' });
    await reply(session, 'Serve the Ingress over HTTPS?');
    await reply(session, 'Password reference in the store', { type: 'mlflow/db#password' });
    await reply(session, 'Master password reference in the store', { type: 'rds!cluster-1#password' });
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    const asked = session
      .screen()
      .split('\n')
      .filter((line) => /^[?✔] /.test(line))
      .join('\n');
    expect(asked).toContain('✔ Database host aurora.cluster-abc.eu-west-1.rds.amazonaws.com');
    for (const notAsked of ['Backend store', 'Database port', 'Database name', 'Database user', 'Volume size', 'Password of the', 'Secret store the passwords']) {
      expect(asked).not.toContain(notAsked);
    }
    const values = readFileSync(valuesFile, 'utf8');
    expect(values).toContain('s3://ml-artifacts/mlflow');
    expect(values).toContain('arn:aws:iam::123456789012:role/mlflow');
    expect(values).toContain('aurora.cluster-abc.eu-west-1.rds.amazonaws.com');
  });

  it('Ctrl-C in the middle: exit 130, one line, no stack trace, nothing written', async () => {
    const { session, valuesFile, sim } = startWizard([]);
    await reply(session, 'Release name');
    await reply(session, 'Namespace');
    await session.waitFor('? Backend store');
    session.press('ctrlC');
    expect(await exitCode(session)).toBe(130);
    const screen = session.screen();
    expect(screen.match(/Cancelled, nothing was changed/g)).toHaveLength(1);
    expect(screen).not.toMatch(/\n\s+at /);
    expect(screen).not.toContain('ExitPromptError');
    expect(existsSync(valuesFile)).toBe(false);
    expect(sim.calls().filter((call) => ['apply', 'create', 'upgrade', 'install', 'delete'].includes(call.argv[0] ?? ''))).toEqual([]);
  });

  it('--no-color and NO_COLOR: no colour codes; without them there are colours', async () => {
    const runs = [
      { args: ['--no-color'], noColor: undefined, coloured: false },
      { args: [], noColor: '1', coloured: false },
      { args: [], noColor: undefined, coloured: true },
    ];
    for (const run of runs) {
      const env = { TERM: 'xterm-256color', ...(run.noColor === undefined ? {} : { NO_COLOR: run.noColor }) };
      const { session } = startWizard(['--preset', 'local', ...run.args], env, run.noColor === undefined ? ['NO_COLOR', 'FORCE_COLOR'] : []);
      await reply(session, 'Release name');
      await session.waitFor('? Namespace');
      session.press('ctrlC');
      expect(await exitCode(session)).toBe(130);
      expect(colourCode.test(session.raw()), `${run.args.join(' ')} NO_COLOR=${run.noColor}`).toBe(run.coloured);
    }
  });
});

describe.skipIf(helm3.unavailable !== undefined)('the first frame drawn by bin/ before the command line is parsed (the proposed hook)', () => {
  beforeAll(ensureBuilt, 300_000);
  afterEach(() => {
    for (const sim of clusters.splice(0)) sim.cleanup();
  });

  it('the wizard continues from it: the welcome once, the answers taken, the values written', async () => {
    const sim = SimCluster.create({ helmMajor: 3 });
    clusters.push(sim);
    const cwd = scratchDir();
    const hooked = join(cwd, 'mlflow-install-hooked.mjs');
    const dist = pathToFileURL(join(repoRoot, 'dist')).href;
    writeFileSync(
      hooked,
      `import { drawEarlyFrame } from '${dist}/wizard/first-frame.js';\ndrawEarlyFrame(process.argv);\nconst { main } = await import('${dist}/cli.js');\nprocess.exitCode = await main(process.argv);\n`,
    );
    const session = spawnInPty(process.execPath, [hooked, '--kubeconfig', sim.kubeconfig], { cwd, env: { ...cliEnv(), ...sim.env() } });
    await reply(session, 'Release name (mlflow)', { type: 'early' });
    await reply(session, 'Namespace (mlflow)');
    await reply(session, 'Backend store');
    await reply(session, 'Volume size');
    await reply(session, 'StorageClass of the volume');
    await reply(session, 'Where artifacts are kept');
    await reply(session, 'Expose MLflow through an Ingress?');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    const screen = session.screen();
    expect(screen.match(/Kube context {2}sim/g)).toHaveLength(1);
    expect(screen.match(/Helm release name; it prefixes/g)).toHaveLength(1);
    expect(screen).toContain('✔ Release name early');
    expect(readFileSync(join(cwd, 'mlflow-values.yaml'), 'utf8')).toContain('--release early');
  });
});

describe.skipIf(helm3.unavailable !== undefined)('the wizard outside a terminal', () => {
  beforeAll(ensureBuilt, 300_000);

  it('piped, without --yes: exit 2 at once with the questions and their flags; no values file', async () => {
    const cwd = scratchDir();
    const result = await runCli(['--preset', 'postgres'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a terminal and no --yes, so no question can be asked. These would have been:');
    expect(result.stderr).toMatch(/--set backend\.db\.host=\.\.\. +Database host name or IP address\./);
    expect(result.stderr).not.toContain('--set backend.type=');
    expect(existsSync(join(cwd, 'mlflow-values.yaml'))).toBe(false);
  });
});
