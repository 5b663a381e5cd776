import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPodReady } from '../../src/cluster/k8s.js';
import { ensureBuilt } from '../cli/cli.js';
import type { TestCluster, TestClusterOptions } from '../helpers/kwok/test-cluster.js';
import { presetMinimums } from '../plan/preset-minimums.js';
import { expectNoLeak, install, majors, noCluster, podsOf, TestClusters, uniquePassword } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const usesSecretsStore = new Set(['aws-aurora', 'gcp-cloudsql', 'azure']);

/**
 * Each preset in a namespace of its own name. No Secrets Store CSI driver runs on the test cluster (it would
 * fetch from the cloud): the cluster has its CRD, so the installer finds it installed, and the Secret it would
 * sync from the provider when the server's pod mounts its volume.
 */
function clusterForPresets(): Omit<TestClusterOptions, 'helmMajor'> {
  const synced = [...usesSecretsStore].flatMap((namespace) => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mlflow-mlflow-store', namespace, labels: { 'secrets-store.csi.k8s.io/managed': 'true' } },
      data: { password: Buffer.from('synced-from-the-provider').toString('base64'), 'master-password': Buffer.from('synced-master').toString('base64') },
    },
  ]);
  return {
    crds: ['secretproviderclasses.secrets-store.csi.x-k8s.io'],
    objects: [...synced, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } }],
  };
}
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

describe.skipIf(noCluster !== undefined)('every preset on a real control plane, helm 3 and helm 4', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major, ...clusterForPresets() });
    }, 180_000);

    it.concurrent.each(Object.entries(presetMinimums))('--preset %s ends with a Running release and the next steps; the password is in its Secret only', async (preset, sets) => {
      const namespace = preset;
      const password = uniquePassword(preset);
      // The local preset's admin password is generated; the others are given.
      const givenAdmin = preset === 'local' ? undefined : `${password}-admin`;
      const run = await install(cluster, ['--yes', '--timeout', '120s', '--namespace', namespace, '--preset', preset, ...sets.flatMap((set) => ['--set', set])], {
        env: { MLFLOW_DB_PASSWORD: password, MLFLOW_DB_MASTER_PASSWORD: `${password}-master`, ...(givenAdmin === undefined ? {} : { MLFLOW_ADMIN_PASSWORD: givenAdmin }) },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('✔ Preflight checks');
      expect(run.stdout, 'piped: plain lines, no escape codes').not.toMatch(/\u001b/);
      expect(run.stdout).toContain('✔ The chart test passed: the server answers on /health');
      expect(run.stdout).toContain(`MLflow is running: release mlflow (revision 1) in namespace ${namespace}.`);
      expect(run.stdout).toMatch(/export MLFLOW_TRACKING_URI=(http:\/\/localhost:5000|https?:\/\/mlflow\.example\.com)\n/);
      expect(run.stdout).toContain(`npx mlflow-install status --namespace ${namespace} --release mlflow`);
      if (preset !== 'local' && !usesSecretsStore.has(preset)) expect(run.stdout).toMatch(/✔ database: \S+ answers from inside the cluster/);

      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
      const pods = await podsOf(cluster, namespace, serverSelector);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.status?.phase).toBe('Running');
        expect(isPodReady(pod)).toBe(true);
      }
      const saved = (await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install')) as { data?: Record<string, string> } | undefined;
      expect(saved?.data?.['cluster-uid']).toBe((await cluster.object('Namespace', undefined, 'kube-system'))?.metadata.uid);
      expect(parse(saved?.data?.['answers.yaml'] ?? '')).toMatchObject({ release: 'mlflow', namespace });
      if (usesSecretsStore.has(preset)) expect(run.stdout).not.toContain('Installed the Secrets Store CSI driver');

      // The login: the admin password (given or generated) and the Flask key are in their Secret only.
      expect(run.stdout).toContain('export MLFLOW_TRACKING_USERNAME=admin');
      const login = (await cluster.object('Secret', namespace, 'mlflow-mlflow-auth'))?.['data'] as Record<string, string> | undefined;
      const adminPassword = Buffer.from(login?.['admin-password'] ?? '', 'base64').toString();
      const flaskKey = Buffer.from(login?.['flask-secret-key'] ?? '', 'base64').toString();
      if (givenAdmin === undefined) expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
      else expect(adminPassword).toBe(givenAdmin);
      expect(flaskKey.length).toBeGreaterThanOrEqual(32);
      // One read of the cluster for every secret of the run: the database's, the master's, the admin's, the Flask key.
      await expectNoLeak([password, `${password}-master`, adminPassword, flaskKey], cluster, run, namespace);
    }, 240_000);
  });
});
