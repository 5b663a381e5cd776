// The lifecycle tests (status, uninstall, install -> uninstall -> install) on the real control plane: the built
// CLI drives the real helm and kubectl (through the cluster's recorder) against a kwok cluster. A file shares one
// cluster per helm major between its tests, each in a namespace of its own; a test that breaks the cluster for
// everyone (a stopped API server) or needs it bare gets one of its own.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensureBuilt, scratchDir, type CliResult } from '../cli/cli.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { TestCluster, TestClusters, type RecordedCall, type TestClusterOptions } from '../helpers/kwok/test-cluster.js';
import { chartDir, repoRoot, type HelmMajor } from '../helpers/tools.js';

export { TestCluster };
export const cliBin = join(repoRoot, 'bin', 'mlflow-install.js');
export const majors: HelmMajor[] = [3, 4];

/** Why the cluster tests cannot run here (they are skipped, saying so), or undefined. */
export const noCluster = clusterUnavailable();
if (noCluster !== undefined) process.stderr.write(`[lifecycle tests] skipped: ${noCluster}\n`);

/** helm's own --timeout for the installs a test makes itself; TestCluster.exec gives up at 120 s. */
const HELM_TIMEOUT = '90s';

export interface LifecycleSuite {
  /** The cluster of this file for a helm major, made on first use and shared by the file's tests. */
  shared(major: HelmMajor): Promise<TestCluster>;
  /** A cluster of the test's own (about 5 s to make): for a test that stops its API server or needs it bare. */
  cluster(options: TestClusterOptions): Promise<TestCluster>;
}

/** Builds dist/ once per test file; deletes the clusters the file made at its end. */
export function useLifecycleSuite(sharedOptions: Omit<TestClusterOptions, 'helmMajor'> = {}): LifecycleSuite {
  const clusters = new TestClusters();
  const shared = new Map<HelmMajor, Promise<TestCluster>>();
  beforeAll(ensureBuilt, 300_000);
  afterAll(() => clusters.cleanup(), 180_000);
  return {
    shared: (major) => {
      let cluster = shared.get(major);
      if (cluster === undefined) {
        cluster = clusters.create({ ...sharedOptions, helmMajor: major });
        shared.set(major, cluster);
      }
      return cluster;
    },
    cluster: (options) => clusters.create(options),
  };
}

let namespaceSequence = 0;

/** A namespace name no other test of this process uses (a DNS label: at most 63 characters). */
export function uniqueNamespace(tag: string): string {
  namespaceSequence += 1;
  return `${tag}-${namespaceSequence}`.slice(0, 63);
}

/** Creates a namespace as the cluster's admin, with labels (the installer's, to say it made the namespace). */
export async function createNamespace(cluster: TestCluster, name: string, labels: Record<string, string> = {}): Promise<void> {
  await cluster.kwok.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }]);
}

/** The installer's label on what it creates (namespace, Secrets, saved answers). */
export const installerLabels = { 'app.kubernetes.io/managed-by': 'mlflow-install' };

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

/** helm upgrade --install as the install pipeline runs it: waiting, and rolling back on failure. */
export function installArgs(major: HelmMajor, release: string, namespace: string, extra: readonly string[] = []): string[] {
  const rollback = major === 3 ? ['--atomic', '--wait'] : ['--rollback-on-failure', '--wait=watcher'];
  return ['upgrade', '--install', release, chartDir, '--namespace', namespace, ...extra, ...rollback, '--timeout', HELM_TIMEOUT];
}

/**
 * Installs charts/mlflow with the real helm (not recorded), as the install pipeline's helm step does; without
 * `wait`, helm marks the revision deployed at once and does not roll back.
 */
export async function helmInstall(cluster: TestCluster, options: { release?: string; namespace?: string; extra?: string[]; wait?: boolean } = {}): Promise<void> {
  const release = options.release ?? 'mlflow';
  const namespace = options.namespace ?? 'mlflow';
  const args =
    options.wait === false
      ? ['upgrade', '--install', release, chartDir, '--namespace', namespace, ...(options.extra ?? []), '--timeout', HELM_TIMEOUT]
      : installArgs(cluster.helmMajor, release, namespace, options.extra ?? []);
  const result = await cluster.exec('helm', args);
  if (result.exitCode !== 0) throw new Error(`helm install failed: ${result.stderr}`);
}

