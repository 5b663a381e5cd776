import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliEnv, ensureBuilt, runCli, scratchDir } from '../cli/cli.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { spawnInPty, type PtySession } from '../helpers/pty.js';
import { repoRoot } from '../helpers/tools.js';
import { callMark, cliBin as bin, noCluster, useLifecycleSuite } from '../lifecycle/helpers.js';

// Colour codes are SGR sequences (ending in m); cursor movement is not colour.
const colourCode = /\u001b\[[0-9;]*m/;

// One cluster for the file (its tests run one after another): the default StorageClass standard, and fast-ssd.
const suite = useLifecycleSuite({
  objects: [{ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast-ssd' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }],
});

interface WizardRun {
  session: PtySession;
  cwd: string;
  cluster: TestCluster;
  valuesFile: string;
}

async function startWizard(args: string[], env: Record<string, string> = {}, unset: string[] = []): Promise<WizardRun> {
  const cluster = await suite.shared(3);
  const cwd = scratchDir();
  const runEnv: Record<string, string> = { ...cliEnv(), ...cluster.env(), ...env };
  for (const name of unset) delete runEnv[name];
  const session = spawnInPty(process.execPath, [bin, ...args], { cwd, env: runEnv });
  return { session, cwd, cluster, valuesFile: join(cwd, 'mlflow-values.yaml') };
}

/** Waits for a live question (its "?" prefix), then sends the keys (the first questions wait for the cluster's answers). */
async function reply(session: PtySession, question: string, keys: { type?: string; down?: number } = {}): Promise<void> {
  await session.waitFor(`? ${question}`, 60_000);
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

describe.skipIf(noCluster !== undefined)('the wizard in a real terminal, against a real control plane', () => {
  it('--preset local, enter throughout, then "Write values and plan only": the values file and the plan', async () => {
    const { session, valuesFile, cluster } = await startWizard(['--preset', 'local']);
    const { context, server } = cluster.identity();
    await session.waitFor(`Kube context  ${context}`, 60_000);
    await session.waitFor(`API server    ${server}`);
    await reply(session, 'Release name (mlflow)');
    await reply(session, 'Namespace (mlflow)');
    await session.waitFor('No release mlflow in namespace mlflow yet: this is a new install.');
    await reply(session, 'StorageClass of the volume');
    await reply(session, 'Expose MLflow through an Ingress?');
    await reply(session, 'Require a login?');
    await reply(session, 'Admin password for admin (empty: generate one)');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await session.waitFor('Summary');
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    expect(session.screen()).toContain('npx mlflow-install --yes --preset local');
    expect(statSync(valuesFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(valuesFile, 'utf8')).toContain('npx mlflow-install --yes --preset local');
    expect(JSON.stringify(valuesOf(valuesFile))).toContain('10Gi');
  }, 240_000);

  it('postgres typed by hand, with a refused host corrected: no password in the values file or on screen', async () => {
    const password = 'Wiz-Pa55!word';
    const { session, valuesFile, cluster } = await startWizard([]);
    const mark = callMark(cluster);
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
    await reply(session, 'Require a login?');
    await reply(session, 'Admin password for admin (empty: generate one)');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await session.waitFor(/Database password +\*\*\*\* \(into Secret mlflow-mlflow-db\)/);
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    const values = readFileSync(valuesFile, 'utf8');
    expect(values).toContain('pg.internal');
    expect(values).toContain('tracking');
    expect(values).not.toContain(password);
    expect(session.raw()).not.toContain(password);
    // The wizard looked the cluster up (storage classes, the release), none of it with the password.
    const calls = cluster.calls().slice(mark);
    expect(calls.length).toBeGreaterThan(0);
    expect(JSON.stringify(calls)).not.toContain(password);
  }, 240_000);

  it('--preset aws-aurora asks only what the preset leaves open', async () => {
    const { session, valuesFile } = await startWizard(['--preset', 'aws-aurora']);
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
    await reply(session, 'Require a login?');
    await reply(session, 'Admin password for admin (empty: generate one)');
    await reply(session, 'Namespace of the ingress controller');
    await reply(session, 'Address ranges admitted to the server (CIDR)', { type: '10.0.0.0/16' });
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
  }, 240_000);

  it('Ctrl-C in the middle: exit 130, one line, no stack trace, nothing written', async () => {
    const { session, valuesFile, cluster } = await startWizard([]);
    const mark = callMark(cluster);
    await reply(session, 'Release name');
    await reply(session, 'Namespace');
    await session.waitFor('? Backend store', 60_000);
    session.press('ctrlC');
    expect(await exitCode(session)).toBe(130);
    const screen = session.screen();
    expect(screen.match(/Cancelled, nothing was changed/g)).toHaveLength(1);
    expect(screen).not.toMatch(/\n\s+at /);
    expect(screen).not.toContain('ExitPromptError');
    expect(existsSync(valuesFile)).toBe(false);
    expect(cluster.calls().slice(mark).filter((call) => ['apply', 'create', 'upgrade', 'install', 'delete'].includes(call.argv[0] ?? ''))).toEqual([]);
  }, 240_000);

  it('--no-color and NO_COLOR: no colour codes; without them there are colours', async () => {
    const runs = [
      { args: ['--no-color'], noColor: undefined, coloured: false },
      { args: [], noColor: '1', coloured: false },
      { args: [], noColor: undefined, coloured: true },
    ];
    for (const run of runs) {
      const env = { TERM: 'xterm-256color', ...(run.noColor === undefined ? {} : { NO_COLOR: run.noColor }) };
      const { session } = await startWizard(['--preset', 'local', ...run.args], env, run.noColor === undefined ? ['NO_COLOR', 'FORCE_COLOR'] : []);
      await reply(session, 'Release name');
      await session.waitFor('? Namespace', 60_000);
      session.press('ctrlC');
      expect(await exitCode(session)).toBe(130);
      expect(colourCode.test(session.raw()), `${run.args.join(' ')} NO_COLOR=${run.noColor}`).toBe(run.coloured);
    }
  }, 240_000);
});

describe.skipIf(noCluster !== undefined)('the first frame drawn by bin/ before the command line is parsed (the proposed hook)', () => {
  it('the wizard continues from it: the welcome once, the answers taken, the values written', async () => {
    const cluster = await suite.shared(3);
    const cwd = scratchDir();
    const hooked = join(cwd, 'mlflow-install-hooked.mjs');
    const dist = pathToFileURL(join(repoRoot, 'dist')).href;
    writeFileSync(
      hooked,
      `import { drawEarlyFrame } from '${dist}/wizard/first-frame.js';\ndrawEarlyFrame(process.argv);\nconst { main } = await import('${dist}/cli.js');\nprocess.exitCode = await main(process.argv);\n`,
    );
    const session = spawnInPty(process.execPath, [hooked, '--kubeconfig', cluster.kubeconfig], { cwd, env: { ...cliEnv(), ...cluster.env() } });
    await reply(session, 'Release name (mlflow)', { type: 'early' });
    await reply(session, 'Namespace (mlflow)');
    await reply(session, 'Backend store');
    await reply(session, 'Volume size');
    await reply(session, 'StorageClass of the volume');
    await reply(session, 'Where artifacts are kept');
    await reply(session, 'Expose MLflow through an Ingress?');
    await reply(session, 'Require a login?');
    await reply(session, 'Admin password for admin (empty: generate one)');
    await reply(session, 'Expose Prometheus metrics on /metrics?');
    await reply(session, 'What now?', { down: 1 });
    expect(await exitCode(session), session.screen()).toBe(0);
    const screen = session.screen();
    expect(screen.match(new RegExp(`Kube context {2}${cluster.identity().context}`, 'g'))).toHaveLength(1);
    expect(screen.match(/Helm release name; it prefixes/g)).toHaveLength(1);
    expect(screen).toContain('✔ Release name early');
    expect(readFileSync(join(cwd, 'mlflow-values.yaml'), 'utf8')).toContain('--release early');
  }, 240_000);
});

describe('the wizard outside a terminal', () => {
  beforeAll(ensureBuilt, 300_000);

  it('piped, without --yes: exit 2 at once with the questions and their flags; no values file', async () => {
    const cwd = scratchDir();
    const result = await runCli(['--preset', 'postgres'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a terminal and no --yes, so no question can be asked. These would have been:');
    expect(result.stderr).toMatch(/--set backend\.db\.host=\.\.\. +Database host name or IP address\./);
    expect(result.stderr).not.toContain('--set backend.type=');
    expect(existsSync(join(cwd, 'mlflow-values.yaml'))).toBe(false);
  }, 240_000);
});
