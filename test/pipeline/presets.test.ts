import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPodReady } from '../../src/cluster/k8s.js';
import { ensureBuilt } from '../cli/cli.js';
import type { SimClusterOptions } from '../helpers/sim-cluster.js';
import { presetMinimums } from '../plan/preset-minimums.js';
import { bothHelmsAvailable, Clusters, expectNoLeak, install, majors, podsOf, uniquePassword } from './harness.js';

const clusters = new Clusters();
afterAll(() => clusters.cleanup());

/**
 * The Secret the Secrets Store CSI driver syncs from the provider when the server's pod mounts its volume. The
 * simulated cluster does not model that sync, so the tests put the synced Secret there, as the driver would.
 */
const syncedByTheDriver = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'mlflow-mlflow-store', namespace: 'mlflow', labels: { 'secrets-store.csi.k8s.io/managed': 'true' } },
  data: { password: Buffer.from('synced-from-the-provider').toString('base64'), 'master-password': Buffer.from('synced-master').toString('base64') },
};
const usesSecretsStore = new Set(['aws-aurora', 'gcp-cloudsql', 'azure']);

/** What each preset needs of the cluster beyond the defaults. */
function clusterFor(preset: string): Partial<SimClusterOptions> {
  return {
    ...(preset === 'aws-aurora' ? { ingressClasses: [{ name: 'alb', controller: 'ingress.k8s.aws/alb' }] } : {}),
    ...(usesSecretsStore.has(preset) ? { namespaces: { mlflow: {} }, objects: [syncedByTheDriver] } : {}),
  };
}
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

describe.skipIf(!bothHelmsAvailable)('the whole pipeline, every preset, helm 3 and helm 4', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    it.concurrent.each(Object.entries(presetMinimums))('--preset %s ends with a Running release and the next steps', async (preset, sets) => {
      const sim = clusters.create({ helmMajor: major, ...clusterFor(preset) });
      const password = uniquePassword(preset);
      const run = await install(sim, ['--yes', '--timeout', '60s', '--preset', preset, ...sets.flatMap((set) => ['--set', set])], {
        env: { MLFLOW_DB_PASSWORD: password, MLFLOW_DB_MASTER_PASSWORD: `${password}-master` },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('✔ Preflight checks');
      expect(run.stdout, 'piped: plain lines, no escape codes').not.toMatch(/\u001b/);
      expect(run.stdout).toContain('MLflow is running: release mlflow (revision 1) in namespace mlflow.');
      expect(run.stdout).toMatch(/export MLFLOW_TRACKING_URI=(http:\/\/localhost:5000|https?:\/\/mlflow\.example\.com)\n/);
      expect(run.stdout).toContain('npx mlflow-install status --namespace mlflow --release mlflow');

      expect(sim.release('mlflow', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
      const pods = await podsOf(sim, 'mlflow', serverSelector);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.status?.phase).toBe('Running');
        expect(isPodReady(pod)).toBe(true);
      }
      const saved = sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install') as { data?: Record<string, string> } | undefined;
      expect(saved?.data?.['cluster-uid']).toBe(sim.object('Namespace', undefined, 'kube-system')?.metadata.uid);
      expect(parse(saved?.data?.['answers.yaml'] ?? '')).toMatchObject({ release: 'mlflow', namespace: 'mlflow' });
      if (usesSecretsStore.has(preset)) {
        expect(run.stdout).toContain('✔ Installed the Secrets Store CSI driver');
        expect(sim.object('CustomResourceDefinition', undefined, 'secretproviderclasses.secrets-store.csi.x-k8s.io')).toBeDefined();
      }
      expectNoLeak(password, sim, run);
      expectNoLeak(`${password}-master`, sim, run);
    }, 120_000);
  });
});
