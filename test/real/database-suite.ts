// The chart against a real database server (PostgreSQL or MariaDB), the same tests for both engines:
// the migration hook Job then the server, with a password full of special characters; the seed's
// password-in-values shape; a wrong password failing loudly; the Aurora flow's create-database Job.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Manifest } from '../helpers/render.js';
import { createDatabaseJobOf, deploymentOf, helmUnavailable, mainContainerOf, migrationJobOf, render } from './chart.js';
import { exerciseTracking, expectedRun, restTracking, type TrackingResult } from './client.js';
import { startMariadb, startPostgres, type DatabaseServer } from './databases.js';
import { requireParts, unavailable } from './env.js';
import { LocalCluster, podSpecOf } from './pod.js';
import { withSlot } from './slots.js';
import { startServer } from './server.js';

export type Engine = 'postgres' | 'mariadb';

/** Every character that breaks a URI or a shell or SQL quoting: @ : / % # ? & = + space quotes $( ) backslash ; */
export const SPECIAL_PASSWORD = `p@ss:w/rd%#?&=+ 'q"$(HOME)\\end;`;
const SEED_PASSWORD = `s33d:p@ss/%41?#&x='"`;
const MASTER_PASSWORD = `m@ster:%2F/#?&= "'\\`;
const APP_PASSWORD = `app p@ss:/%#?&='"\\`;

const TIMEOUT = {
  job: 180_000,
  test: 300_000,
};

function engineValues(engine: Engine, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: true,
    engine: engine === 'postgres' ? { postgres: 'postgresql' } : { mysql: 'mysql+pymysql' },
    ...extra,
  };
}

