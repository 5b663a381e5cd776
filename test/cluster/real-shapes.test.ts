import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartImage } from '../../src/answers/image.js';
import { clusterIdentityOf } from '../../src/cluster/cluster-state.js';
import { checkPodEnded } from '../../src/cluster/check-pod.js';
import { describePermission, missingPermission } from '../../src/cluster/forbidden.js';
import { chartOfRevision } from '../../src/cluster/helm.js';
import type { Pod } from '../../src/cluster/k8s.js';
import { CommandFailedError } from '../../src/cluster/runner.js';
import { chartDir } from '../helpers/tools.js';

// What real clusters and helm answer, as the real control plane showed it (test/pipeline runs them for real).
describe('the shapes of real answers', () => {
  it('reads the chart of a revision as helm history gives it', () => {
    expect(chartOfRevision('mlflow-1.1.0', '3.16.1')).toEqual({ name: 'mlflow', version: '1.1.0', appVersion: '3.16.1' });
    expect(chartOfRevision('my-chart-2-1.0.0-rc.1', undefined)).toEqual({ name: 'my-chart-2', version: '1.0.0-rc.1' });
    expect(chartOfRevision('nonsense', '1')).toBeUndefined();
    expect(chartOfRevision(undefined, undefined)).toBeUndefined();
  });

  it('names the permission of an RBAC refusal, cluster-wide or in a namespace', () => {
    const refusal = (line: string) => new CommandFailedError('kubectl get failed', 'kubectl get', 1, [line], '');
    const clusterWide = missingPermission(refusal('Error from server (Forbidden): storageclasses.storage.k8s.io is forbidden: User "system:serviceaccount:team-a:alice" cannot list resource "storageclasses" in API group "storage.k8s.io" at the cluster scope'));
    expect(clusterWide && describePermission(clusterWide)).toBe('list storageclasses.storage.k8s.io (cluster-wide)');
    const namespaced = missingPermission(refusal('Error from server (Forbidden): namespaces "team-b" is forbidden: User "alice" cannot get resource "namespaces" in API group "" in the namespace "team-b"'));
    expect(namespaced && describePermission(namespaced)).toBe('get namespaces in team-b');
    expect(missingPermission(refusal('Unable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused'))).toBeUndefined();
    expect(missingPermission(new Error('cannot list resource "x" in API group ""'))).toBeUndefined();
  });

  it('knows the cluster by kube-system, or by the namespace for who may not read kube-system, as the saved answers did', () => {
    expect(clusterIdentityOf('ks', 'ns', undefined)).toEqual({ clusterUid: 'ks' });
    expect(clusterIdentityOf(undefined, 'ns', undefined)).toEqual({ clusterUid: 'namespace:ns' });
    expect(clusterIdentityOf('ks', 'ns', 'namespace:ns')).toEqual({ clusterUid: 'namespace:ns' });
    expect(clusterIdentityOf('ks', 'ns', 'ks')).toEqual({ clusterUid: 'ks' });
    expect(clusterIdentityOf(undefined, undefined, 'ks')).toEqual({});
  });

  it('reads how a check pod ended from its status, and why it could not run', () => {
    const pod = (status: Pod['status']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status }) as Pod;
    const terminated = (exitCode: number, message: string) => [{ name: 'check', ready: false, restartCount: 0, state: { terminated: { exitCode, message } } }];
    expect(checkPodEnded(pod({ phase: 'Succeeded', containerStatuses: terminated(0, '') }))).toEqual({ ran: true, exitCode: 0, message: '' });
    expect(checkPodEnded(pod({ phase: 'Failed', containerStatuses: terminated(1, 'Traceback\ncould not connect to db:5432: refused\n') }))).toEqual({ ran: true, exitCode: 1, message: 'could not connect to db:5432: refused' });
    expect(checkPodEnded(pod({ phase: 'Pending', containerStatuses: [{ name: 'check', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] }))).toEqual({
      ran: false,
      reason: 'its container cannot start: ImagePullBackOff (Back-off pulling image)',
    });
    expect(checkPodEnded(pod({ phase: 'Running' }))).toBeUndefined();
  });

  it('runs its own pods in the image the chart defaults to', () => {
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { image: { repository: string; tag: string } };
    expect(chartImage).toEqual({ repository: values.image.repository, tag: values.image.tag });
  });
});
