// The login (auth.enabled: `mlflow server --app-name basic-auth`) on the real MLflow server, started with the
// chart's rendered command, for SQLite on the volume, PostgreSQL and MariaDB. One test per backend reuses its
// servers across the assertions: anonymous, wrong and right logins; a READ user; /health and /metrics; a
// second server process on the same database and secret key; a restart with another configured password.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Manifest } from '../helpers/render.js';
import { deploymentOf, helmUnavailable, mainContainerOf, migrationJobOf, render } from './chart.js';
import { exerciseTracking, expectedRun, sqliteQuery } from './client.js';
import { startMariadb, startPostgres, type DatabaseServer } from './databases.js';
import { requireParts, unavailable, type Part } from './env.js';
import { LocalCluster, type LocalPod } from './pod.js';
import { httpRequest, registerSecret, stopAll, type HttpResponse } from './procs.js';
import { startServer, type RunningServer } from './server.js';
import { withSlot } from './slots.js';

type Backend = 'sqlite' | 'postgres' | 'mariadb';

/** The characters that break a URI, an ini (configparser's `%` interpolation) or a Basic header (`:`), plus letters. */
const ADMIN_PASSWORD = 'p@ss:w/rd%#?&=AdminLetters';
const LATER_PASSWORD = 'another-configured-password-42';
const DB_PASSWORD = `db p@ss:w/rd%#?&='"\\x`;
const READER_PASSWORD = 'reader-password-%41:x';
const AUTH_SECRET = 'mlflow-auth';
const ingressHost = 'mlflow.example.com';
const searchPath = '/api/2.0/mlflow/experiments/search?max_results=5';

const basic = (username: string, password: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpRequest(port, path, { headers, timeoutMs: 30_000 });
}

function post(port: number, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpRequest(port, path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers }, timeoutMs: 30_000 });
}

function assertNoSecretIn(text: string, secret: string, where: string): void {
  const found = [secret, encodeURIComponent(secret)].some((form) => text.includes(form));
  expect(found, `a secret appears in ${where}`).toBe(false);
}

function authValues(backend: Backend, db: DatabaseServer | undefined): Record<string, unknown> {
  const common = {
    auth: { enabled: true, existingSecret: AUTH_SECRET, defaultPermission: 'READ' },
    prometheus: { expose: true },
    ingress: { enabled: true, hosts: [{ host: ingressHost, paths: [] }], tls: [{ hosts: [ingressHost], secretName: 'tls' }] },
    extraArgs: { workers: 1 },
  };
  if (backend === 'sqlite' || !db) return common;
  return {
    ...common,
    database: { enabled: true, engine: backend === 'postgres' ? { postgres: 'postgresql' } : { mysql: 'mysql+pymysql' } },
    mlflowBackend: { connections: { host: db.host, port: db.port, database: 'mlflow_auth', username: 'mlflow_auth' }, existingSecret: 'mlflow-db' },
  };
}

async function startPod(pod: LocalPod): Promise<RunningServer> {
  await pod.runInitContainers(180_000);
  return startServer(pod, 180_000);
}