const authFailure: Record<Engine, RegExp> = {
  postgres: /password authentication failed for user/,
  mariadb: /Access denied for user/,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** The rows a client run left in the database, read with the server's own SQL client. */
async function expectRunInDatabase(db: DatabaseServer, database: string, result: TrackingResult, experimentName: string): Promise<void> {
  expect(await db.query(`SELECT name FROM experiments WHERE experiment_id = ${Number(result.experiment_id)}`, database)).toEqual([[experimentName]]);
  expect(await db.query(`SELECT status FROM runs WHERE run_uuid = '${result.run_id}'`, database)).toEqual([['FINISHED']]);
  expect(await db.query(`SELECT ${db.engine === 'postgres' ? 'key' : '`key`'}, value FROM params WHERE run_uuid = '${result.run_id}' ORDER BY 1`, database)).toEqual([
    ['alpha', '0.5'],
    ['optimizer', 'adam'],
  ]);
  const metrics = await db.query(`SELECT step, value FROM metrics WHERE run_uuid = '${result.run_id}' ORDER BY step`, database);
  expect(metrics.map(([step, value]) => [Number(step), Number(value)])).toEqual([
    [0, 0.9],
    [1, 0.5],
    [2, 0.25],
  ]);
}

function assertNoSecretIn(text: string, secret: string, where: string): void {
  // Checked without printing the secret: a failure names where, not what.
  const found = [secret, encodeURIComponent(secret)].some((form) => text.includes(form));
  expect(found, `the password appears in clear (or URL-encoded) in ${where}`).toBe(false);
}

export function databaseSuite(engine: Engine): void {
  const label = engine === 'postgres' ? 'PostgreSQL' : 'MariaDB';
  // Each test has its own database in the one server, so they run side by side (two at a time).
  describe.concurrent(`${label} backend, real MLflow server`, () => {
    let db: DatabaseServer | undefined;

    beforeAll(async () => {
      if (unavailable('python', engine) !== undefined || helmUnavailable() !== undefined) return;
      db = engine === 'postgres' ? await startPostgres() : await startMariadb();
      process.stderr.write(`[test/real] ${db.version} on 127.0.0.1:${db.port}\n`);
    }, 120_000);

    afterAll(async () => {
      await db?.stop();
    }, 60_000);

    function server(context: TestContext): DatabaseServer {
      requireParts(context, 'python', engine);
      const noHelm = helmUnavailable();
      if (noHelm) context.skip(noHelm);
      if (!db) throw new Error(`${label} did not start (see beforeAll)`);
      return db;
    }

    /** A cluster for this test's render, cleaned up (its processes stopped) when the test ends, pass or fail. */
    function clusterFor(context: TestContext, manifests: Manifest[], secrets: Record<string, Record<string, string>> = {}): LocalCluster {
      const cluster = new LocalCluster(manifests, { secrets });
      context.onTestFinished(() => cluster.cleanup());
      return cluster;
    }

    it(`migration Job, then the server, with a special-character password from an existing Secret: the run is in ${label} and the artifact on the volume`, (context) =>
      withSlot(async () => {
        const db = server(context);
        await db.createDatabase('mlflow', 'mlflow', SPECIAL_PASSWORD);
        const rendered = await render({
          database: engineValues(engine),
          mlflowBackend: {
            connections: { host: db.host, port: db.port, database: 'mlflow', username: 'mlflow' },
            existingSecret: 'mlflow-db-credentials',
          },
          extraArgs: { workers: 1 },
        });
        assertNoSecretIn(rendered.text, SPECIAL_PASSWORD, 'the rendered manifests');
        const cluster = clusterFor(context, rendered.manifests, { 'mlflow-db-credentials': { password: SPECIAL_PASSWORD } });

        // The migration hook Job: its init container waits for the database, then `mlflow db upgrade`.
        const job = migrationJobOf(rendered.manifests);
        expect(job, 'a Job that runs `mlflow db upgrade`').toBeDefined();
        const jobPod = cluster.pod(job as Manifest);
        await jobPod.runInitContainers(TIMEOUT.job);
        const migrate = await jobPod.run(mainContainerOf(job as Manifest), TIMEOUT.job);
        expect(migrate.exit.code, `the migration exited 0:\n${migrate.output}`).toBe(0);
        assertNoSecretIn(migrate.raw, SPECIAL_PASSWORD, 'the migration output');
        const [[revision]] = (await db.query('SELECT version_num FROM alembic_version', 'mlflow')) as [[string]];
        expect(revision).toMatch(/^[0-9a-f]{6,}$/);

        // The server pod: its init containers, then the server itself.
        const deployment = deploymentOf(rendered.manifests);
        const pod = cluster.pod(deployment);
        await pod.runInitContainers(TIMEOUT.job);
        const running = await startServer(pod);
        const result = await exerciseTracking(running.port, `${engine}-experiment`, `${engine} artifact\n`);
        expect(result).toMatchObject(expectedRun(`${engine}-experiment`, `${engine} artifact\n`));
        await expectRunInDatabase(db, 'mlflow', result, `${engine}-experiment`);
        // The schema the migration made is the one the server uses (it did not upgrade anything itself).
        expect(await db.query('SELECT version_num FROM alembic_version', 'mlflow')).toEqual([[revision]]);

        // No SQLite file anywhere: the server did not fall back to a local store.
        expect(walk(cluster.root).filter((path) => /\.db$|mlruns/.test(path)), 'no local backend store files').toEqual([]);
        // The artifact went to the server's volume (no defaultArtifactRoot).
        const claim = (podSpecOf(deployment).volumes ?? []).find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
        expect(claim, 'the server mounts a volume for its artifacts').toBeDefined();
        const artifact = walk(cluster.claimDir(claim ?? '')).filter((path) => path.includes(result.run_id) && path.endsWith('notes.txt'));
        expect(artifact).toHaveLength(1);
        expect(readFileSync(artifact[0] ?? '', 'utf8')).toBe(`${engine} artifact\n`);
        await running.proc.stop();
        assertNoSecretIn(running.proc.rawOutput(), SPECIAL_PASSWORD, 'the server output');
      }), TIMEOUT.test);

    it(`the seed's connections block with the password in values (the chart's own Secret) reaches ${label}`, (context) =>
      withSlot(async () => {
        const db = server(context);
        await db.createDatabase('mlflow_seed', 'seed_user', SEED_PASSWORD);
        const rendered = await render({
          database: engineValues(engine),
          mlflowBackend: {
            connections: { host: db.host, port: db.port, database: 'mlflow_seed', username: 'seed_user', password: SEED_PASSWORD },
          },
          extraArgs: { workers: 1 },
        });
        const deployment = deploymentOf(rendered.manifests);
        assertNoSecretIn(JSON.stringify(deployment), SEED_PASSWORD, 'the Deployment');
        expect(rendered.manifests.some((m) => m.kind === 'Secret'), 'the chart makes a Secret for the password').toBe(true);
        const cluster = clusterFor(context, rendered.manifests);

        // A first install: the server pod creates the schema of the empty database.
        const pod = cluster.pod(deployment);
        await pod.runInitContainers(TIMEOUT.job);
        const running = await startServer(pod);
        const result = await restTracking(running.port, 'seed-experiment');
        expect(result).toMatchObject({ ...expectedRun('seed-experiment', ''), artifacts: [] });
        await expectRunInDatabase(db, 'mlflow_seed', result, 'seed-experiment');
        await running.proc.stop();

        // An upgrade: the migration Job runs against the same database and finds nothing to do.
        const job = migrationJobOf(rendered.manifests);
        if (job) {
          const jobPod = cluster.pod(job);
          await jobPod.runInitContainers(TIMEOUT.job);
          const migrate = await jobPod.run(mainContainerOf(job), TIMEOUT.job);
          expect(migrate.exit.code, `the migration exited 0:\n${migrate.output}`).toBe(0);
        }
      }), TIMEOUT.test);

    it('a wrong password makes the migration Job fail loudly (the refused login in its output), without printing it', (context) =>
      withSlot(async () => {
        const db = server(context);
        await db.createDatabase('mlflow_wrong', 'wrong_user', SPECIAL_PASSWORD);
        const wrong = `${SPECIAL_PASSWORD}x`;
        const rendered = await render({
          database: engineValues(engine),
          mlflowBackend: {
            connections: { host: db.host, port: db.port, database: 'mlflow_wrong', username: 'wrong_user' },
            existingSecret: 'wrong-credentials',
          },
        });
        const cluster = clusterFor(context, rendered.manifests, { 'wrong-credentials': { password: wrong } });
        const job = migrationJobOf(rendered.manifests);
        expect(job, 'a Job that runs `mlflow db upgrade`').toBeDefined();
        const jobPod = cluster.pod(job as Manifest);
        await jobPod.runInitContainers(TIMEOUT.job);
        // MLflow retries a refused login with a growing backoff (about 100 s in all) before it exits non-zero;
        // the Job's pod says why from the first attempt on. Wait for that (or the exit), then stop it as the
        // Job's activeDeadlineSeconds would.
        const { proc } = jobPod.start(mainContainerOf(job as Manifest));
        const deadline = Date.now() + 60_000;
        while (proc.running() && !authFailure[engine].test(proc.output()) && Date.now() < deadline) await sleep(250);
        const exitedEarly = !proc.running();
        await proc.stop();
        expect(proc.output(), 'the migration says the login was refused').toMatch(authFailure[engine]);
        if (exitedEarly) expect(proc.exit?.code, 'the migration fails').not.toBe(0);
        expect(proc.output()).not.toMatch(/Running upgrade/);
        assertNoSecretIn(proc.rawOutput(), wrong, 'the failed migration output');
        expect(await db.query(`SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'alembic_version' AND table_${engine === 'postgres' ? 'catalog' : 'schema'} = 'mlflow_wrong'`)).toEqual([['0']]);
      }), TIMEOUT.test);

    it(`the Aurora flow: the create-database Job makes the database and user with the master credentials, then the server runs on it`, (context) =>
      withSlot(async () => {
        const db = server(context);
        await db.createMasterUser('master_admin', MASTER_PASSWORD);
        const rendered = await render({
          database: engineValues(engine, { create: { masterSecret: 'mlflow-master' } }),
          mlflowBackend: {
            connections: { db_host: db.host, db_port: db.port, db_name: 'mlflow_aurora', db_user: 'mlflow_app', db_master_user: 'master_admin' },
            existingSecret: 'mlflow-app-db',
          },
          extraArgs: { workers: 1 },
        });
        const cluster = clusterFor(context, rendered.manifests, { 'mlflow-app-db': { password: APP_PASSWORD }, 'mlflow-master': { 'master-password': MASTER_PASSWORD } });
        const job = createDatabaseJobOf(rendered.manifests);
        expect(job, 'a Job that runs create-database').toBeDefined();

        // Twice, in two pods: a retried Job must succeed again (the database and user already exist).
        for (const attempt of [1, 2]) {
          const jobPod = cluster.pod(job as Manifest);
          await jobPod.runInitContainers(TIMEOUT.job);
          const created = await jobPod.run(mainContainerOf(job as Manifest), TIMEOUT.job);
          expect(created.exit.code, `create-database attempt ${attempt} exited 0:\n${created.output}`).toBe(0);
          assertNoSecretIn(created.raw, MASTER_PASSWORD, 'the create-database output');
          assertNoSecretIn(created.raw, APP_PASSWORD, 'the create-database output');
        }
        if (engine === 'postgres') {
          expect(await db.query("SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mlflow_aurora'")).toEqual([['mlflow_aurora', 'mlflow_app']]);
        } else {
          expect(await db.query("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'mlflow_aurora'")).toEqual([['mlflow_aurora']]);
          expect(await db.query("SELECT user, host FROM mysql.user WHERE user = 'mlflow_app'")).toEqual([['mlflow_app', '%']]);
        }

        // The server pod: its init container waits until the new user can log in, then the server runs.
        const pod = cluster.pod(deploymentOf(rendered.manifests));
        await pod.runInitContainers(TIMEOUT.job);
        const running = await startServer(pod);
        const result = await restTracking(running.port, 'aurora-experiment');
        expect(result).toMatchObject({ ...expectedRun('aurora-experiment', ''), artifacts: [] });
        await expectRunInDatabase(db, 'mlflow_aurora', result, 'aurora-experiment');
        await running.proc.stop();
      }), TIMEOUT.test);
  });
}
