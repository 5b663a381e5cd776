import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import { changesTheCluster, install, majors, noCluster, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

/** What the cluster lacks, found by the preflight or by the wait, each said with what to do. */
describe.skipIf(noCluster !== undefined)('a cluster that lacks what the answers need, helm 3 and helm 4', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    it('a claim that cannot bind (a default StorageClass, but no volume for it): exit 1 at --timeout, the claim named Pending', async () => {
      const cluster = await clusters.create({ helmMajor: major, volumes: 0 });
      const run = await install(cluster, ['--yes', '--preset', 'local', '--timeout', '15s']);
      process.stderr.write(`[capabilities] helm ${major}, unbound claim:\n${run.stderr}\n`);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('Cause: release mlflow was not ready within --timeout 15s: helm waited for its pods, volume claims and Jobs');
      expect(run.stderr).toMatch(/claim mlflow-data: Pending/);
      expect(run.stderr).toContain('rerun with a longer --timeout than 15s');
      const claim = await cluster.object('PersistentVolumeClaim', 'mlflow', 'mlflow-data');
      expect((claim?.['status'] as { phase?: string } | undefined)?.phase).toBe('Pending');
      expect(run.stderr, 'the claim is kept, and said to be').toContain('helm left in place: PersistentVolumeClaim mlflow-data');
    }, 240_000);

    it('metrics with a ServiceMonitor, and no Prometheus Operator: the preflight stops it, with the fix, nothing changed', async () => {
      const cluster = await clusters.create({ helmMajor: major });
      const run = await install(cluster, ['--yes', '--preset', 'local', '--set', 'prometheus.expose=true', '--set', 'prometheus.serviceMonitor=true']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('✖ ServiceMonitor CRD: servicemonitors.monitoring.coreos.com is not installed: the Prometheus Operator is missing');
      expect(run.stderr).toContain('Fix: Install the Prometheus Operator (e.g. kube-prometheus-stack) first, or turn the ServiceMonitor off with --set prometheus.serviceMonitor=false');
      expect(cluster.calls().filter(changesTheCluster)).toEqual([]);
      expect(await cluster.object('Namespace', undefined, 'mlflow')).toBeUndefined();

      await cluster.kwok.apply([{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'servicemonitors.monitoring.coreos.com' }, spec: { group: 'monitoring.coreos.com', scope: 'Namespaced', names: { kind: 'ServiceMonitor', plural: 'servicemonitors', singular: 'servicemonitor', listKind: 'ServiceMonitorList' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } }]);
      await cluster.kwok.kubectl(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', '--timeout=60s']);
      const again = await install(cluster, ['--yes', '--preset', 'local', '--set', 'prometheus.expose=true', '--set', 'prometheus.serviceMonitor=true', '--timeout', '120s']);
      expect(again.code, again.stderr).toBe(0);
      expect(await cluster.object('ServiceMonitor', 'mlflow', 'mlflow')).toBeDefined();
    }, 240_000);
  });
});
