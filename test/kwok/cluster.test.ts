import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, KwokCluster } from '../helpers/kwok/cluster.js';

const unavailable = clusterUnavailable();
if (unavailable) process.stderr.write(`[kwok] skipped: ${unavailable}\n`);

describe.skipIf(unavailable !== undefined)('the test cluster: a real control plane with kwok nodes', () => {
  let cluster: KwokCluster;
  beforeAll(async () => {
    const started = Date.now();
    cluster = await KwokCluster.create({ logs: [{ namespaces: ['crashloop'], current: ['boom: current'], previous: ['boom: previous'] }] });
    process.stderr.write(`[kwok] cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 180_000);
  afterAll(async () => cluster?.delete());

  it('is Kubernetes v1.34.4 with a Ready node', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe('v1.34.4');
    await cluster.kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s']);
  });

  it('binds a claim and runs a pod to Ready', async () => {
    await cluster.apply([
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'example' }] } },
    ]);
    await cluster.kubectl(['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '-n', 'default', '--timeout=60s']);
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/web', '-n', 'default', '--timeout=60s']);
    expect(await cluster.kubectl(['logs', 'web', '-n', 'default'])).toContain('listening');
  });

  it('completes a helm test pod, and crash-loops a tracking server in the crashloop namespace', async () => {
    await cluster.apply([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 't', namespace: 'default', annotations: { 'helm.sh/hook': 'test' } }, spec: { restartPolicy: 'Never', containers: [{ name: 't', image: 'example' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 's', namespace: 'crashloop', labels: { 'app.kubernetes.io/component': 'tracking-server' } }, spec: { containers: [{ name: 'mlflow', image: 'example' }] } },
    ]);
    await cluster.kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/t', '-n', 'default', '--timeout=60s']);
    await cluster.kubectl(['wait', '--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff', 'pod/s', '-n', 'crashloop', '--timeout=60s']);
    expect(await cluster.kubectl(['logs', 's', '-n', 'crashloop', '--previous'])).toContain('boom: previous');
    const events = await cluster.kubectl(['get', 'events', '-n', 'crashloop', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).toContain('BackOff');
  });
});
