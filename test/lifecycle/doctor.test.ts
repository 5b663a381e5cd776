import { describe, expect, it } from 'vitest';
import { unreachableDatabaseHost } from '../helpers/kwok/stages.js';
import {
  applyInstallerObjects,
  createNamespace,
  helmInstall,
  installArgs,
  majors,
  noCluster,
  objectNames,
  postgresSettings,
  runAgainst,
  setFlags,
  uniqueNamespace,
  useLifecycleSuite,
  kubeconfigWithClosedPort,
} from './helpers.js';

const suite = useLifecycleSuite({ logs: [{ namespaces: ['crashloop'], current: ['sqlalchemy.exc.OperationalError: unable to open database file'] }] });

interface DoctorJson {
  ok: boolean;
  readOnly: boolean;
  release: { found: boolean };
  checks: { id: string; area: string; status: string; saw: string; fix?: string; durationMs: number }[];
}

describe.skipIf(noCluster !== undefined)('doctor on a real control plane', () => {
  describe.each(majors)('with helm %i', (major) => {
    it.concurrent('a healthy release installed by the CLI: exit 0, every check passes or warns as expected; the cluster is unchanged', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('doctor-healthy');
      const install = await runAgainst(cluster, ['--yes', '--preset', 'local', '--namespace', namespace]);
      expect(install.code, install.stderr + install.stdout).toBe(0);
      const before = await cluster.namespaceObjects(namespace);
      const result = await runAgainst(cluster, ['doctor', '-n', namespace, '--json']);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as DoctorJson;
      expect(report).toMatchObject({ ok: true, readOnly: true, release: { found: true } });
      const byId = new Map(report.checks.map((check) => [check.id, check]));
      for (const id of ['kubectl', 'helm', 'context', 'api', 'permissions', 'release', 'history', 'drift', 'claim/mlflow-data', 'mlflow-version', 'schema']) {
        expect(byId.get(id)?.status, `${id}: ${JSON.stringify(byId.get(id))}`).toBe('pass');
      }
      expect(report.checks.filter((check) => check.id.startsWith('pod/')).every((check) => check.status === 'pass')).toBe(true);
      // No login is a warning (the chart's default); nothing fails.
      expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
      expect(report.checks.every((check) => check.durationMs >= 0)).toBe(true);
      expect(byId.get('schema')?.saw).toBe(`the database schema belongs to MLflow 3.16.1 (schema-version in ConfigMap ${namespace}/mlflow-mlflow-install), the version the server runs`);
      const human = await runAgainst(cluster, ['doctor', '-n', namespace]);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('Read-only: doctor changes nothing in the cluster');
      expect(human.stdout).toMatch(/\nPods\n {2}✔ pod mlflow-\S+: server, Running, 1\/1 ready, 0 restarts/);
      expect(await cluster.namespaceObjects(namespace)).toEqual(before);
    }, 300_000);

    it.concurrent('a crash-looping server fails, naming the termination reason; exit 1', async () => {
      const cluster = await suite.shared(major);
      await helmInstall(cluster, { namespace: 'crashloop', wait: false });
      let report: DoctorJson | undefined;
      const deadline = Date.now() + 120_000;
      for (;;) {
        const result = await runAgainst(cluster, ['doctor', '-n', 'crashloop', '--json']);
        report = JSON.parse(result.stdout) as DoctorJson;
        const pod = report.checks.find((check) => check.id.startsWith('pod/'));
        if ((pod && /CrashLoopBackOff/.test(pod.saw)) || Date.now() > deadline) {
          expect(result.code).toBe(1);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      const pod = report.checks.find((check) => check.id.startsWith('pod/'));
      expect(pod).toMatchObject({ status: 'fail', saw: expect.stringMatching(/CrashLoopBackOff.*last ended mlflow: Error \(exit 1\)/) });
      expect(pod?.fix).toMatch(/kubectl --namespace crashloop logs pod\/mlflow-\S+ --all-containers --previous/);
    }, 300_000);

    it.concurrent('drift after a helm upgrade --reuse-values --set by hand is a warning naming the value', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('doctor-drift');
      expect((await runAgainst(cluster, ['--yes', '--preset', 'local', '--namespace', namespace])).code).toBe(0);
      await helmInstall(cluster, { namespace, extra: ['--reuse-values', '--set', 'artifacts.serve=false'] });
      const report = JSON.parse((await runAgainst(cluster, ['doctor', '-n', namespace, '--json'])).stdout) as DoctorJson;
      expect(report.checks.find((check) => check.id === 'drift')).toMatchObject({ status: 'warn', saw: expect.stringContaining('artifacts.serve: true saved, false live') });
    }, 300_000);

    it.concurrent('no release: the preflight checks only, saying there is none; exit 0', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('doctor-none');
      await createNamespace(cluster, namespace);
      const result = await runAgainst(cluster, ['doctor', '-n', namespace, '--json']);
      expect(result.code, result.stdout).toBe(0);
      const report = JSON.parse(result.stdout) as DoctorJson;
      expect(report.release.found).toBe(false);
      expect(report.checks.find((check) => check.id === 'release')).toMatchObject({ status: 'warn', saw: expect.stringContaining(`no release mlflow in namespace ${namespace}`) });
      expect(report.checks.filter((check) => check.id.startsWith('pod/'))).toEqual([]);
    }, 300_000);

    it.concurrent('a failed upgrade that helm rolled back: the history check warns with the failed revision and the rollback', async () => {
      const cluster = await suite.shared(major);
      // Every Job's pod fails in this namespace: the database backend's pre-upgrade migration hook fails.
      await applyInstallerObjects(cluster, 'not-the-point-here', { namespace: 'jobfails' });
      await helmInstall(cluster, { namespace: 'jobfails' });
      const failed = await cluster.exec('helm', installArgs(major, 'mlflow', 'jobfails', [...setFlags(postgresSettings()), '--set', 'database.migrate.backoffLimit=0']));
      expect(failed.exitCode, 'the migration hook fails and helm rolls back').toBe(1);
      const result = await runAgainst(cluster, ['doctor', '-n', 'jobfails', '--json']);
      const report = JSON.parse(result.stdout) as DoctorJson;
      expect(report.checks.find((check) => check.id === 'release')).toMatchObject({ status: 'pass', saw: expect.stringMatching(/^revision 3 deployed/) });
      expect(report.checks.find((check) => check.id === 'history')).toMatchObject({
        status: 'warn',
        saw: expect.stringMatching(/^revision 2 failed \([^\n\t]*mlflow-migrate[^\n\t]*\); revision 3 is a rollback to revision 1, so the release runs that revision's values$/),
        fix: expect.stringContaining('helm history mlflow --namespace jobfails'),
      });
      expect(result.code, 'a warning is no failure').toBe(0);
    }, 300_000);

    it.concurrent('the database reached from inside the cluster: an unreachable host fails naming it; the check pod is removed afterwards', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('doctor-db');
      await createNamespace(cluster, namespace);
      await applyInstallerObjects(cluster, 'not-the-point-here', { namespace });
      const settings = postgresSettings().map((setting) => (setting.startsWith('mlflowBackend.connections.host=') ? `mlflowBackend.connections.host=${unreachableDatabaseHost}` : setting));
      await helmInstall(cluster, { namespace, wait: false, extra: [...setFlags(settings), '--set', 'database.migrate.enabled=false'] });
      const result = await runAgainst(cluster, ['doctor', '-n', namespace, '--json']);
      expect(result.code, result.stdout).toBe(1);
      const report = JSON.parse(result.stdout) as DoctorJson;
      expect(report.checks.find((check) => check.id === 'database')).toMatchObject({ status: 'fail', saw: expect.stringContaining(`${unreachableDatabaseHost}:5432`) });
      const left = (await objectNames(cluster, 'Pod', namespace)).filter((name) => name.includes('check'));
      expect(left, 'doctor removes its check pod').toEqual([]);
    }, 300_000);

    it.concurrent('a namespace admin: what it may not read cluster-wide is a warning saying so, never a failure; exit 0', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('doctor-admin');
      const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, 'alice');
      await cluster.bindInNamespace(namespace, 'admin', { name: 'alice', namespace });
      const install = await runAgainst(cluster, ['--yes', '--preset', 'local', '--namespace', namespace]);
      expect(install.code, install.stderr).toBe(0);
      const result = await runAgainst(cluster, ['doctor', '-n', namespace, '--json'], { KUBECONFIG: kubeconfig });
      const report = JSON.parse(result.stdout) as DoctorJson;
      expect(report.checks.filter((check) => check.status === 'fail'), result.stdout).toEqual([]);
      expect(result.code).toBe(0);
      expect(report.checks.find((check) => check.id === 'release')?.status).toBe('pass');
      const unseen = report.checks.filter((check) => check.status === 'warn' && /not allowed to list storageclasses/.test(check.saw));
      expect(unseen.length, JSON.stringify(report.checks)).toBeGreaterThan(0);
    }, 300_000);

    it.concurrent('an unreachable cluster: one JSON document from doctor and from status, exit 1', async () => {
      const cluster = await suite.shared(major);
      const closed = await kubeconfigWithClosedPort(cluster);
      const doctor = await runAgainst(cluster, ['doctor', '--json'], { KUBECONFIG: closed.path });
      expect(doctor.code).toBe(1);
      const report = JSON.parse(doctor.stdout) as DoctorJson;
      expect(report.checks.find((check) => check.id === 'api')?.status).toBe('fail');
      const status = await runAgainst(cluster, ['status', '--json'], { KUBECONFIG: closed.path });
      expect(status.code).toBe(1);
      expect(JSON.parse(status.stdout)).toMatchObject({ ok: false, error: { exitCode: 1, meaning: 'failed', message: expect.stringContaining('could not read release mlflow') } });
    }, 300_000);
  });
});
