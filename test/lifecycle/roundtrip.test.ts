import { describe, expect, it } from 'vitest';
import { secretForms } from '../../src/cluster/redact.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { expectNoLeak } from '../pipeline/harness.js';
import {
  applyInstallerObjects,
  callMark,
  createNamespace,
  helmInstall,
  majors,
  noCluster,
  postgresSettings,
  runAgainst,
  setFlags,
  uniqueNamespace,
  useLifecycleSuite,
} from './helpers.js';

const suite = useLifecycleSuite();

interface Claim {
  metadata: { uid?: string };
  spec?: { volumeName?: string };
  status?: { phase?: string };
}

async function claimOf(cluster: TestCluster, namespace: string): Promise<Claim | undefined> {
  return (await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data')) as Claim | undefined;
}

async function volumePhase(cluster: TestCluster, name: string | undefined): Promise<string | undefined> {
  return ((await cluster.object('PersistentVolume', undefined, name ?? ''))?.['status'] as { phase?: string } | undefined)?.phase;
}

/** What the release left in the namespace, as kind/name (helm's own release Secrets aside). */
async function leftIn(cluster: TestCluster, namespace: string): Promise<string[]> {
  const kinds = ['Secret', 'PersistentVolumeClaim', 'ConfigMap', 'Pod'];
  const objects = await Promise.all(kinds.map(async (kind) => (await cluster.objects(kind, namespace)).map((object) => `${kind}/${object.metadata.name}`)));
  return objects.flat().filter((name) => name !== 'ConfigMap/kube-root-ca.crt');
}

describe.skipIf(noCluster !== undefined)('install, uninstall, install again on a real control plane', () => {
  describe.each(majors)('with helm %i', (major) => {
    it.concurrent('through the CLI: the second install takes the saved answers, the kept Secret and the same claim, still Bound to its volume', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('roundtrip');
      const password = `Round-Trip.pw1-${namespace}`;
      const env = { MLFLOW_DB_PASSWORD: password };
      // Each run is checked for the password as it ends (the cluster as it is then); what is found is said at the end.
      const leaks: string[] = [];
      const noLeak = async (run: Awaited<ReturnType<typeof runAgainst>>, what: string) => {
        await expectNoLeak(password, cluster, run, namespace).catch((error: unknown) => {
          const message = (error as Error).message.split('\n')[0] ?? '';
          const call = cluster.calls()[Number(/of call (\d+)/.exec(message)?.[1] ?? -1)];
          const found = `${message.replace(/: expected .*/, '')}${call ? ` (${call.tool} ${call.argv.join(' ')})` : ''}`;
          // The checks read every call so far: a leak is said once, by the first run that finds it.
          if (!leaks.some((leak) => leak.endsWith(found))) leaks.push(`${what}: ${found}`);
        });
      };
      const install = ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--namespace', namespace, '--timeout', '120s'];
      const first = await runAgainst(cluster, install, env);
      expect(first.code, first.stderr).toBe(0);
      const claim = await claimOf(cluster, namespace);
      expect(claim?.status?.phase).toBe('Bound');
      // The installer made the namespace, and labels it so: --purge may remove it later.
      expect((await cluster.object('Namespace', undefined, namespace))?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mlflow-install');
      const secret = await cluster.object('Secret', namespace, 'mlflow-mlflow-db');
      const login = await cluster.object('Secret', namespace, 'mlflow-mlflow-auth');
      await noLeak(first, 'first install');

      const uninstall = await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace]);
      expect(uninstall.code, uninstall.stderr).toBe(0);
      expect(uninstall.stdout).toContain(`Left in namespace ${namespace}: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-auth, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install.`);
      expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
      // Kept, the claim holds on to its volume: nothing else can bind it.
      expect(await claimOf(cluster, namespace)).toMatchObject({ metadata: { uid: claim?.metadata.uid }, spec: { volumeName: claim?.spec?.volumeName }, status: { phase: 'Bound' } });
      expect(await volumePhase(cluster, claim?.spec?.volumeName)).toBe('Bound');

      // --yes and the namespace alone: the answers come from the ConfigMap the uninstall kept.
      const second = await runAgainst(cluster, ['--yes', '--namespace', namespace, '--timeout', '120s'], env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('Note: the answers of the earlier run (ConfigMap');
      expect(second.stdout).toContain(`MLflow is running: release mlflow (revision 1) in namespace ${namespace}.`);
      expect(await claimOf(cluster, namespace)).toMatchObject({ metadata: { uid: claim?.metadata.uid }, spec: { volumeName: claim?.spec?.volumeName }, status: { phase: 'Bound' } });
      // The kept Secret is the one in use (the same object).
      expect((await cluster.object('Secret', namespace, 'mlflow-mlflow-db'))?.metadata.uid).toBe(secret?.metadata.uid);
      // The login's Secret too: the users in the kept database were made with its admin password.
      expect((await cluster.object('Secret', namespace, 'mlflow-mlflow-auth'))?.['data']).toEqual(login?.['data']);
      await noLeak(second, 'second install');
      const status = await runAgainst(cluster, ['status', '--json', '-n', namespace]);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, backend: { kind: 'postgres', where: 'db.internal:5432, database mlflow' }, volumes: [{ name: 'mlflow-data', phase: 'Bound' }] });

      const purge = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', namespace]);
      expect(purge.code, purge.stderr).toBe(0);
      expect(purge.stdout).toContain(`✔ Deleted namespace ${namespace}`);
      expect(await cluster.object('Namespace', undefined, namespace)).toBeUndefined();
      // The volume is released with its data (reclaim policy Retain), not handed to the next claim.
      expect(await volumePhase(cluster, claim?.spec?.volumeName)).toBe('Released');
      await noLeak(uninstall, 'uninstall');
      await noLeak(status, 'status');
      await noLeak(purge, 'uninstall --purge');
      expect(leaks).toEqual([]);
    }, 240_000);

    it.concurrent('with helm run directly: reinstalls over the kept data, the same claim, a healthy release; after --purge a new claim on another volume', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('reinstall');
      await createNamespace(cluster, namespace);
      await applyInstallerObjects(cluster, 'first-password', { namespace });
      await helmInstall(cluster, { namespace, extra: setFlags(postgresSettings()) });
      const claim = await claimOf(cluster, namespace);
      expect(claim?.status?.phase).toBe('Bound');

      expect((await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace])).code).toBe(0);
      expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
      expect((await runAgainst(cluster, ['status', '-n', namespace])).code).toBe(2);

      // The install pipeline reapplies its Secret and answers, then helm adopts the claim its resource policy kept.
      await applyInstallerObjects(cluster, 'first-password', { namespace });
      await helmInstall(cluster, { namespace, extra: setFlags(postgresSettings()) });
      expect(await claimOf(cluster, namespace)).toMatchObject({ metadata: { uid: claim?.metadata.uid }, spec: { volumeName: claim?.spec?.volumeName } });
      const status = await runAgainst(cluster, ['status', '--json', '-n', namespace]);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, release: { revision: 1, state: 'deployed' }, volumes: [{ name: 'mlflow-data', phase: 'Bound' }] });

      expect((await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', namespace])).code).toBe(0);
      expect(await volumePhase(cluster, claim?.spec?.volumeName)).toBe('Released');
      await applyInstallerObjects(cluster, 'second-password', { namespace });
      await helmInstall(cluster, { namespace, extra: setFlags(postgresSettings()) });
      const fresh = await claimOf(cluster, namespace);
      expect(fresh?.metadata.uid).toBeDefined();
      expect(fresh?.metadata.uid).not.toBe(claim?.metadata.uid);
      // A released volume does not bind again: the new claim has another one.
      expect(fresh?.status?.phase).toBe('Bound');
      expect(fresh?.spec?.volumeName).not.toBe(claim?.spec?.volumeName);
      expect((await runAgainst(cluster, ['status', '-n', namespace])).code).toBe(0);
    }, 240_000);
  });
});

