import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady } from '../../src/cluster/k8s.js';
import { SimCluster } from '../helpers/sim-cluster.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { chartDir, installArgs, podsOf } from './sim-helpers.js';

describe.each(helmMajors)('the helm double as helm %i', (major) => {
  const available = toolSet(major).unavailable === undefined;
  let sim: SimCluster;
  beforeAll(() => {
    if (available) sim = SimCluster.create({ helmMajor: major, namespaces: { mlflow: {} } });
  });
  afterAll(() => sim?.cleanup());
  const test = available ? it : it.skip;

  test('installs by rendering the real chart and materialising what it renders', async () => {
    const result = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Release "mlflow" does not exist\. Installing it now\.\nNAME: mlflow\n/);
    expect(result.stdout).toMatch(/STATUS: deployed\nREVISION: 1\n/);
    expect(result.stdout).toMatch(/NOTES:\nMLflow .* is installed as release mlflow in namespace mlflow/);

    for (const [kind, name] of [['Deployment', 'mlflow'], ['Service', 'mlflow'], ['ServiceAccount', 'mlflow'], ['PersistentVolumeClaim', 'mlflow-data']]) {
      const object = sim.object(kind as string, 'mlflow', name as string);
      expect(object, `${kind}/${name}`).toBeDefined();
      expect(object?.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'mlflow', 'meta.helm.sh/release-namespace': 'mlflow' });
    }
    expect(sim.object('PersistentVolumeClaim', 'mlflow', 'mlflow-data')).toMatchObject({ status: { phase: 'Bound' }, spec: { storageClassName: 'standard' } });
    const pods = await podsOf(sim, 'mlflow', 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server');
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.phase).toBe('Running');
    expect(pods[0] && isPodReady(pods[0])).toBe(true);
    expect(sim.objects('Pod', 'mlflow').map((p) => p.metadata.name)).not.toContain('mlflow-test-health');
    expect(sim.release('mlflow', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed', chart: { name: 'mlflow' } });
  });

  test('a rerun with the same values is a no-op upgrade: a new revision, the same pods', async () => {
    const before = sim.objects('Pod', 'mlflow').map((p) => p.metadata.name);
    const result = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Release "mlflow" has been upgraded\. Happy Helming!/);
    expect(sim.objects('Pod', 'mlflow').map((p) => p.metadata.name)).toEqual(before);
    expect(sim.releaseHistory('mlflow', 'mlflow').map((r) => [r.revision, r.status])).toEqual([[1, 'superseded'], [2, 'deployed']]);
  });

  test('values that break the real render break the install, with the real message', async () => {
    const args = installArgs(major, 'broken', chartDir, 'mlflow', '30s', ['--set', 'replicaCount=2']);
    const result = await sim.exec('helm', args);
    const real = await execa(sim.realHelm, ['template', 'broken', chartDir, '--set', 'replicaCount=2'], { reject: false });
    expect(real.exitCode).toBe(1);
    expect(result.exitCode).toBe(1);
    const reason = real.stderr.replace(/^Error: /, '');
    expect(result.stderr).toContain(reason.slice(reason.indexOf('replicaCount:')));
    expect(sim.release('mlflow', 'broken')).toBeUndefined();
  });

  test('the user-supplied values are what `helm get values` gives back', async () => {
    const result = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s', ['--set', 'service.port=5001']));
    expect(result.exitCode).toBe(0);
    const values = await sim.exec('helm', ['get', 'values', 'mlflow', '--namespace', 'mlflow', '-o', 'json']);
    expect(JSON.parse(values.stdout)).toEqual({ service: { port: 5001 } });
    const history = JSON.parse((await sim.exec('helm', ['history', 'mlflow', '--namespace', 'mlflow', '-o', 'json'])).stdout) as { revision: number; status: string }[];
    expect(history.map((h) => h.status)).toEqual(['superseded', 'superseded', 'deployed']);
  });

  test('lists and shows releases as JSON shaped like helm prints it', async () => {
    const list = JSON.parse((await sim.exec('helm', ['list', '--namespace', 'mlflow', '--deployed', '--failed', '--pending', '-o', 'json'])).stdout) as unknown[];
    expect(list).toEqual([expect.objectContaining({ name: 'mlflow', namespace: 'mlflow', revision: '3', status: 'deployed', chart: expect.stringMatching(/^mlflow-/) })]);
    const status = JSON.parse((await sim.exec('helm', ['status', 'mlflow', '--namespace', 'mlflow', '-o', 'json'])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ name: 'mlflow', namespace: 'mlflow', version: 3, info: { status: 'deployed' } });
    const missing = await sim.exec('helm', ['status', 'nope', '--namespace', 'mlflow']);
    expect(missing).toMatchObject({ exitCode: 1, stderr: 'Error: release: not found' });
  });

  test('helm test runs the chart test pod and prints its logs', async () => {
    const result = await sim.exec('helm', ['test', 'mlflow', '--namespace', 'mlflow', '--logs', '--timeout', '1m']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/TEST SUITE: +mlflow-test-health\n.*\n.*\nPhase: +Succeeded/);
    expect(result.stdout).toMatch(/POD LOGS: mlflow-test-health/);
  });

  test('uninstall removes the release and keeps the volume the chart marks keep', async () => {
    const result = await sim.exec('helm', ['uninstall', 'mlflow', '--namespace', 'mlflow', major === 3 ? '--wait' : '--wait=watcher', '--timeout', '1m']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('These resources were kept due to the resource policy:\n[PersistentVolumeClaim] mlflow-data\n\nrelease "mlflow" uninstalled');
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
    expect(sim.object('Deployment', 'mlflow', 'mlflow')).toBeUndefined();
    expect(sim.objects('Pod', 'mlflow')).toEqual([]);
    expect(sim.object('PersistentVolumeClaim', 'mlflow', 'mlflow-data')).toBeDefined();
    const again = await sim.exec('helm', ['uninstall', 'mlflow', '--namespace', 'mlflow']);
    expect(again).toMatchObject({ exitCode: 1, stderr: 'Error: uninstall: Release not loaded: mlflow: release: not found' });
  });

  test('refuses to install into a namespace that does not exist', async () => {
    const result = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'elsewhere', '30s'));
    expect(result).toMatchObject({ exitCode: 1, stderr: 'Error: create: failed to create: namespaces "elsewhere" not found' });
  });

  test('refuses to take over an object another owner made', async () => {
    await sim.exec('kubectl', ['create', 'namespace', 'taken']);
    await sim.exec('kubectl', ['apply', '-f', '-', '-n', 'taken'], { input: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: mlflow}\n' });
    const result = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'taken', '30s'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/ServiceAccount "mlflow" in namespace "taken" exists and cannot be imported into the current release: invalid ownership metadata/);
  });

  test('a ServiceMonitor needs its CRD, as on a real cluster', async () => {
    const monitor = ['--set', 'prometheus.expose=true', '--set', 'prometheus.serviceMonitor.enabled=true'];
    const without = await sim.exec('helm', installArgs(major, 'monitored', chartDir, 'mlflow', '30s', monitor));
    expect(without.exitCode).toBe(1);
    expect(without.stderr).toMatch(/no matches for kind "ServiceMonitor" in version "monitoring.coreos.com\/v1"\nensure CRDs are installed first/);

    const withCrd = SimCluster.create({ helmMajor: major, namespaces: { mlflow: {} }, crds: ['servicemonitors.monitoring.coreos.com'] });
    try {
      const result = await withCrd.exec('helm', installArgs(major, 'monitored', chartDir, 'mlflow', '30s', monitor));
      expect(result.stderr).toBe('');
      expect(withCrd.objects('ServiceMonitor', 'mlflow').map((o) => o.metadata.annotations?.['meta.helm.sh/release-name'])).toEqual(['monitored']);
    } finally {
      withCrd.cleanup();
    }
  });
});

