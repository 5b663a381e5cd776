import { execa, type ResultPromise } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Pod } from '../../src/cluster/k8s.js';
import { secretForms } from '../../src/cluster/redact.js';
import { scratchDir } from '../cli/cli.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { TestCluster, TestClusters, type RecordedCall } from '../helpers/kwok/test-cluster.js';
import { repoRoot, type HelmMajor } from '../helpers/tools.js';

export const bin = join(repoRoot, 'bin', 'mlflow-install.js');
export const majors: HelmMajor[] = [3, 4];

/** Why the cluster suites cannot run here, said once per file, or undefined. */
export const noCluster = clusterUnavailable();
if (noCluster !== undefined) process.stderr.write(`[cluster tests] skipped: ${noCluster}\n`);

export { TestCluster, TestClusters };

/** A password with characters that need quoting and encoding everywhere, unique per run. */
export function uniquePassword(tag: string): string {
  return `Pw-${tag}-${Math.random().toString(36).slice(2, 10)}:@/?&'"`;
}

export interface Install {
  code: number;
  stdout: string;
  stderr: string;
  cwd: string;
}

export interface InstallOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** The built CLI, piped (not a terminal), against a test cluster (the recorded real helm and kubectl first on PATH). */
export function startInstall(cluster: TestCluster, args: readonly string[], options: InstallOptions = {}): { child: ResultPromise<{ reject: false }>; cwd: string } {
  const cwd = options.cwd ?? scratchDir();
  const child = execa(process.execPath, [bin, ...args], {
    cwd,
    env: { ...cluster.env(), NO_COLOR: '1', ...options.env },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 180_000,
  });
  return { child, cwd };
}

export async function install(cluster: TestCluster, args: readonly string[], options: InstallOptions = {}): Promise<Install> {
  const { child, cwd } = startInstall(cluster, args, options);
  const result = await child;
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), cwd };
}

export async function podsOf(cluster: TestCluster, namespace: string, selector: string): Promise<Pod[]> {
  const result = await cluster.exec('kubectl', ['get', 'pods', '--namespace', namespace, '--selector', selector, '-o', 'json']);
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { items: Pod[] }).items;
}

function filesUnder(dir: string): { path: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Whether a call changes the cluster (or this machine's helm settings). */
export function changesTheCluster(call: RecordedCall): boolean {
  const [first = '', second = ''] = call.argv;
  // The permission check creates SelfSubjectAccessReviews: questions the API server answers and keeps nothing of.
  const accessReviews = first === 'create' && call.argv.some((arg) => arg.includes('{.status.allowed}'));
  // The Pod Security check's server-side dry run: the admission answers, nothing is stored.
  const dryRun = call.argv.includes('--dry-run=server');
  if (call.tool === 'kubectl') return ['apply', 'create', 'delete', 'patch', 'run', 'label', 'annotate'].includes(first) && !accessReviews && !dryRun;
  return ['upgrade', 'install', 'uninstall', 'rollback'].includes(first) || (first === 'repo' && second === 'add');
}

/**
 * What the cluster holds that is not a Secret, as text: every object of the namespaces (`kubectl get all,cm`),
 * the release's values (all of them) and manifest; the password belongs in its Secret only.
 */
async function clusterTexts(cluster: TestCluster, namespace: string): Promise<{ where: string; text: string }[]> {
  const reads: [string, 'kubectl' | 'helm', string[]][] = [
    ['kubectl get all,cm,jobs,ingress,pvc,sa,events -A', 'kubectl', ['get', 'all,cm,jobs,ingress,pvc,sa,events', '--all-namespaces', '-o', 'yaml']],
    ['helm get values -a', 'helm', ['get', 'values', 'mlflow', '--namespace', namespace, '--all', '-o', 'yaml']],
    ['helm get manifest', 'helm', ['get', 'manifest', 'mlflow', '--namespace', namespace]],
  ];
  return Promise.all(reads.map(async ([where, tool, args]) => ({ where, text: (await cluster.exec(tool, args)).stdout })));
}

/**
 * No form of the password (as is, base64, URL-encoded, JSON-escaped) in the output, in the argv or environment of
 * any helm or kubectl call, in any file of the run's folder, or in any object of the cluster but its Secret.
 */
export async function expectNoLeak(passwords: string | readonly string[], cluster: TestCluster, run: Install, namespace = 'mlflow'): Promise<void> {
  const forms = (typeof passwords === 'string' ? [passwords] : passwords).flatMap((password) => secretForms(password));
  const places: { where: string; text: string }[] = [
    { where: 'stdout', text: run.stdout },
    { where: 'stderr', text: run.stderr },
    ...cluster.calls().flatMap((call, index) => [
      { where: `argv of call ${index} (${call.tool} ${call.argv.slice(0, 2).join(' ')})`, text: call.argv.join('\n') },
      { where: `environment of call ${index}`, text: JSON.stringify(call.env) },
    ]),
    ...filesUnder(run.cwd).map((file) => ({ where: file.path, text: file.text })),
    ...(await clusterTexts(cluster, namespace)),
  ];
  for (const place of places) {
    const found = forms.find((form) => place.text.includes(form));
    expect(found, `the password (as ${JSON.stringify(found)}) is in ${place.where}`).toBeUndefined();
  }
}