/** What the install pipeline creates beside the release: the password Secret (from stdin) and the saved answers. */
export async function applyInstallerObjects(cluster: TestCluster, password: string, options: { release?: string; namespace?: string } = {}): Promise<void> {
  const release = options.release ?? 'mlflow';
  const namespace = options.namespace ?? 'mlflow';
  const labels = { ...installerLabels, 'app.kubernetes.io/instance': release };
  const uid = (await cluster.object('Namespace', undefined, 'kube-system'))?.metadata.uid ?? '';
  const objects = [
    { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: `${release}-mlflow-db`, namespace, labels }, data: { password: Buffer.from(password).toString('base64') } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${release}-mlflow-install`, namespace, labels }, data: { 'answers.yaml': `release: ${release}\nnamespace: ${namespace}\n`, 'cluster-uid': uid } },
  ];
  const result = await cluster.exec('kubectl', ['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', namespace], {
    input: objects.map((object) => JSON.stringify(object)).join('\n---\n'),
  });
  if (result.exitCode !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

/** A database release whose artifacts the server keeps on its volume: a claim, the installer's Secret and saved answers. */
export async function installWithData(cluster: TestCluster, namespace: string, extra: string[] = []): Promise<void> {
  await applyInstallerObjects(cluster, 'not-the-point-here', { namespace });
  await helmInstall(cluster, { namespace, extra: [...setFlags(postgresSettings()), ...extra] });
}

export interface CliRun extends CliResult {
  /** The folder the CLI ran in (what it wrote is there). */
  cwd: string;
}

export interface StartedCli {
  pid: number;
  result: Promise<CliRun>;
}

export function cliEnvFor(cluster: TestCluster, extra: Record<string, string> = {}): Record<string, string> {
  return cluster.env({ NO_COLOR: '1', ...extra });
}

/** The built CLI as a child this test can signal, with piped stdio (not a terminal), against the cluster. */
export function startCli(cluster: TestCluster, args: readonly string[], extra: Record<string, string> = {}, timeoutMs = 200_000): StartedCli {
  const cwd = scratchDir();
  const child = execa(process.execPath, [cliBin, ...args], { cwd, env: cliEnvFor(cluster, extra), extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore', stripFinalNewline: false });
  const result = child.then((done) => ({ code: done.exitCode ?? -1, stdout: String(done.stdout), stderr: String(done.stderr), cwd }));
  return { pid: child.pid ?? -1, result };
}

/** Runs the built CLI to its end. */
export function runAgainst(cluster: TestCluster, args: readonly string[], extra: Record<string, string> = {}): Promise<CliRun> {
  return startCli(cluster, args, extra).result;
}

/** How many calls are recorded now: `callsSince(cluster, mark, namespace)` gives those made after it. */
export function callMark(cluster: TestCluster): number {
  return cluster.calls().length;
}

/**
 * The calls recorded after `mark` that name the namespace (the cluster is shared: other tests' calls are in the
 * record too, each naming its own namespace); `version` calls name none and are left out.
 */
export function callsSince(cluster: TestCluster, mark: number, namespace: string): RecordedCall[] {
  return cluster
    .calls()
    .slice(mark)
    .filter((call) => call.argv.includes(namespace) || call.argv.some((arg) => arg === `--namespace=${namespace}`));
}

/** Resolves once a call in the namespace whose argv starts with these words is recorded (after `mark`). */
export async function callStarted(cluster: TestCluster, mark: number, namespace: string, tool: 'helm' | 'kubectl', words: string[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!callsSince(cluster, mark, namespace).some((call) => call.tool === tool && words.every((word, i) => call.argv[i] === word))) {
    if (Date.now() > deadline) throw new Error(`no ${tool} ${words.join(' ')} in namespace ${namespace} was called within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once the check is true, polling; throws with the description after timeoutMs. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The names of the objects of a kind in the namespace, read back with kubectl. */
export async function objectNames(cluster: TestCluster, kind: string, namespace: string): Promise<string[]> {
  return (await cluster.objects(kind, namespace)).map((object) => object.metadata.name).sort();
}

/** The namespaces of the cluster that are there and not being deleted. */
export async function namespaceNames(cluster: TestCluster): Promise<string[]> {
  return (await cluster.objects('Namespace')).filter((namespace) => !('deletionTimestamp' in namespace.metadata)).map((namespace) => namespace.metadata.name);
}

/** Adds a finalizer no controller removes: deleting the object then waits until the test takes it off again. */
export async function holdWithFinalizer(cluster: TestCluster, kind: string, namespace: string, name: string): Promise<void> {
  await cluster.kwok.kubectl(['patch', kind, name, '--namespace', namespace, '--type', 'merge', '-p', JSON.stringify({ metadata: { finalizers: ['example.com/hold'] } })]);
}

export async function releaseFinalizer(cluster: TestCluster, kind: string, namespace: string, name: string): Promise<void> {
  await cluster.kwok.kubectl(['patch', kind, name, '--namespace', namespace, '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/metadata/finalizers' }])]);
}

/** A copy of the cluster's kubeconfig whose API server is a local port nothing listens on: every request is refused. */
export async function kubeconfigWithClosedPort(cluster: TestCluster): Promise<{ path: string; server: string }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const server = `https://127.0.0.1:${port}`;
  const path = join(cluster.dir, `kubeconfig-closed-${port}.yaml`);
  writeFileSync(path, readFileSync(cluster.kubeconfig, 'utf8').replace(/server: \S+/, `server: ${server}`));
  return { path, server };
}

/** A copy of the cluster's kubeconfig with its context renamed (the cluster and credentials are the same). */
export async function kubeconfigWithContext(cluster: TestCluster, context: string): Promise<string> {
  const path = join(cluster.dir, `kubeconfig-${context}.yaml`);
  writeFileSync(path, readFileSync(cluster.kubeconfig, 'utf8'));
  await execa(cluster.kubectl, ['config', 'rename-context', cluster.identity().context, context, '--kubeconfig', path]);
  return path;
}

/**
 * A kubeconfig that authenticates as ServiceAccount `name` of `namespace` with a token (as a CI job or a
 * namespaced team member does), the account bound to a Role with these rules in that namespace only.
 */
export async function serviceAccountKubeconfig(cluster: TestCluster, namespace: string, name: string, rules: object[]): Promise<{ path: string; user: string }> {
  await cluster.kwok.apply([
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ]);
  const token = (await cluster.kwok.kubectl(['create', 'token', name, '--namespace', namespace, '--duration', '2h'])).trim();
  const admin = readFileSync(cluster.kubeconfig, 'utf8');
  const ca = /certificate-authority: (\S+)/.exec(admin)?.[1] ?? '';
  const { server } = cluster.identity();
  const context = `${name}@${namespace}`;
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${ca}`,
    'users:',
    `- name: ${context}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}`,
    `    namespace: ${namespace}`,
    `current-context: ${context}`,
    '',
  ].join('\n');
  const path = join(cluster.dir, `kubeconfig-${name}-${namespace}.yaml`);
  writeFileSync(path, text, { mode: 0o600 });
  return { path, user: `system:serviceaccount:${namespace}:${name}` };
}
