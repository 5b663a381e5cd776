import type { PersistentVolumeClaim, Pod } from '../../cluster/k8s.js';
import { podProblem } from '../diagnose.js';

export type PodRole = 'server' | 'migration' | 'create-database' | 'test' | 'other';

export interface PodSummary {
  name: string;
  role: PodRole;
  phase: string;
  readyContainers: number;
  containers: number;
  restarts: number;
  /** What is wrong with it, in one line (absent when Running and Ready, or Succeeded). */
  problem?: string;
}

const roles: Record<string, PodRole> = {
  'tracking-server': 'server',
  migrate: 'migration',
  'create-database': 'create-database',
  test: 'test',
};

export function summarizePod(pod: Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const problem = podProblem(pod);
  return {
    name: pod.metadata.name,
    role: roles[pod.metadata.labels?.['app.kubernetes.io/component'] ?? ''] ?? 'other',
    phase: pod.status?.phase ?? 'Unknown',
    readyContainers: statuses.filter((status) => status.ready).length,
    containers: Math.max(statuses.length, pod.spec?.containers.length ?? 0),
    restarts: statuses.reduce((sum, status) => sum + status.restartCount, 0),
    ...(problem === undefined ? {} : { problem }),
  };
}

/** Server pods first, then by name: the order `status` lists them in. */
export function sortPods(pods: readonly PodSummary[]): PodSummary[] {
  return [...pods].sort((a, b) => Number(b.role === 'server') - Number(a.role === 'server') || a.name.localeCompare(b.name));
}

export interface VolumeSummary {
  name: string;
  phase: string;
  storageClass?: string;
}

export function summarizeClaim(claim: PersistentVolumeClaim): VolumeSummary {
  const storageClass = claim.spec?.storageClassName;
  return { name: claim.metadata.name, phase: claim.status?.phase ?? 'Unknown', ...(storageClass ? { storageClass } : {}) };
}
