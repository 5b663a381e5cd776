import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/cluster/k8s.js';
import { ensureBuilt } from '../cli/cli.js';
import type { SimCluster } from '../helpers/sim-cluster.js';
import { bothHelmsAvailable, Clusters, expectNoLeak, install, majors, podsOf, uniquePassword } from './harness.js';

const clusters = new Clusters();
afterAll(() => clusters.cleanup());

const args = ['--yes', '--timeout', '60s', '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--set', 'ingress.enabled=true', '--set', 'ingress.host=mlflow.example.com', '--set', 'ingress.className=nginx'];

/** What a rerun must leave as it was: the Secret (same object, same data), the pods (not restarted), the saved answers. */
async function recordedState(sim: SimCluster) {
  const secret = sim.object('Secret', 'mlflow', 'mlflow-mlflow-db') as { metadata: { uid?: string }; data?: unknown } | undefined;
  const pods = await podsOf(sim, 'mlflow', 'app.kubernetes.io/instance=mlflow');
  const deployment = sim.object('Deployment', 'mlflow', 'mlflow') as { spec?: unknown } | undefined;
  return {
    secret: { uid: secret?.metadata.uid, data: secret?.data },
    pods: pods.map((pod: Pod) => pod.metadata.name).sort(),
    deployment: deployment?.spec,
    saved: sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install')?.['data'],
    namespaces: sim.objects('Namespace').map((namespace) => namespace.metadata.name).sort(),
  };
}

describe.skipIf(!bothHelmsAvailable)('a rerun with the same answers', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    let sim: SimCluster;
    const password = uniquePassword('rerun');
    const env = { MLFLOW_DB_PASSWORD: password };

    beforeAll(async () => {
      sim = clusters.create({ helmMajor: major });
      const first = await install(sim, args, { env });
      expect(first.code, first.stderr).toBe(0);
    }, 120_000);

    it('is an upgrade that changes nothing and passes every check', async () => {
      const before = await recordedState(sim);
      const firstRevision = sim.release('mlflow', 'mlflow');
      sim.clearCalls();
      const rerun = await install(sim, args, { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('✔ release: release mlflow exists (revision 1 deployed): this upgrades it');
      expect(rerun.stdout).not.toMatch(/^ *[✖↓!]/m);
      expect(rerun.stdout).not.toContain('Warnings:');
      expect(rerun.stdout).toContain('✔ Upgraded the release mlflow (revision 2): no value changed');
      expect(rerun.stdout).toContain('MLflow is running: release mlflow (revision 2) in namespace mlflow.');
      expect(rerun.stdout).toContain('export MLFLOW_TRACKING_URI=http://mlflow.example.com');

      const second = sim.release('mlflow', 'mlflow');
      expect(second).toMatchObject({ revision: 2, status: 'deployed' });
      expect(second?.values).toEqual(firstRevision?.values);
      expect(await recordedState(sim)).toEqual(before);
      // The namespace exists: not created again; the cluster's identity was read with the rest, not again.
      const commands = sim.calls().map((call) => `${call.tool} ${call.argv.slice(0, 3).join(' ')}`);
      expect(commands).not.toContain('kubectl create -f -');
      expect(commands.filter((command) => command.startsWith('helm upgrade'))).toHaveLength(1);
      expectNoLeak(password, sim, rerun);
    }, 120_000);

    it('with --yes alone takes the answers saved by the earlier run, and still changes nothing', async () => {
      const before = await recordedState(sim);
      const values = sim.release('mlflow', 'mlflow')?.values;
      const rerun = await install(sim, ['--yes', '--timeout', '60s'], { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('Note: the answers of the earlier run (ConfigMap mlflow/mlflow-mlflow-install) are used beneath the flags and the preset.');
      expect(rerun.stdout).toMatch(/✔ Upgraded the release mlflow \(revision \d+\): no value changed/);
      expect(sim.release('mlflow', 'mlflow')?.values).toEqual(values);
      expect(await recordedState(sim)).toEqual(before);
    }, 120_000);

    it('--dry-run reads the release: an upgrade, and no value changed against it', async () => {
      const plan = await install(sim, ['--dry-run', '--yes'], { env });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('Action:      upgrade of the existing release');
      expect(plan.stdout).toContain('Values changed against the release:\n  none: the upgrade changes no value');
      expect(plan.stdout).not.toContain('Create the namespace');
      expect(plan.stdout).not.toContain('Read the cluster identity');
      const changed = await install(sim, ['--dry-run', '--yes', '--set', 'backend.volume.size=20Gi'], { env });
      expect(changed.stdout).toContain('persistence.size: "10Gi" -> "20Gi"');
    }, 120_000);

    it('refuses, with --yes, answers saved on another cluster unless --context names it', async () => {
      const saved = sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install') as unknown as { data: Record<string, string> };
      const elsewhere = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mlflow-mlflow-install', namespace: 'mlflow' }, data: { ...saved.data, 'cluster-uid': 'another-cluster-uid' } };
      await sim.exec('kubectl', ['apply', '--server-side', '--force-conflicts', '-f', '-', '--namespace', 'mlflow'], { input: JSON.stringify(elsewhere) });
      sim.clearCalls();
      const refused = await install(sim, ['--yes'], { env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^mlflow-install: the answers saved in earlier run \(ConfigMap mlflow\/mlflow-mlflow-install\) were saved on another cluster .*Pass --context NAME/);
      expect(sim.calls().filter((call) => call.argv[0] === 'upgrade' || call.argv[0] === 'apply')).toEqual([]);
      const plan = await install(sim, ['--dry-run'], { env });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('were saved on another cluster: they are left out of this plan');
      await sim.exec('kubectl', ['apply', '--server-side', '--force-conflicts', '-f', '-', '--namespace', 'mlflow'], { input: JSON.stringify({ ...elsewhere, data: saved.data }) });
    }, 120_000);
  });

  it('--dry-run says why the cluster was not consulted when it does not answer', async () => {
    const sim = clusters.create({ helmMajor: 3, faults: { unreachable: true } });
    const plan = await install(sim, ['--dry-run', '--yes']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Action:      install or upgrade (the cluster was not consulted)');
    const json = await install(sim, ['--dry-run', '--yes', '--json']);
    const parsed = JSON.parse(json.stdout) as { cluster: { consulted: boolean; note: string } };
    expect(parsed.cluster).toEqual({ consulted: false, note: expect.stringMatching(/^the cluster was not consulted \((?!Error: ).*sim-cluster\.example:6443.* refused.*\): whether this installs or upgrades is not known$/) });
  }, 120_000);
});
