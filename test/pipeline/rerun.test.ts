import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import type { KubeObject, TestCluster } from '../helpers/kwok/test-cluster.js';
import { closedPortKubeconfig } from './cluster-faults.js';
import { expectNoLeak, install, majors, noCluster, podsOf, TestClusters, uniquePassword } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const args = ['--yes', '--timeout', '90s', '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--set', 'ingress.enabled=true', '--set', 'ingress.host=mlflow.example.com', '--set', 'ingress.className=nginx'];
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

/**
 * What a rerun must leave as it was, read back from the cluster: the Secret (same object, same data), the server's
 * pods (the same ones, not restarted), the Deployment (same spec, no new generation), the saved answers, the namespaces.
 */
async function recordedState(cluster: TestCluster) {
  const secret = await cluster.object('Secret', 'mlflow', 'mlflow-mlflow-db');
  const login = await cluster.object('Secret', 'mlflow', 'mlflow-mlflow-auth');
  const deployment = (await cluster.object('Deployment', 'mlflow', 'mlflow')) as (KubeObject & { metadata: { generation?: number }; spec?: unknown }) | undefined;
  const pods = await podsOf(cluster, 'mlflow', serverSelector);
  return {
    secret: { uid: secret?.metadata.uid, data: secret?.['data'] },
    login: { uid: login?.metadata.uid, data: login?.['data'] },
    pods: pods.map((pod) => ({ name: pod.metadata.name, uid: pod.metadata.uid, restarts: pod.status?.containerStatuses?.map((status) => status.restartCount) })).sort((a, b) => a.name.localeCompare(b.name)),
    deployment: { uid: deployment?.metadata.uid, generation: deployment?.metadata.generation, spec: deployment?.spec },
    saved: (await cluster.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install'))?.['data'],
    namespaces: (await cluster.objects('Namespace')).map((namespace) => namespace.metadata.name).sort(),
  };
}

describe.skipIf(noCluster !== undefined)('a rerun with the same answers', () => {
  beforeAll(ensureBuilt, 300_000);

  // Both majors at once, each on its own cluster; there, one test after the other: each starts from the release the
  // earlier one left.
  describe.concurrent.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    const password = uniquePassword('rerun');
    const admin = uniquePassword('admin');
    // A rerun given another admin password keeps the first: MLflow created the admin with it, and a Secret saying
    // otherwise would lie (the password changes through MLflow's API, not through the installer).
    const otherAdmin = uniquePassword('other-admin');
    const env = { MLFLOW_DB_PASSWORD: password, MLFLOW_ADMIN_PASSWORD: otherAdmin };

    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major });
      const first = await install(cluster, args, { env: { ...env, MLFLOW_ADMIN_PASSWORD: admin } });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('Created the Secret mlflow-mlflow-auth of the login (from stdin)');
      const login = await cluster.object('Secret', 'mlflow', 'mlflow-mlflow-auth');
      expect(Buffer.from(String((login?.['data'] as Record<string, string>)['admin-password']), 'base64').toString()).toBe(admin);
      await expectNoLeak(admin, cluster, first);
      expect(await cluster.release('mlflow', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
    }, 240_000);

    it.sequential('is an upgrade that changes nothing and passes every check', async () => {
      const before = await recordedState(cluster);
      expect(before.pods).toHaveLength(1);
      const firstRevision = await cluster.release('mlflow', 'mlflow');
      cluster.clearCalls();
      const rerun = await install(cluster, args, { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('✔ release: release mlflow exists (revision 1 deployed): this upgrades it');
      expect(rerun.stdout).not.toMatch(/^ *[✖↓!]/m);
      expect(rerun.stdout).not.toContain('Warnings:');
      expect(rerun.stdout).toContain('✔ Upgraded the release mlflow (revision 2): no value changed');
      expect(rerun.stdout).toContain('MLflow is running: release mlflow (revision 2) in namespace mlflow.');
      expect(rerun.stdout).toContain('export MLFLOW_TRACKING_URI=http://mlflow.example.com');

      const second = await cluster.release('mlflow', 'mlflow');
      expect(second).toMatchObject({ revision: 2, status: 'deployed' });
      expect(second?.values).toEqual(firstRevision?.values);
      expect(await recordedState(cluster)).toEqual(before);
      // The namespace exists: not created again (`kubectl create -f -`, the Namespace on stdin); the login Secret's
      // create is refused as AlreadyExists, so it is kept; one helm upgrade.
      expect(rerun.stdout).not.toContain('Created the namespace');
      expect(rerun.stdout).toContain('Kept the Secret mlflow-mlflow-auth as it is (the admin password and the Flask key are unchanged)');
      const commands = cluster.calls().map((call) => `${call.tool} ${call.argv.join(' ')}`);
      expect(commands.filter((command) => command === 'kubectl create -f -')).toEqual([]);
      expect(commands.filter((command) => command.startsWith('helm upgrade'))).toHaveLength(1);
      await expectNoLeak([password, admin, otherAdmin], cluster, rerun);
    }, 240_000);

    it.sequential('with --yes alone takes the answers saved by the earlier run, and still changes nothing', async () => {
      const before = await recordedState(cluster);
      const values = (await cluster.release('mlflow', 'mlflow'))?.values;
      const rerun = await install(cluster, ['--yes', '--timeout', '90s'], { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('Note: the answers of the earlier run (ConfigMap mlflow/mlflow-mlflow-install) are used beneath the flags and the preset.');
      expect(rerun.stdout).toContain('✔ Upgraded the release mlflow (revision 3): no value changed');
      expect(rerun.stdout).toContain('export MLFLOW_TRACKING_URI=http://mlflow.example.com');
      expect(await cluster.release('mlflow', 'mlflow')).toMatchObject({ revision: 3, status: 'deployed', values });
      expect(await recordedState(cluster)).toEqual(before);
      await expectNoLeak(password, cluster, rerun);
    }, 240_000);

    it.sequential('--dry-run reads the release: an upgrade, and no value changed against it', async () => {
      cluster.clearCalls();
      const plan = await install(cluster, ['--dry-run', '--yes'], { env });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('Action:      upgrade of the existing release');
      expect(plan.stdout).toContain('Values changed against the release:\n  none: the upgrade changes no value');
      expect(plan.stdout).not.toContain('Create the namespace');
      expect(plan.stdout).not.toContain('Read the cluster identity');
      const changed = await install(cluster, ['--dry-run', '--yes', '--set', 'backend.volume.size=20Gi'], { env });
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.stdout).toContain('persistence.size: "10Gi" -> "20Gi"');
      // A dry run reads, never writes.
      const writes = cluster.calls().filter((call) => (call.tool === 'helm' ? ['upgrade', 'install', 'uninstall', 'rollback'] : ['apply', 'create', 'delete', 'patch']).includes(call.argv[0] ?? ''));
      expect(writes).toEqual([]);
      expect((await cluster.release('mlflow', 'mlflow'))?.revision).toBe(3);
    }, 240_000);

    it.sequential('refuses, with --yes, answers saved on another cluster unless --context names it', async () => {
      const saved = (await cluster.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install')) as KubeObject & { data: Record<string, string> };
      const elsewhere = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mlflow-mlflow-install', namespace: 'mlflow' }, data: { ...saved.data, 'cluster-uid': 'another-cluster-uid' } };
      const apply = (configMap: object) => cluster.exec('kubectl', ['apply', '--server-side', '--force-conflicts', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', 'mlflow'], { input: JSON.stringify(configMap) });
      expect((await apply(elsewhere)).exitCode).toBe(0);
      try {
        cluster.clearCalls();
        const refused = await install(cluster, ['--yes'], { env });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/^mlflow-install: the answers saved in earlier run \(ConfigMap mlflow\/mlflow-mlflow-install\) were saved on another cluster .*Pass --context NAME/);
        expect(cluster.calls().filter((call) => ['upgrade', 'apply', 'create'].includes(call.argv[0] ?? ''))).toEqual([]);
        expect((await cluster.release('mlflow', 'mlflow'))?.revision).toBe(3);
        const plan = await install(cluster, ['--dry-run'], { env });
        expect(plan.code, plan.stderr).toBe(0);
        expect(plan.stdout).toContain('were saved on another cluster: they are left out of this plan');
      } finally {
        expect((await apply({ ...elsewhere, data: saved.data })).exitCode).toBe(0);
      }
    }, 240_000);

    it.sequential('--dry-run says why the cluster was not consulted when it does not answer (a closed port)', async () => {
      const { file, server } = closedPortKubeconfig(cluster);
      const plan = await install(cluster, ['--dry-run', '--yes'], { env: { KUBECONFIG: file } });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('Action:      install or upgrade (the cluster was not consulted)');
      const json = await install(cluster, ['--dry-run', '--yes', '--json'], { env: { KUBECONFIG: file } });
      expect(json.code, json.stderr).toBe(0);
      const parsed = JSON.parse(json.stdout) as { cluster: { consulted: boolean; note: string } };
      const host = server.replace(/^https?:\/\//, '').replaceAll('.', '\\.');
      expect(parsed.cluster).toEqual({ consulted: false, note: expect.stringMatching(new RegExp(`^the cluster was not consulted \\((?!Error: ).*${host}.* refused.*\\): whether this installs or upgrades is not known$`)) });
    }, 120_000);
  });
});
