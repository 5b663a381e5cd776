// RBAC refusals in words: which permission was missing, where.
import { CommandFailedError } from './runner.js';

export interface MissingPermission {
  verb: string;
  /** resource.group, e.g. storageclasses.storage.k8s.io, or secrets for the core group. */
  resource: string;
  /** The namespace it was asked in; undefined for a cluster-wide request. */
  namespace?: string;
}

// Error from server (Forbidden): storageclasses.storage.k8s.io is forbidden: User "u" cannot list resource
// "storageclasses" in API group "storage.k8s.io" at the cluster scope   (or: in the namespace "team-b")
const refusal = /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: (?:at the cluster scope|in the namespace "([^"]+)"))?/;

/** The permission an RBAC refusal names, or undefined when the error is not one. */
export function missingPermission(error: unknown): MissingPermission | undefined {
  if (!(error instanceof CommandFailedError)) return undefined;
  for (const line of [...error.stderrTail, error.summary]) {
    const match = refusal.exec(line);
    if (match?.[1] && match[2]) {
      const resource = match[3] ? `${match[2]}.${match[3]}` : match[2];
      return { verb: match[1], resource, ...(match[4] ? { namespace: match[4] } : {}) };
    }
  }
  return undefined;
}

/** "list storageclasses.storage.k8s.io (cluster-wide)", "get namespaces in team-b". */
export function describePermission(permission: MissingPermission): string {
  return `${permission.verb} ${permission.resource}${permission.namespace ? ` in ${permission.namespace}` : ' (cluster-wide)'}`;
}
