// An MLflow upgrade for real: a server of MLflow 3.5.0 (the chart's floor; its schema head is 25 migrations below
// 3.16.1's) logs a run through the real client, the backup command of the plan copies the database, then the chart's
// own migration of 3.16.1 (rendered from the chart) and its server: every run, metric and artifact reads back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { AnswersSchema } from '../../src/answers/schema.js';
import { backupProblem } from '../../src/plan/backup-check.js';
import { dumpPod, sqliteBackupScript } from '../../src/plan/backup.js';
import type { Manifest } from '../helpers/render.js';
import { deploymentOf, helmUnavailable, mainContainerOf, migrationJobOf, render } from './chart.js';
import { exerciseTracking, expectedRun, readRun, sqliteQuery } from './client.js';
import { startMariadb, startPostgres, type DatabaseServer } from './databases.js';
import { mariadbEnv, oldPython, postgresEnv, python, requireParts, unavailable, type Part } from './env.js';
import { LocalCluster, podSpecOf } from './pod.js';
import { freePort, startProcess, waitForHttp } from './procs.js';
import { serverContainerName, startServer } from './server.js';
import { withSlot } from './slots.js';

const oldHead = 'bf29a5ff90ea';
const newHead = 'b7e2c1a4d9f3';
const TIMEOUT = 300_000;

function skipUnlessReady(context: TestContext, ...parts: Part[]): void {
  requireParts(context, 'python', 'pythonOld', ...parts);
  const noHelm = helmUnavailable();
  if (noHelm) context.skip(noHelm);
}

