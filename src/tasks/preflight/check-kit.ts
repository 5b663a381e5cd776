// What every preflight check is made of: a result in one line (and a fix), reads that RBAC may refuse, reads
// that several checks share.
import { describePermission, missingPermission } from '../../cluster/forbidden.js';
import type { CheckId, CheckResult, CheckStatus } from '../preflight.js';

export function result(id: CheckId, title: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return fix === undefined ? { id, title, status, detail } : { id, title, status, detail, fix };
}

/** A read, or the permission RBAC refused it for: a refused read is something to warn about, not a failure. */
export async function readable<T>(read: () => Promise<T>): Promise<{ value: T } | { refused: string }> {
  try {
    return { value: await read() };
  } catch (error) {
    const permission = missingPermission(error);
    if (permission) return { refused: describePermission(permission) };
    throw error;
  }
}

export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load());
}