describe.skipIf(toolSet(4).unavailable !== undefined)('charts from repositories', () => {
  it('installs the Secrets Store CSI driver once its repository is added, and not before', async () => {
    const sim = SimCluster.create({ helmMajor: 4 });
    try {
      const args = ['upgrade', '--install', 'csi-secrets-store', 'secrets-store-csi-driver/secrets-store-csi-driver', '--namespace', 'kube-system', '--set', 'syncSecret.enabled=true', '--rollback-on-failure', '--wait=watcher', '--timeout', '1m'];
      expect(await sim.exec('helm', args)).toMatchObject({ exitCode: 1, stderr: 'Error: repo secrets-store-csi-driver not found' });
      const added = await sim.exec('helm', ['repo', 'add', 'secrets-store-csi-driver', 'https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts', '--force-update']);
      expect(added.stdout).toBe('"secrets-store-csi-driver" has been added to your repositories');
      expect((await sim.exec('helm', ['repo', 'update', 'secrets-store-csi-driver'])).stdout).toMatch(/Update Complete/);
      expect((await sim.exec('helm', args)).exitCode).toBe(0);
      expect(sim.object('CustomResourceDefinition', undefined, 'secretproviderclasses.secrets-store.csi.x-k8s.io')).toBeDefined();
      expect(sim.release('kube-system', 'csi-secrets-store')).toMatchObject({ status: 'deployed', values: { syncSecret: { enabled: true } } });
    } finally {
      sim.cleanup();
    }
  });
});

describe('flags by major, as the real helm takes them', () => {
  const both = helmMajors.every((major) => toolSet(major).unavailable === undefined);
  it.skipIf(!both)('helm 3 rejects --wait=watcher and --rollback-on-failure; helm 4 warns that --atomic is deprecated', async () => {
    const v3 = SimCluster.create({ helmMajor: 3, namespaces: { mlflow: {} } });
    const v4 = SimCluster.create({ helmMajor: 4, namespaces: { mlflow: {} } });
    try {
      const watcher = await v3.exec('helm', ['upgrade', '--install', 'm', chartDir, '--namespace', 'mlflow', '--wait=watcher']);
      expect(watcher).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('invalid argument "watcher" for "--wait" flag') });
      const rollback = await v3.exec('helm', ['upgrade', '--install', 'm', chartDir, '--namespace', 'mlflow', '--rollback-on-failure']);
      expect(rollback).toMatchObject({ exitCode: 1, stderr: 'Error: unknown flag: --rollback-on-failure' });
      expect(v3.release('mlflow', 'm')).toBeUndefined();

      const atomic = await v4.exec('helm', ['upgrade', '--install', 'm', chartDir, '--namespace', 'mlflow', '--atomic', '--timeout', '30s']);
      expect(atomic.exitCode).toBe(0);
      expect(atomic.stderr).toBe('Flag --atomic has been deprecated, use --rollback-on-failure instead');
    } finally {
      v3.cleanup();
      v4.cleanup();
    }
  });
});
