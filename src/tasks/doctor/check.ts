// The shape of doctor's checks, and the small pure helpers every group of checks shares.
import { describePermission, missingPermission } from '../../cluster/forbidden.js';
import { CommandFailedError } from '../../cluster/runner.js';
import { apiServerGone } from '../../cluster/unreachable.js';

export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** The areas a report is grouped by, in the order it prints them. */
export const doctorAreas = ['tools', 'cluster', 'release', 'pods', 'storage', 'database', 'ingress', 'login', 'version'] as const;
export type DoctorArea = (typeof doctorAreas)[number];

export const areaTitles: Record<DoctorArea, string> = {
  tools: 'Tools and access',
  cluster: 'Cluster',
  release: 'Release',
  pods: 'Pods',
  storage: 'Storage',
  database: 'Database',
  ingress: 'Ingress',
  login: 'Login',
  version: 'MLflow version',
};

/** What one check found: one line of what it saw, and for a warning or a failure one line of what to do. */
export interface Finding {
  id: string;
  area: DoctorArea;
  title: string;
  status: DoctorStatus;
  saw: string;
  fix?: string;
}

export interface DoctorCheck extends Finding {
  /** From the start of the run to this check's result (shared reads it waited for included). */
  durationMs: number;
}

export function finding(area: DoctorArea, id: string, title: string, status: DoctorStatus, saw: string, fix?: string): Finding {
  return fix === undefined ? { id, area, title, status, saw } : { id, area, title, status, saw, fix };
}

/** The last words of a failed command (or the error's message), without helm's "Error: " prefix. */
export function reasonOf(error: unknown): string {
  if (error instanceof CommandFailedError) return (error.stderrTail.at(-1) ?? error.summary).trim().replace(/^Error: /, '');
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

/**
 * A read that did not work, as a finding: a refused read is a warning naming the permission (least privilege),
 * an API server that does not answer makes the check "not checked", anything else fails.
 */
export function unreadFinding(area: DoctorArea, id: string, title: string, what: string, error: unknown, namespace: string): Finding {
  const permission = missingPermission(error);
  if (permission) {
    return finding(
      area,
      id,
      title,
      'warn',
      `could not check ${what}: not allowed to ${describePermission(permission)}`,
      `Ask a cluster admin to allow "${describePermission(permission)}" (in ${namespace}), or run doctor with a context that may: until then this is unchecked.`,
    );
  }
  if (apiServerGone(error) !== undefined) return finding(area, id, title, 'skip', 'not checked: the cluster did not answer');
  return finding(area, id, title, 'fail', `could not read ${what}: ${reasonOf(error)}`, 'Run doctor again with --verbose to see the command that failed and its output.');
}

/** Runs a check and times it from `startedAt`; a check that throws fails with its error's words. */
export async function timed(startedAt: number, area: DoctorArea, id: string, title: string, run: () => Promise<Finding | Finding[]>): Promise<DoctorCheck[]> {
  let found: Finding[];
  try {
    const result = await run();
    found = Array.isArray(result) ? result : [result];
  } catch (error) {
    found = [finding(area, id, title, 'fail', reasonOf(error), 'Run doctor again with --verbose to see the command that failed and its output.')];
  }
  const durationMs = Math.round(performance.now() - startedAt);
  return found.map((one) => ({ ...one, durationMs }));
}

/** Memoizes a read so that the checks needing it start one process between them. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load());
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A read as a value, so that several checks can each say what its failure means for them. */
export function settle<T>(read: () => Promise<T>): () => Promise<Read<T>> {
  return once(() => read().then((value): Read<T> => ({ ok: true, value }), (error: unknown): Read<T> => ({ ok: false, error })));
}