describe.skipIf(noCluster !== undefined)('the database password on a real control plane', () => {
  describe.each(majors)('with helm %i', (major) => {
    it.concurrent('is in no argv, no environment of a command, and no output of status or uninstall', async () => {
      const cluster = await suite.shared(major);
      const namespace = uniqueNamespace('password');
      const password = `Xq9-Secret_Pass.7-${namespace}:@/?&'"`;
      await createNamespace(cluster, namespace);
      await applyInstallerObjects(cluster, password, { namespace });
      // The seed's way too: the password in the values, where `helm status -o json` hands it back.
      await helmInstall(cluster, { namespace, extra: setFlags([...postgresSettings(), `mlflowBackend.connections.password=${password}`]) });
      expect((await cluster.release(namespace, 'mlflow'))?.values).toMatchObject({ mlflowBackend: { connections: { password } } });
      const mark = callMark(cluster);

      // Without the variable nothing knows the password to redact it: only never printing the values keeps it out.
      const env = { MLFLOW_DB_PASSWORD: password };
      const runs = [
        await runAgainst(cluster, ['status', '-n', namespace]),
        await runAgainst(cluster, ['status', '--json', '--verbose', '-n', namespace]),
        await runAgainst(cluster, ['uninstall', '--yes', '--verbose', '-n', namespace], env),
        await runAgainst(cluster, ['uninstall', '--yes', '--purge', '--json', '--verbose', '-n', namespace], env),
      ];
      expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0]);
      expect(runs[1]?.stderr).toContain(`$ helm status mlflow --namespace ${namespace} -o json`);
      // Every call since, this test's and the other tests' on the shared cluster alike.
      const calls = cluster.calls().slice(mark);
      expect(calls.filter((call) => call.argv.includes(namespace)).length).toBeGreaterThan(10);
      for (const form of secretForms(password)) {
        for (const run of runs) expect(`${run.stdout}\n${run.stderr}`).not.toContain(form);
        for (const call of calls) {
          expect(call.argv.join(' ')).not.toContain(form);
          expect(JSON.stringify(call.env)).not.toContain(form);
        }
      }
      // After --purge, nothing in the cluster holds it any more: the release, its values and its Secret are gone.
      for (const run of runs) await expectNoLeak(password, cluster, run, namespace);
      expect(await leftIn(cluster, namespace)).toEqual([]);
    }, 240_000);
  });
});