function authSuite(backend: Backend): void {
  const label = { sqlite: 'SQLite on the volume', postgres: 'PostgreSQL', mariadb: 'MariaDB' }[backend];
  const parts: Part[] = backend === 'sqlite' ? ['python'] : ['python', backend];
  const usersOnVolume = backend !== 'postgres';

  describe(`the login with ${label}, real MLflow server`, () => {
    let db: DatabaseServer | undefined;

    beforeAll(async () => {
      if (backend === 'sqlite' || unavailable(...parts) !== undefined || helmUnavailable() !== undefined) return;
      db = backend === 'postgres' ? await startPostgres() : await startMariadb();
    }, 120_000);

    afterAll(async () => {
      await db?.stop();
    }, 60_000);

    function needs(context: TestContext): void {
      requireParts(context, ...parts);
      const noHelm = helmUnavailable();
      if (noHelm) context.skip(noHelm);
      if (backend !== 'sqlite' && !db) throw new Error(`${label} did not start (see beforeAll)`);
    }

    it('refuses anonymous and wrong logins, serves the admin and a READ user as granted, keeps /health open; a second process and a restart with another password serve the same users', (context) =>
      withSlot(async () => {
        needs(context);
        const flaskKey = randomBytes(24).toString('hex');
        registerSecret(flaskKey);
        registerSecret(ADMIN_PASSWORD);
        registerSecret(LATER_PASSWORD);
        registerSecret(READER_PASSWORD);
        if (db) await db.createDatabase('mlflow_auth', 'mlflow_auth', DB_PASSWORD);

        const rendered = await render(authValues(backend, db), { withTests: true });
        for (const secret of [ADMIN_PASSWORD, flaskKey, DB_PASSWORD]) assertNoSecretIn(rendered.text, secret, 'the rendered manifests');
        const cluster = new LocalCluster(rendered.manifests, {
          secrets: { [AUTH_SECRET]: { 'admin-password': ADMIN_PASSWORD, 'flask-secret-key': flaskKey }, 'mlflow-db': { password: DB_PASSWORD } },
        });
        context.onTestFinished(() => cluster.cleanup());
        const deployment = deploymentOf(rendered.manifests);

        // A database made before by the migrate Job (tracking schema, then the users' own alembic history).
        if (db) {
          const job = migrationJobOf(rendered.manifests) as Manifest;
          expect(job, 'a Job that runs the upgrades').toBeDefined();
          const jobPod = cluster.pod(job);
          await jobPod.runInitContainers(180_000);
          const migrate = await jobPod.run(mainContainerOf(job), 180_000);
          expect(migrate.exit.code, `the migrations exited 0:\n${migrate.output}`).toBe(0);
          assertNoSecretIn(migrate.raw, DB_PASSWORD, 'the migration output');
          const [[tracking]] = (await db.query('SELECT version_num FROM alembic_version', 'mlflow_auth')) as [[string]];
          expect(tracking).toMatch(/^[0-9a-f]{6,}$/);
          if (usersOnVolume) {
            // MariaDB: MLflow's user migrations fail there (two foreign keys named fk_user_id), so the users live on the volume.
            expect(migrate.output).not.toMatch(/upgrading the login's user database/);
            expect(await db.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'mlflow_auth' AND table_name = 'alembic_version_auth'")).toEqual([['0']]);
          } else {
            // PostgreSQL: the same database holds both histories, alembic_version (tracking) and alembic_version_auth (users).
            expect(migrate.output).toMatch(/upgrading the login's user database/);
            const [[users]] = (await db.query('SELECT version_num FROM alembic_version_auth', 'mlflow_auth')) as [[string]];
            expect(users).toMatch(/^[0-9a-f]{6,}$/);
          }
        }

        const first = cluster.pod(deployment);
        const server = await startPod(first);
        const port = server.port;

        // The ini the launcher wrote: in the pod's /tmp, owner-only, `%` doubled, without the admin password.
        const ini = join(server.prepared.mounts['/tmp'] ?? '', 'basic_auth.ini');
        expect(statSync(ini).mode & 0o777).toBe(0o600);
        const iniText = readFileSync(ini, 'utf8');
        assertNoSecretIn(iniText, ADMIN_PASSWORD, 'the auth ini');
        expect(iniText).toMatch(/^default_permission = READ$/m);
        expect(iniText).toMatch(/^admin_username = admin$/m);
        expect(iniText).toMatch(/^auth_cache_ttl_seconds = 30$/m);
        if (usersOnVolume) {
          const claim = Object.entries(server.prepared.mounts).find(([path]) => path === '/mlflow')?.[1] ?? '';
          expect(iniText).toContain(`database_uri = sqlite:///${claim}/basic_auth.db`);
          const [[users]] = (await sqliteQuery(join(claim, 'basic_auth.db'), 'SELECT version_num FROM alembic_version_auth')) as [[string]];
          expect(users, 'the user database on the volume is migrated').toMatch(/^[0-9a-f]{6,}$/);
        } else {
          expect(iniText).toMatch(/^database_uri = .*%%40/m);
        }

        // Anonymous: 401 with a Basic challenge; /health open; /metrics closed.
        const anonymous = await get(port, searchPath);
        expect(anonymous.status).toBe(401);
        expect(String(anonymous.headers['www-authenticate'])).toMatch(/^Basic /);
        expect((await get(port, '/health')).status).toBe(200);
        expect((await get(port, '/metrics')).status).toBe(401);
        expect((await get(port, searchPath, basic('admin', `${ADMIN_PASSWORD}x`))).status).toBe(401);

        // The admin, through the real MlflowClient (MLFLOW_TRACKING_USERNAME / _PASSWORD).
        const admin = { username: 'admin', password: ADMIN_PASSWORD };
        const result = await exerciseTracking(port, `auth-${backend}`, 'logged in\n', admin, 300_000);
        expect(result).toMatchObject(expectedRun(`auth-${backend}`, 'logged in\n'));
        const metrics = await get(port, '/metrics', basic(admin.username, admin.password));
        expect(metrics.status).toBe(200);
        expect(metrics.body).toMatch(/^mlflow_http_request_total/m);

        // A user the admin creates gets defaultPermission READ: may read the admin's run, may not write to it.
        const created = await post(port, '/api/2.0/mlflow/users/create', { username: 'reader', password: READER_PASSWORD }, basic(admin.username, admin.password));
        expect(created.status, created.body).toBe(200);
        const reader = basic('reader', READER_PASSWORD);
        expect((await get(port, `/api/2.0/mlflow/runs/get?run_id=${result.run_id}`, reader)).status).toBe(200);
        const write = await post(port, '/api/2.0/mlflow/runs/log-parameter', { run_id: result.run_id, key: 'by-reader', value: '1' }, reader);
        expect(write.status).toBe(403);

        // Pages of the ingress host may change data; other sites' may not; the UI may not be framed elsewhere.
        const fromIngress = await post(port, '/api/2.0/mlflow/experiments/create', { name: `from-ui-${backend}` }, { ...basic(admin.username, admin.password), Origin: `https://${ingressHost}` });
        expect(fromIngress.status, fromIngress.body).toBe(200);
        const fromElsewhere = await post(port, '/api/2.0/mlflow/experiments/create', { name: `from-elsewhere-${backend}` }, { ...basic(admin.username, admin.password), Origin: 'https://evil.example.net' });
        expect(fromElsewhere.status).toBe(403);
        expect(fromElsewhere.body).toMatch(/Cross-origin request blocked/);
        expect(anonymous.headers['x-frame-options']).toBe('SAMEORIGIN');

        // The helm test pod against this server: /health 200 and an anonymous 401.
        const testPodManifest = rendered.manifests.find((m) => m.kind === 'Pod' && m.metadata.annotations?.['helm.sh/hook'] === 'test') as Manifest;
        const testPod = cluster.pod(testPodManifest);
        const helmTest = await testPod.run(mainContainerOf(testPodManifest), 60_000, { rewrite: { 'http://mlflow:5000': `http://127.0.0.1:${port}` } });
        expect(helmTest.exit.code, `the helm test passed:\n${helmTest.output}`).toBe(0);
        expect(helmTest.output).toMatch(/anonymous request got 401 Basic/);

        // A second server process on the same database and secret key serves the same users.
        const second = await startPod(cluster.pod(deployment));
        expect((await get(second.port, searchPath, reader)).status).toBe(200);
        expect((await get(second.port, `/api/2.0/mlflow/runs/get?run_id=${result.run_id}`, basic(admin.username, admin.password))).status).toBe(200);
        await second.proc.stop();
        await server.proc.stop();
        for (const output of [server.proc.rawOutput(), second.proc.rawOutput()]) {
          for (const secret of [ADMIN_PASSWORD, flaskKey, DB_PASSWORD, READER_PASSWORD]) assertNoSecretIn(output, secret, 'the server output');
        }

        // A restart with another configured password keeps the first admin: the Secret is read only to create it.
        cluster.addSecret(AUTH_SECRET, { 'admin-password': LATER_PASSWORD, 'flask-secret-key': flaskKey });
        const restarted = await startPod(cluster.pod(deployment));
        expect((await get(restarted.port, searchPath, basic('admin', ADMIN_PASSWORD))).status).toBe(200);
        expect((await get(restarted.port, searchPath, basic('admin', LATER_PASSWORD))).status).toBe(401);
        expect((await get(restarted.port, searchPath, reader)).status).toBe(200);
        await restarted.proc.stop();
      }), 900_000);
  });
}

describe.concurrent('the chart login on a real MLflow server', () => {
  authSuite('sqlite');
  authSuite('postgres');
  authSuite('mariadb');
});

afterAll(stopAll);
