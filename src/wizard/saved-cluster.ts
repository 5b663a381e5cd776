import { UsageError } from '../errors.js';

/**
 * Whether the answers an earlier run saved belong to the cluster we are talking to. The saved answers carry
 * the UID of that cluster's kube-system namespace; a kubeconfig can point the same context name at another
 * cluster, and installing there with answers meant elsewhere is the mistake this tool must not make.
 */
export type SavedClusterMatch =
  | { kind: 'same' }
  /** Saved on another cluster. */
  | { kind: 'other'; savedUid: string; clusterUid: string }
  /** Either UID is unknown (an old ConfigMap without it, or kube-system could not be read): cannot tell. */
  | { kind: 'unknown'; missing: 'saved' | 'cluster' };

export function compareSavedCluster(savedUid: string | undefined, clusterUid: string | undefined): SavedClusterMatch {
  if (savedUid === undefined || savedUid === '') return { kind: 'unknown', missing: 'saved' };
  if (clusterUid === undefined || clusterUid === '') return { kind: 'unknown', missing: 'cluster' };
  return savedUid === clusterUid ? { kind: 'same' } : { kind: 'other', savedUid, clusterUid };
}

/** What a run does with saved answers from another cluster: ask (a terminal), use (--yes with --context), or refuse. */
export type OtherClusterDecision = 'ask' | 'use' | 'refuse';

export function otherClusterDecision(options: { yes: boolean; contextGiven: boolean }): OtherClusterDecision {
  if (!options.yes) return 'ask';
  return options.contextGiven ? 'use' : 'refuse';
}

export function otherClusterMessage(where: string, match: Extract<SavedClusterMatch, { kind: 'other' }>): string {
  return `the answers saved in ${where} were saved on another cluster (kube-system UID ${match.savedUid}; this cluster's is ${match.clusterUid})`;
}

/**
 * For a non-interactive run: saved answers from another cluster are refused unless --context named the
 * cluster explicitly (then the person chose it, and the saved answers are theirs to reuse).
 */
export function checkSavedCluster(options: { yes: boolean; contextGiven: boolean; where: string; savedUid?: string; clusterUid?: string }): SavedClusterMatch {
  const match = compareSavedCluster(options.savedUid, options.clusterUid);
  if (match.kind === 'other' && otherClusterDecision(options) === 'refuse') {
    throw new UsageError(
      `${otherClusterMessage(options.where, match)}; with --yes they are not reused on another cluster. Pass --context NAME to confirm this is the cluster you mean, or run without --yes to be asked`,
    );
  }
  return match;
}
