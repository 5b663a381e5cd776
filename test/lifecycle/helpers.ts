import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensureBuilt, scratchDir, type CliResult } from '../cli/cli.js';
import { SimCluster, type SimClusterOptions } from '../helpers/sim-cluster.js';
import { chartDir, helmMajors, repoRoot, toolSet, type HelmMajor } from '../helpers/tools.js';
import { installArgs } from '../sim/sim-helpers.js';

export const cliBin = join(repoRoot, 'bin', 'mlflow-install.js');

/** The helm majors whose real binaries are here (the simulated cluster renders with them). */
export const availableMajors: HelmMajor[] = helmMajors.filter((major) => toolSet(major).unavailable === undefined);

/** Builds dist/ once per test file, and removes the clusters a file made. */
export function useLifecycleSuite(): { cluster: (options: SimClusterOptions) => SimCluster } {
  const clusters: SimCluster[] = [];
  beforeAll(async () => ensureBuilt(), 300_000);
  afterAll(() => {
    for (const sim of clusters.splice(0)) sim.cleanup();
  });
  return {
    cluster: (options) => {
      const sim = SimCluster.create(options);
      clusters.push(sim);
      return sim;
    },
  };
}

/** The values of a database install of release `release` as the wizard writes them: a Secret reference, never the password. */
export function postgresSettings(release = 'mlflow'): string[] {
  return [
    'database.engine.postgres=postgresql',
    'mlflowBackend.connections.host=db.internal',
    'mlflowBackend.connections.port=5432',
    'mlflowBackend.connections.database=mlflow',
    'mlflowBackend.connections.username=mlflow',
    `mlflowBackend.existingSecret=${release}-mlflow-db`,
  ];
}

export function setFlags(pairs: readonly string[]): string[] {
  return pairs.flatMap((pair) => ['--set', pair]);
}

/** Installs charts/mlflow with the helm double, as the install pipeline's helm step does. */
export async function helmInstall(sim: SimCluster, options: { release?: string; namespace?: string; extra?: string[]; wait?: boolean } = {}): Promise<void> {
  const release = options.release ?? 'mlflow';
  const namespace = options.namespace ?? 'mlflow';
  const args =
    options.wait === false
      ? ['upgrade', '--install', release, chartDir, '--namespace', namespace, ...(options.extra ?? []), '--timeout', '30s']
      : installArgs(sim.helmMajor, release, chartDir, namespace, '30s', options.extra ?? []);
  const result = await sim.exec('helm', args);
  if (result.exitCode !== 0) throw new Error(`helm install failed: ${result.stderr}`);
}

/** What the install pipeline creates beside the release: the password Secret (from stdin) and the saved answers. */
export async function applyInstallerObjects(sim: SimCluster, password: string, options: { release?: string; namespace?: string } = {}): Promise<void> {
  const release = options.release ?? 'mlflow';
  const namespace = options.namespace ?? 'mlflow';
  const labels = { 'app.kubernetes.io/managed-by': 'mlflow-install', 'app.kubernetes.io/instance': release };
  const objects = [
    { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: `${release}-mlflow-db`, namespace, labels }, data: { password: Buffer.from(password).toString('base64') } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${release}-mlflow-install`, namespace, labels }, data: { 'answers.yaml': `release: ${release}\nnamespace: ${namespace}\n`, 'cluster-uid': 'uid' } },
  ];
  const result = await sim.exec('kubectl', ['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', namespace], {
    input: objects.map((object) => JSON.stringify(object)).join('\n---\n'),
  });
  if (result.exitCode !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

export function cliEnvFor(sim: SimCluster, extra: Record<string, string> = {}): Record<string, string> {
  return sim.env({ NO_COLOR: '1', ...extra });
}

/** The built CLI as a child this test can signal, with piped stdio (not a terminal), against the simulated cluster. */
export function startCli(sim: SimCluster, args: readonly string[], extra: Record<string, string> = {}): StartedCli {
  const child = spawn(process.execPath, [cliBin, ...args], { cwd: scratchDir(), env: cliEnvFor(sim, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { pid: child.pid ?? -1, result };
}

export interface StartedCli {
  pid: number;
  result: Promise<CliResult>;
}

/** Runs the built CLI to its end (the test's own timeout bounds it). */
export function runAgainst(sim: SimCluster, args: readonly string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return startCli(sim, args, extra).result;
}

/** Resolves once the cluster has recorded a call whose argv starts with these words. */
export async function callStarted(sim: SimCluster, tool: 'helm' | 'kubectl', words: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!sim.calls(tool).some((call) => words.every((word, i) => call.argv[i] === word))) {
    if (Date.now() > deadline) throw new Error(`no ${tool} ${words.join(' ')} was called within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function objectNames(sim: SimCluster, kind: string, namespace: string): string[] {
  return sim.objects(kind, namespace).map((object) => object.metadata.name).sort();
}
