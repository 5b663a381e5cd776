import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkSavedCluster, compareSavedCluster, otherClusterDecision } from '../../src/wizard/saved-cluster.js';

describe('saved answers and the cluster they were saved on', () => {
  it('compares the kube-system UIDs', () => {
    expect(compareSavedCluster('a', 'a')).toEqual({ kind: 'same' });
    expect(compareSavedCluster('a', 'b')).toEqual({ kind: 'other', savedUid: 'a', clusterUid: 'b' });
    expect(compareSavedCluster(undefined, 'b')).toEqual({ kind: 'unknown', missing: 'saved' });
    expect(compareSavedCluster('', 'b')).toEqual({ kind: 'unknown', missing: 'saved' });
    expect(compareSavedCluster('a', undefined)).toEqual({ kind: 'unknown', missing: 'cluster' });
  });

  it('asks in a terminal; with --yes uses them only when --context was given', () => {
    expect(otherClusterDecision({ yes: false, contextGiven: false })).toBe('ask');
    expect(otherClusterDecision({ yes: false, contextGiven: true })).toBe('ask');
    expect(otherClusterDecision({ yes: true, contextGiven: true })).toBe('use');
    expect(otherClusterDecision({ yes: true, contextGiven: false })).toBe('refuse');
  });

  it('refuses --yes on another cluster without --context, naming both UIDs and the way out', () => {
    const where = 'earlier run (ConfigMap mlflow/mlflow-mlflow-install)';
    const attempt = () => checkSavedCluster({ yes: true, contextGiven: false, where, savedUid: 'uid-a', clusterUid: 'uid-b' });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(
      "the answers saved in earlier run (ConfigMap mlflow/mlflow-mlflow-install) were saved on another cluster (kube-system UID uid-a; this cluster's is uid-b); with --yes they are not reused on another cluster. Pass --context NAME to confirm this is the cluster you mean, or run without --yes to be asked",
    );
    expect(checkSavedCluster({ yes: true, contextGiven: true, where, savedUid: 'uid-a', clusterUid: 'uid-b' }).kind).toBe('other');
    expect(checkSavedCluster({ yes: true, contextGiven: false, where, savedUid: 'uid-a', clusterUid: 'uid-a' }).kind).toBe('same');
  });
});