/** The older MLflow's own server, as a person ran it before the chart's upgrade: the store URI from the environment. */
async function oldServer(storeUri: string, artifactsDir: string) {
  const old = oldPython();
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'mlflow-old-'));
  const proc = startProcess('mlflow 3.5.0 server', old.python, ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port), '--serve-artifacts', '--artifacts-destination', artifactsDir, '--workers', '1'], {
    env: { PATH: `${old.bin}:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8', MLFLOW_BACKEND_STORE_URI: storeUri },
  });
  await waitForHttp(proc, port, '/health', 180_000);
  return { port, stop: () => proc.stop() };
}

/** Logs the run with the old server, then stops it (the upgrade replaces it). */
async function logWithOldServer(storeUri: string, artifactsDir: string, name: string) {
  const server = await oldServer(storeUri, artifactsDir);
  try {
    const result = await exerciseTracking(server.port, name, `${name} artifact\n`);
    expect(result).toMatchObject(expectedRun(name, `${name} artifact\n`));
    return result;
  } finally {
    await server.stop();
  }
}

/** The server's --artifacts-destination as the chart starts it here (the volume's folder). */
function artifactsDestination(cluster: LocalCluster, deployment: Manifest): string {
  const pod = cluster.pod(deployment);
  const args = pod.prepare(serverContainerName(pod)).args;
  const given = args.find((arg) => arg.startsWith('--artifacts-destination='))?.slice('--artifacts-destination='.length);
  if (!given) throw new Error(`the server has no --artifacts-destination: ${args.join(' ')}`);
  return given;
}

async function readBackWithNewServer(cluster: LocalCluster, deployment: Manifest, name: string, runId: string) {
  const pod = cluster.pod(deployment);
  await pod.runInitContainers(180_000);
  const running = await startServer(pod);
  try {
    const read = await readRun(running.port, name, runId);
    expect(read).toMatchObject({ ...expectedRun(name, `${name} artifact\n`), run_id: runId });
  } finally {
    await running.proc.stop();
  }
}

/** A backup's script run as its container would (stdin: the newline kubectl forwards once attached), its output kept (bytes) in a file. */
function runBackup(command: string, args: string[], env: Record<string, string>, file: string): void {
  const result = spawnSync(command, args, { env: { LANG: 'C.UTF-8', ...env }, input: '\n', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  expect(result.status, `the backup exited 0: ${String(result.stderr)}`).toBe(0);
  writeFileSync(file, result.stdout);
}

/** The dump pod the plan runs for these answers: its script, and its environment with the Secret's value filled in. */
function planDumpPod(engine: 'postgres' | 'mysql', db: { host: string; port: number }, secretValue: string): { script: string; env: Record<string, string> } {
  const answers = AnswersSchema.parse({ backend: { type: engine, db: { host: db.host, port: db.port, name: 'mlflow_up', user: 'mlflow', sslMode: engine === 'postgres' ? 'disable' : undefined } } });
  const pod = dumpPod(answers);
  if (!pod) throw new Error(`no dump pod for ${engine}`);
  const env = Object.fromEntries(pod.env.map((entry) => [entry.name, 'value' in entry ? entry.value : secretValue]));
  return { script: pod.script, env };
}

describe('an MLflow upgrade, 3.5.0 -> the image\'s version, on real servers', () => {
  const work = mkdtempSync(join(tmpdir(), 'mlflow-upgrade-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('SQLite on the volume: the init container migrates the old file, the new server reads every run back, the backup holds them', (context) => withSlot(async () => {
    skipUnlessReady(context);
    const { manifests } = await render({});
    const cluster = new LocalCluster(manifests);
    context.onTestFinished(() => cluster.cleanup());
    const deployment = deploymentOf(manifests);
    const pod = cluster.pod(deployment);
    const storeUri = pod.prepare(serverContainerName(pod)).env.MLFLOW_BACKEND_STORE_URI ?? '';
    const dbFile = /^sqlite:\/\/\/(\/.+)$/.exec(storeUri)?.[1] ?? '';
    expect(dbFile).not.toBe('');

    const result = await logWithOldServer(storeUri, artifactsDestination(cluster, deployment), 'sqlite-upgrade');
    // The old server ran as this user; the chart's containers run as its non-root UID, as on a volume they own.
    expect(spawnSync('chmod', ['-R', 'a+rwX', dirname(dbFile)]).status).toBe(0);
    expect(await sqliteQuery(dbFile, 'SELECT version_num FROM alembic_version')).toEqual([[oldHead]]);

    // The plan's backup: SQLite's online backup of the databases the server container's environment names, as a tar on stdout.
    const tar = join(work, 'sqlite.tar');
    runBackup(python().python, ['-c', sqliteBackupScript], { PATH: `${python().bin}:/usr/bin:/bin`, MLFLOW_BACKEND_STORE_URI: storeUri }, tar);
    expect(backupProblem('sqlite-tar', tar)).toBeUndefined();
    const unpacked = mkdtempSync(join(work, 'sqlite-'));
    expect(spawnSync('tar', ['-xf', tar, '-C', unpacked]).status).toBe(0);
    expect(await sqliteQuery(join(unpacked, 'mlflow.db'), `SELECT status FROM runs WHERE run_uuid = '${result.run_id}'`)).toEqual([['FINISHED']]);

    await readBackWithNewServer(cluster, deployment, 'sqlite-upgrade', result.run_id);
    expect(await sqliteQuery(dbFile, 'SELECT version_num FROM alembic_version')).toEqual([[newHead]]);
  }), TIMEOUT);

  for (const engine of ['postgres', 'mariadb'] as const) {
    describe(`${engine === 'postgres' ? 'PostgreSQL' : 'MariaDB'}`, () => {
      let db: DatabaseServer | undefined;
      beforeAll(async () => {
        if (unavailable('python', 'pythonOld', engine) !== undefined || helmUnavailable() !== undefined) return;
        db = engine === 'postgres' ? await startPostgres() : await startMariadb();
      }, 120_000);
      afterAll(async () => {
        await db?.stop();
      }, 60_000);

      it('the migration Job of the chart upgrades the old schema, the new server reads every run back, the dump holds them', (context) => withSlot(async () => {
        skipUnlessReady(context, engine);
        if (!db) throw new Error(`${engine} did not start`);
        const password = `up-${engine}-pw`;
        await db.createDatabase('mlflow_up', 'mlflow', password);
        const rendered = await render({
          database: { enabled: true, engine: engine === 'postgres' ? { postgres: 'postgresql' } : { mysql: 'mysql+pymysql' } },
          mlflowBackend: { connections: { host: db.host, port: db.port, database: 'mlflow_up', username: 'mlflow' }, existingSecret: 'mlflow-db' },
          extraArgs: { workers: 1 },
        });
        const cluster = new LocalCluster(rendered.manifests, { secrets: { 'mlflow-db': { password } } });
        context.onTestFinished(() => cluster.cleanup());
        const deployment = deploymentOf(rendered.manifests);
        expect((podSpecOf(deployment).volumes ?? []).some((volume) => volume.persistentVolumeClaim)).toBe(true);

        const scheme = engine === 'postgres' ? 'postgresql' : 'mysql+pymysql';
        const name = `${engine}-upgrade`;
        const result = await logWithOldServer(`${scheme}://mlflow:${password}@127.0.0.1:${db.port}/mlflow_up`, artifactsDestination(cluster, deployment), name);
        expect(await db.query('SELECT version_num FROM alembic_version', 'mlflow_up')).toEqual([[oldHead]]);

        // The plan's dump pod: its script, with the environment it gets (the password from the Secret).
        const dump = join(work, `${engine}.sql`);
        const pod = planDumpPod(engine === 'postgres' ? 'postgres' : 'mysql', db, password);
        const tools = engine === 'postgres' ? postgresEnv().bin : dirname(mariadbEnv().client);
        runBackup('sh', ['-c', pod.script], { PATH: `${tools}:/usr/bin:/bin`, ...pod.env }, dump);
        expect(backupProblem(engine === 'postgres' ? 'postgres-sql' : 'mysql-sql', dump)).toBeUndefined();
        const text = readFileSync(dump, 'utf8');
        expect(text).toContain(result.run_id);
        expect(text).toContain(oldHead);
        expect(text).not.toContain(password);

        // The chart's migration hook Job of the image's version, then its server.
        const job = migrationJobOf(rendered.manifests) as Manifest;
        const jobPod = cluster.pod(job);
        await jobPod.runInitContainers(180_000);
        const migrate = await jobPod.run(mainContainerOf(job), 180_000);
        expect(migrate.exit.code, `the migration exited 0:\n${migrate.output}`).toBe(0);
        expect(await db.query('SELECT version_num FROM alembic_version', 'mlflow_up')).toEqual([[newHead]]);
        await readBackWithNewServer(cluster, deployment, name, result.run_id);
      }), TIMEOUT);
    });
  }
});
