import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { changesTheCluster, install, majors, noCluster, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

/**
 * The most common access on a shared cluster: a RoleBinding to the built-in `admin` ClusterRole in one
 * namespace, and nothing cluster-wide (no StorageClass list, no kube-system, no CRDs).
 */
describe.skipIf(noCluster !== undefined)('a namespace admin, helm 3 and helm 4', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    let kubeconfig: string;
    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major });
      kubeconfig = await cluster.serviceAccountKubeconfig('team-a', 'alice');
      await cluster.bindInNamespace('team-a', 'admin', { name: 'alice', namespace: 'team-a' });
      await cluster.kwok.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } }]);
    }, 180_000);

    it('installs into its own namespace: what it may not read is a warning that says what follows; reruns reuse the saved answers', async () => {
      const args = ['--yes', '--preset', 'local', '--namespace', 'team-a', '--timeout', '120s'];
      const run = await install(cluster, args, { env: { KUBECONFIG: kubeconfig } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('✔ storage class: warning: could not see the StorageClasses: not allowed to list storageclasses.storage.k8s.io (cluster-wide)');
      expect(run.stdout).toContain("Fix: The volume's claim uses the cluster's default class; if there is no such class it stays Pending, and the install stops at --timeout naming the claim.");
      expect(run.stdout).toContain('MLflow is running: release mlflow (revision 1) in namespace team-a.');
      const saved = await cluster.object('ConfigMap', 'team-a', 'mlflow-mlflow-install');
      const namespaceUid = (await cluster.object('Namespace', undefined, 'team-a'))?.metadata.uid;
      expect((saved as { data?: Record<string, string> } | undefined)?.data?.['cluster-uid']).toBe(`namespace:${namespaceUid}`);

      const status = await install(cluster, ['status', '--namespace', 'team-a'], { env: { KUBECONFIG: kubeconfig } });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('Chart      mlflow 1.1.0, MLflow 3.16.1');

      const rerun = await install(cluster, ['--yes', '--namespace', 'team-a', '--timeout', '120s'], { env: { KUBECONFIG: kubeconfig } });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('✔ Upgraded the release mlflow (revision 2): no value changed');
    }, 300_000);

    it.each([
      ['a namespace it may not write to', 'team-b'],
      ['a namespace that does not exist (it may not create namespaces)', 'team-c'],
    ])('refuses %s: exit 1, one line per missing permission and what to do, nothing changed', async (_what, namespace) => {
      cluster.clearCalls();
      const before = await cluster.namespaceObjects(namespace);
      const run = await install(cluster, ['--yes', '--preset', 'local', '--namespace', namespace], { env: { KUBECONFIG: kubeconfig } });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`✖ permissions: not allowed in ${namespace}, these 7 permissions are missing:\n      - create deployments.apps\n      - create services\n`);
      expect(run.stderr).toContain(`      - list secrets\n    Fix: Use --namespace with a namespace you may write to, or ask a cluster admin for these permissions in ${namespace} (e.g. a RoleBinding to the admin ClusterRole there).`);
      expect(run.stderr).toMatch(/mlflow-install: preflight failed \(permissions\); nothing was changed$/);
      expect(run.stderr, 'no raw refusal reaches the user').not.toContain('Error from server');
      expect(run.stdout).toContain('↓ release: not checked: not allowed to read the Secrets helm keeps releases in (see permissions)');
      expect(cluster.calls().filter(changesTheCluster)).toEqual([]);
      expect(await cluster.namespaceObjects(namespace)).toEqual(before);
      expect(await cluster.object('Namespace', undefined, 'team-c')).toBeUndefined();
    }, 120_000);
  });
});
