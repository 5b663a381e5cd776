import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady, type Pod } from '../../src/cluster/k8s.js';
import { ensureBuilt, scratchDir } from '../cli/cli.js';
import { faultNamespaces } from '../helpers/kwok/stages.js';
import type { KubeObject, TestCluster } from '../helpers/kwok/test-cluster.js';
import { repoRoot } from '../helpers/tools.js';
import { changesTheCluster, install, majors, noCluster, podsOf, TestClusters, uniquePassword } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const postgres = (namespace: string, timeout = '120s'): string[] => ['--yes', '--timeout', timeout, '--namespace', namespace, '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';
const image = (version: string) => `ghcr.io/mlflow/mlflow:v${version}-full`;

async function serverImages(cluster: TestCluster, namespace: string): Promise<string[]> {
  const deployment = (await cluster.object('Deployment', namespace, 'mlflow')) as (KubeObject & { spec?: { template?: { spec?: { containers?: { name: string; image: string }[] } } } }) | undefined;
  return (deployment?.spec?.template?.spec?.containers ?? []).map((container) => container.image);
}

async function schemaVersion(cluster: TestCluster, namespace: string): Promise<unknown> {
  return ((await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install'))?.['data'] as Record<string, string> | undefined)?.['schema-version'];
}

interface KubeEvent {
  reason: string;
  involvedObject: { kind: string; name: string };
  lastTimestamp?: string;
  eventTime?: string;
  metadata: { creationTimestamp: string };
}

describe.skipIf(noCluster !== undefined)('an MLflow upgrade on the real control plane', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.concurrent.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    const env = { MLFLOW_DB_PASSWORD: uniquePassword('upgrade') };

    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major });
    }, 240_000);

    it.sequential('installs an older version, rolls out the new image after the migration Job completes, records the schema, refuses the way back', async () => {
      const first = await install(cluster, [...postgres('mlflow'), '--set', 'mlflow.version=3.10.0'], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(await serverImages(cluster, 'mlflow')).toEqual([image('3.10.0')]);
      expect(await schemaVersion(cluster, 'mlflow')).toBe('3.10.0');

      // --yes alone keeps the saved version: the plan names no upgrade.
      const plan = await install(cluster, ['--yes', '--dry-run'], { env });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('  MLflow:      3.10.0\n');

      const planned = await install(cluster, ['--yes', '--dry-run', '--set', 'mlflow.version=3.16.1'], { env });
      expect(planned.code, planned.stderr).toBe(0);
      expect(planned.stdout).toContain('  MLflow:      3.10.0 -> 3.16.1 (an upgrade: the database is migrated)');
      expect(planned.stdout).toContain("The pre-upgrade Job mlflow-migrate runs `mlflow db upgrade` on the tracking database, then the login's user database (in the same database), before the new server starts.");
      expect(planned.stdout).toContain('Afterwards MLflow 3.10.0 cannot serve the migrated database');
      expect(planned.stdout).toMatch(/\n {4}echo \| kubectl run mlflow-backup --image docker\.io\/library\/postgres:17-alpine .* > mlflow-3\.10\.0\.sql\n/);

      const started = Date.now();
      const upgrade = await install(cluster, ['--yes', '--timeout', '120s', '--set', 'mlflow.version=3.16.1'], { env });
      expect(upgrade.code, upgrade.stderr).toBe(0);
      expect(upgrade.stdout).toContain('MLflow upgrade 3.10.0 -> 3.16.1:');
      expect(upgrade.stdout).toContain('✔ Upgraded the release mlflow (revision 2): 1 value changed');
      expect(await serverImages(cluster, 'mlflow')).toEqual([image('3.16.1')]);
      const pods: Pod[] = await podsOf(cluster, 'mlflow', serverSelector);
      expect(pods.map((pod) => [pod.spec?.containers[0]?.image, isPodReady(pod)])).toEqual([[image('3.16.1'), true]]);
      // The hook Job ran to completion (then helm deleted it) before the new server pod was created.
      const events = (await cluster.objects('Event', 'mlflow')) as unknown as KubeEvent[];
      const eventTime = (event: KubeEvent) => Date.parse(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp);
      const completions = events
        .filter((event) => event.involvedObject.kind === 'Job' && event.involvedObject.name === 'mlflow-migrate' && event.reason === 'Completed')
        .map(eventTime)
        .filter((time) => time >= Math.floor(started / 1000) * 1000 - 1000);
      expect(completions, 'a Completed event of Job mlflow-migrate during the upgrade').toHaveLength(1);
      const completedAt = completions[0] ?? Number.NaN;
      expect(Date.parse(pods[0]?.metadata.creationTimestamp ?? '')).toBeGreaterThanOrEqual(Math.floor(completedAt / 1000) * 1000);
      expect(await cluster.object('Job', 'mlflow', 'mlflow-migrate')).toBeUndefined();
      expect(await schemaVersion(cluster, 'mlflow')).toBe('3.16.1');

      cluster.clearCalls();
      const back = await install(cluster, ['--yes', '--set', 'mlflow.version=3.10.0'], { env });
      expect(back.code).toBe(2);
      expect(back.stderr).toContain('mlflow-install: --set mlflow.version=3.10.0: MLflow 3.10.0 is older than the database schema, which belongs to MLflow 3.16.1');
      expect(back.stderr).toContain('Accepted: 3.16.1 or newer');
      expect(back.stderr).not.toMatch(/\n\s+at /);
      expect(cluster.calls().filter(changesTheCluster)).toEqual([]);
      expect(await serverImages(cluster, 'mlflow')).toEqual([image('3.16.1')]);

      // A `helm rollback` past the migration, done by hand: doctor says the schema is newer than the server.
      const rollback = await cluster.exec('helm', ['rollback', 'mlflow', '1', '--namespace', 'mlflow', '--wait', '--timeout', '120s']);
      expect(rollback.exitCode, rollback.stderr).toBe(0);
      const doctor = await install(cluster, ['doctor', '--json']);
      expect(doctor.code, doctor.stdout).toBe(1);
      const schema = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; saw: string }[] }).checks.find((check) => check.id === 'schema');
      expect(schema).toMatchObject({ status: 'fail', saw: expect.stringContaining("the database schema belongs to MLflow 3.16.1 (schema-version in ConfigMap mlflow/mlflow-mlflow-install), newer than the server's 3.10.0") });
    }, 480_000);

    it.sequential('a failing migration Job leaves the old revision serving, and the report says where the schema stands', async () => {
      const namespace = faultNamespaces.jobFails;
      // A release of 3.10.0 made without its hooks (every Job fails in this namespace): the values the CLI writes.
      const cwd = scratchDir();
      const plan = await install(cluster, [...postgres(namespace), '--set', 'mlflow.version=3.10.0', '--dry-run'], { env, cwd });
      expect(plan.code, plan.stderr).toBe(0);
      const helmInstall = await cluster.exec('helm', ['install', 'mlflow', join(repoRoot, 'charts', 'mlflow'), '--namespace', namespace, '--create-namespace', '--values', join(cwd, 'mlflow-values.yaml'), '--no-hooks', '--wait', '--timeout', '120s']);
      expect(helmInstall.exitCode, helmInstall.stderr).toBe(0);
      const before = await cluster.release(namespace, 'mlflow');

      const upgrade = await install(cluster, [...postgres(namespace), '--set', 'mlflow.version=3.16.1'], { env });
      expect(upgrade.code, upgrade.stdout).toBe(1);
      expect(upgrade.stdout).toContain('MLflow upgrade 3.10.0 -> 3.16.1:');
      expect(upgrade.stderr).toContain("The schema: the pre-upgrade Job mlflow-migrate failed, so the release's old revision (MLflow 3.10.0) was left serving");
      expect(upgrade.stderr).toContain(`kubectl logs job/mlflow-migrate --namespace ${namespace}`);
      expect(await serverImages(cluster, namespace)).toEqual([image('3.10.0')]);
      const pods = await podsOf(cluster, namespace, serverSelector);
      expect(pods.map((pod) => [pod.spec?.containers[0]?.image, isPodReady(pod)])).toEqual([[image('3.10.0'), true]]);
      const after = await cluster.release(namespace, 'mlflow');
      expect(after?.status).toBe(major === 3 ? 'deployed' : after?.status);
      expect(after?.values['image']).toEqual(before?.values['image']);
    }, 480_000);
  });
});
