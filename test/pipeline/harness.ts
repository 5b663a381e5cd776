import { execa, type ResultPromise } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Pod } from '../../src/cluster/k8s.js';
import { secretForms } from '../../src/cluster/redact.js';
import { scratchDir } from '../cli/cli.js';
import { SimCluster, type RecordedCall, type SimClusterOptions } from '../helpers/sim-cluster.js';
import { repoRoot, toolSet, type HelmMajor } from '../helpers/tools.js';

export const bin = join(repoRoot, 'bin', 'mlflow-install.js');
export const majors: HelmMajor[] = [3, 4];
export const bothHelmsAvailable = majors.every((major) => toolSet(major).unavailable === undefined);

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

/** The built CLI, piped (not a terminal), against the simulated cluster (its doubles first on PATH). */
export function startInstall(sim: SimCluster, args: readonly string[], options: InstallOptions = {}): { child: ResultPromise<{ reject: false }>; cwd: string } {
  const cwd = options.cwd ?? scratchDir();
  const child = execa(process.execPath, [bin, ...args], {
    cwd,
    env: { ...sim.env(), NO_COLOR: '1', ...options.env },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { child, cwd };
}

export async function install(sim: SimCluster, args: readonly string[], options: InstallOptions = {}): Promise<Install> {
  const { child, cwd } = startInstall(sim, args, options);
  const result = await child;
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), cwd };
}

export class Clusters {
  private readonly created: SimCluster[] = [];

  create(options: SimClusterOptions): SimCluster {
    const sim = SimCluster.create(options);
    this.created.push(sim);
    return sim;
  }

  cleanup(): void {
    for (const sim of this.created.splice(0)) sim.cleanup();
  }
}

export async function podsOf(sim: SimCluster, namespace: string, selector: string): Promise<Pod[]> {
  const result = await sim.exec('kubectl', ['get', 'pods', '--namespace', namespace, '--selector', selector, '-o', 'json']);
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { items: Pod[] }).items;
}

function filesUnder(dir: string, skip: (path: string) => boolean): { path: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !skip(path))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** Whether a recorded call is the apply of the installer's Secrets: the one place a password may go (on stdin). */
function isSecretApply(call: RecordedCall): boolean {
  return call.tool === 'kubectl' && call.argv[0] === 'apply' && call.argv.includes('-') && /"kind":"Secret"/.test(call.stdin ?? '');
}

/**
 * No form of the password (as is, base64, URL-encoded, JSON-escaped) in the output, in any recorded argv or
 * environment, in any stdin but the Secrets' own apply, or in any file of the run's folder or the cluster's
 * (its object store and call log aside: the Secret lives there, as in a real cluster).
 */
export function expectNoLeak(password: string, sim: SimCluster, run: Install): void {
  const forms = secretForms(password);
  const places: { where: string; text: string }[] = [
    { where: 'stdout', text: run.stdout },
    { where: 'stderr', text: run.stderr },
    ...sim.calls().flatMap((call, index) => [
      { where: `argv of call ${index} (${call.argv.slice(0, 2).join(' ')})`, text: call.argv.join('\n') },
      { where: `environment of call ${index}`, text: JSON.stringify(call.env) },
      ...(isSecretApply(call) ? [] : [{ where: `stdin of call ${index} (${call.argv.slice(0, 2).join(' ')})`, text: call.stdin ?? '' }]),
    ]),
    ...filesUnder(run.cwd, () => false).map((file) => ({ where: file.path, text: file.text })),
    ...filesUnder(sim.dir, (path) => path.endsWith('state.json') || path.endsWith('calls.jsonl')).map((file) => ({ where: file.path, text: file.text })),
  ];
  for (const place of places) {
    const found = forms.find((form) => place.text.includes(form));
    expect(found, `the password (as ${JSON.stringify(found)}) is in ${place.where}`).toBeUndefined();
  }
}

/** The objects of kinds a run may create in the namespace, by kind/name, for comparing the cluster before and after. */
export function namespaceObjects(sim: SimCluster, namespace: string): string[] {
  const kinds = ['Secret', 'ConfigMap', 'Deployment', 'Service', 'PersistentVolumeClaim', 'ServiceAccount', 'Ingress', 'Job', 'SecretProviderClass'];
  return kinds.flatMap((kind) => sim.objects(kind, namespace).map((object) => `${kind}/${object.metadata.name}`)).sort();
}
