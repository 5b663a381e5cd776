import { join } from 'node:path';
import type { Pod } from '../../src/cluster/k8s.js';
import type { SimCluster } from '../helpers/sim-cluster.js';
import { chartDir, repoRoot, type HelmMajor } from '../helpers/tools.js';

export const hookedChart = join(repoRoot, 'test', 'fixtures', 'sim', 'charts', 'hooked');
export { chartDir };

/** `helm upgrade --install` as each major spells install-with-rollback. */
export function installArgs(major: HelmMajor, release: string, chart: string, namespace: string, timeout: string, extra: string[] = []): string[] {
  const rollback = major === 3 ? ['--atomic', '--wait'] : ['--rollback-on-failure', '--wait=watcher'];
  return ['upgrade', '--install', release, chart, '--namespace', namespace, ...extra, ...rollback, '--timeout', timeout];
}

export async function podsOf(sim: SimCluster, namespace: string, selector?: string): Promise<Pod[]> {
  const args = ['get', 'pods', '--namespace', namespace, '-o', 'json', ...(selector ? ['--selector', selector] : [])];
  const result = await sim.exec('kubectl', args);
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { items: Pod[] }).items;
}

export interface EventLine {
  type: string;
  reason: string;
  object: string;
  message: string;
}

export async function eventsIn(sim: SimCluster, namespace: string): Promise<EventLine[]> {
  const result = await sim.exec('kubectl', ['get', 'events', '--namespace', namespace, '-o', 'json']);
  const list = JSON.parse(result.stdout) as { items: { type: string; reason: string; message: string; involvedObject: { name: string } }[] };
  return list.items.map((e) => ({ type: e.type, reason: e.reason, object: e.involvedObject.name, message: e.message }));
}
