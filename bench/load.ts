// What the chart's containers use, measured on the real MLflow server of test/real (the chart's rendered
// commands as local processes, the test venv's MLflow 3.16.1, real PostgreSQL 15 and MariaDB), with the chart's
// default workers and the installer's login (auth.enabled): the short-lived commands (migrations, the
// create-database Job, the database wait, the helm test) once each; the server starting, idle, under the load of
// bench/load-client.py (the real MlflowClient) and after it. Run by bench/load.mjs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../test/helpers/render.js';
import { createDatabaseJobOf, deploymentOf, mainContainerOf, migrationJobOf, render } from '../test/real/chart.js';
import { startMariadb, startPostgres, type DatabaseServer } from '../test/real/databases.js';
import { python, unavailable } from '../test/real/env.js';
import { LocalCluster, type LocalPod, type Prepared } from '../test/real/pod.js';
import { freePort, httpRequest, registerSecret, tailOf, waitForHttp, type Proc } from '../test/real/procs.js';
import { serverContainerName } from '../test/real/server.js';
import { describeGroup, Sampler, type Usage } from './load-sampler.js';

export type Backend = 'file' | 'postgres' | 'mariadb';
export const backends: readonly Backend[] = ['file', 'postgres', 'mariadb'];

export interface LoadOptions {
  clients: number;
  metricsPerClient: number;
  /** Metric points per request: 1 is log_metric (a request each), more is log_batch. */
  metricsPerRequest: number;
  artifactBytes: number;
  idleSeconds: number;
  auth: boolean;
  /** extraArgs.workers of the chart; undefined keeps the chart's default (MLflow's: 4). */
  workers: number | undefined;
  /** extraArgs.uvicorn-opts of the chart (e.g. --timeout-worker-healthcheck=30); undefined: none. */
  uvicornOpts: string | undefined;
  /** extraEnv of the chart: the server container's extra environment. */
  extraEnv: Record<string, string>;
  log: (line: string) => void;
}

export interface CommandRun extends Usage {
  /** Kind/name:container of the chart's render. */
  container: string;
  what: string;
}

export interface HttpFigures {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  artifactP95Ms: number;
  /** The server's CPU milliseconds per request: what the load costs, whatever share of the cores it got. */
  cpuMsPerRequest: number;
}

export interface BackendFigures {
  backend: Backend;
  database: string;
  auth: boolean;
  workers: number | undefined;
  uvicornOpts: string | undefined;
  extraEnv: Record<string, string>;
  serverArgs: string[];
  /** The server's processes when idle: RSS and command. */
  processes: { pid: number; rssMiB: number; command: string }[];
  commands: CommandRun[];
  startup: Usage;
  idle: Usage;
  load: Usage & HttpFigures;
  /** The load generator's own CPU (it shares the machine's cores with the server). */
  clientCores: number;
  after: Usage;
}

// Fixed, not secret: the bench's throwaway databases and server live in temporary folders for minutes.
// Made fresh for each run: no credential is written in the source.
const fresh = (): string => randomBytes(18).toString('base64url');
const DB_PASSWORD = fresh();
const MASTER_PASSWORD = fresh();
const ADMIN_PASSWORD = fresh();
const FLASK_KEY = fresh();
const AUTH_SECRET = 'mlflow-bench-auth';
const TIMEOUT_MS = 600_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 0): number => Number(value.toFixed(digits));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function engineOf(backend: Backend): Record<string, string> {
  return backend === 'postgres' ? { postgres: 'postgresql' } : { mysql: 'mysql+pymysql' };
}

function valuesFor(backend: Backend, db: DatabaseServer | undefined, options: LoadOptions): Record<string, unknown> {
  const server = {
    ...(options.auth ? { auth: { enabled: true, existingSecret: AUTH_SECRET } } : {}),
    ...(options.workers !== undefined || options.uvicornOpts !== undefined
      ? { extraArgs: { ...(options.workers !== undefined ? { workers: options.workers } : {}), ...(options.uvicornOpts !== undefined ? { 'uvicorn-opts': options.uvicornOpts } : {}) } }
      : {}),
    ...(Object.keys(options.extraEnv).length > 0 ? { extraEnv: options.extraEnv } : {}),
  };
  if (backend === 'file' || !db) return server;
  return {
    ...server,
    database: { enabled: true, engine: engineOf(backend) },
    mlflowBackend: { connections: { host: db.host, port: db.port, database: 'mlflow', username: 'mlflow' }, existingSecret: 'mlflow-bench-db' },
  };
}

const secrets = {
  [AUTH_SECRET]: { 'admin-password': ADMIN_PASSWORD, 'flask-secret-key': FLASK_KEY },
  'mlflow-bench-db': { password: DB_PASSWORD },
  'mlflow-bench-master': { 'master-password': MASTER_PASSWORD },
};

/** Runs a container to completion while sampling its process group. */
async function measuredRun(pod: LocalPod, container: string, what: string, rewrite: Record<string, string> = {}): Promise<CommandRun> {
  const { proc, prepared } = pod.start(container, { rewrite });
  const sampler = new Sampler(proc.pid, prepared.mounts['/tmp']);
  const exit = await proc.wait(TIMEOUT_MS);
  const usage = sampler.stop();
  if (exit.code !== 0) throw new Error(`${pod.name} container ${container} (${what}) exited with ${exit.code ?? exit.signal}:\n${proc.describe()}`);
  return { container: `${pod.workload.kind}/${pod.workload.metadata.name}:${container}`, what, ...usage };
}

/** The init containers (the database wait) and the main container of a Job, each measured. */
async function measuredJob(cluster: LocalCluster, job: Manifest, what: string): Promise<CommandRun[]> {
  const pod = cluster.pod(job);
  const runs: CommandRun[] = [];
  for (const init of pod.spec.initContainers ?? []) runs.push(await measuredRun(pod, init.name, `${what}: ${init.name}`));
  runs.push(await measuredRun(pod, mainContainerOf(job), what));
  return runs;
}

/** The create-database Job of the Aurora flow (master credentials make the database and its user), once. */
async function measureCreateDatabase(backend: Backend, db: DatabaseServer): Promise<CommandRun[]> {
  await db.createMasterUser('bench_master', MASTER_PASSWORD);
  const rendered = await render({
    database: { enabled: true, engine: engineOf(backend), create: { masterSecret: 'mlflow-bench-master' } },
    mlflowBackend: {
      connections: { db_host: db.host, db_port: db.port, db_name: 'mlflow_created', db_user: 'mlflow_created', db_master_user: 'bench_master' },
      existingSecret: 'mlflow-bench-db',
    },
  });
  const cluster = new LocalCluster(rendered.manifests, { secrets });
  try {
    const job = createDatabaseJobOf(rendered.manifests);
    if (!job) throw new Error('the Aurora-flow render has no create-database Job');
    const pod = cluster.pod(job);
    return [await measuredRun(pod, mainContainerOf(job), 'create-database Job')];
  } finally {
    await cluster.cleanup();
  }
}

interface ClientResult {
  seconds: number;
  /** Method, `artifact` or the tracking endpoint's path, milliseconds, HTTP status (0: no answer). */
  timings: [string, string, number, number][];
  problems: string[];
}

/** Starts the load client, waits until it is ready (mlflow imported), and returns how to go and to await it. */
async function startClient(port: number, experimentId: string, options: LoadOptions): Promise<{ pid: number; go: () => Promise<{ done: Promise<void>; result: Promise<ClientResult> }>; kill: () => void }> {
  const venv = python();
  const home = mkdtempSync(join(tmpdir(), 'mlflow-bench-client-'));
  const script = fileURLToPath(new URL('./load-client.py', import.meta.url));
  const login: Record<string, string> = options.auth ? { MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: ADMIN_PASSWORD } : {};
  const child = spawn(
    venv.python,
    [script, `http://127.0.0.1:${port}`, experimentId, String(options.clients), String(options.metricsPerClient), String(options.metricsPerRequest), String(options.artifactBytes)],
    {
      detached: true,
      cwd: home,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: `${venv.bin}:/usr/bin:/bin`,
        HOME: home,
        TMPDIR: home,
        LANG: 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        NO_PROXY: '127.0.0.1,localhost',
        // MLflow's client telemetry would fetch its config from the internet, which the bench does not reach.
        MLFLOW_DISABLE_TELEMETRY: 'true',
        // A refused or failed request is an error of the bench, never retried behind its back.
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
        MLFLOW_HTTP_REQUEST_TIMEOUT: '300',
        // One pooled connection per client thread, as 20 separate training jobs would each hold one.
        MLFLOW_HTTP_POOL_MAXSIZE: String(options.clients),
        MLFLOW_HTTP_POOL_CONNECTIONS: String(options.clients),
        ...login,
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  const lines = createInterface({ input: child.stdout });
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let last = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  lines.on('line', (line) => {
    last = line;
    const index = waiters.findIndex((w) => w.match(line));
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(line);
  });
  const lineOrExit = (match: (line: string) => boolean, what: string): Promise<string> =>
    Promise.race([
      new Promise<string>((resolve) => waiters.push({ match, resolve })),
      exited.then((code): never => {
        throw new Error(`the load client exited with ${code} before ${what}:\n${tailOf(stderr)}`);
      }),
    ]);
  const cleanup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
  await lineOrExit((line) => line === 'ready', 'it was ready');
  return {
    pid: child.pid ?? 0,
    kill: cleanup,
    go: async () => {
      const done = lineOrExit((line) => line === 'done', 'the load was done').then(() => undefined);
      child.stdin.end('go\n');
      const result = done.then(async () => {
        await exited;
        return JSON.parse(last) as ClientResult;
      });
      // When `done` fails, that failure is the one reported; `result` is then never awaited.
      result.catch(() => undefined);
      return { done, result };
    },
  };
}

function httpFigures(result: ClientResult, cpuSeconds: number): HttpFigures {
  const latencies = result.timings.map(([, , ms]) => ms);
  return {
    requests: result.timings.length,
    errors: result.timings.filter(([, , , status]) => status < 200 || status >= 300).length,
    seconds: round(result.seconds, 1),
    requestsPerSecond: round(result.timings.length / result.seconds, 1),
    p50Ms: round(percentile(latencies, 50), 1),
    p95Ms: round(percentile(latencies, 95), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    artifactP95Ms: round(percentile(result.timings.filter(([, kind]) => kind === 'artifact').map(([, , ms]) => ms), 95), 1),
    cpuMsPerRequest: round((cpuSeconds * 1000) / Math.max(1, result.timings.length), 1),
  };
}

/** The load's experiment. A worker that is still starting may drop the connection: retried for a minute. */
async function createExperiment(port: number, name: string, options: LoadOptions): Promise<string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.auth) headers.Authorization = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const created = await httpRequest(port, '/api/2.0/mlflow/experiments/create', { method: 'POST', body: JSON.stringify({ name }), headers, timeoutMs: 60_000 });
      if (created.status !== 200) throw new Error(`experiments/create: HTTP ${created.status}: ${created.body.slice(0, 300)}`);
      return (JSON.parse(created.body) as { experiment_id: string }).experiment_id;
    } catch (error) {
      const dropped = (error as NodeJS.ErrnoException).code === 'ECONNRESET';
      if (!dropped || Date.now() > deadline) throw error;
      options.log(`experiments/create: the connection was dropped (a worker starting?); again in 2 s`);
      await sleep(2_000);
    }
  }
}

export async function measureBackend(backend: Backend, options: LoadOptions): Promise<BackendFigures> {
  for (const secret of [DB_PASSWORD, MASTER_PASSWORD, ADMIN_PASSWORD, FLASK_KEY]) registerSecret(secret);
  const db = backend === 'postgres' ? await startPostgres() : backend === 'mariadb' ? await startMariadb() : undefined;
  const database = db ? `${backend} ${db.version}` : 'SQLite on the volume';
  options.log(`${backend}: ${database}${db ? ` on 127.0.0.1:${db.port}` : ''}`);
  let cluster: LocalCluster | undefined;
  try {
    if (db) await db.createDatabase('mlflow', 'mlflow', DB_PASSWORD);
    const rendered = await render(valuesFor(backend, db, options), { withTests: true });
    cluster = new LocalCluster(rendered.manifests, { secrets });
    const commands: CommandRun[] = [];
    const migration = migrationJobOf(rendered.manifests);
    if (migration) commands.push(...(await measuredJob(cluster, migration, 'migrate Job (empty database)')));
    const pod = cluster.pod(deploymentOf(rendered.manifests));
    for (const init of pod.spec.initContainers ?? []) commands.push(await measuredRun(pod, init.name, `server init: ${init.name}`));
    if (db) commands.push(...(await measureCreateDatabase(backend, db)));
    for (const run of commands) options.log(`${backend}: ${run.what}: ${run.peakRssMiB} MiB peak RSS, ${run.peakCores} cores peak, ${run.seconds} s`);

    // The server: from its start to /health, then idle, then the load, then idle again.
    const port = await freePort();
    const { proc, prepared } = pod.start(serverContainerName(pod), { listenPort: port });
    const tmp = prepared.mounts['/tmp'];
    const startup = new Sampler(proc.pid, tmp);
    await waitForHttp(proc, port, '/health', TIMEOUT_MS);
    const startupUsage = startup.stop();
    const server = { proc, port, prepared };
    try {
      return await measureServer(backend, database, options, rendered.manifests, cluster, pod, server, startupUsage, commands);
    } catch (error) {
      // Why the server failed a request is in its own log (a worker killed by uvicorn's health check, say).
      const notable = proc.output().split('\n').filter((line) => /died|not ready|ERROR|Traceback|Killed/i.test(line)).slice(-20);
      throw new Error(`${(error as Error).message}\nthe server's log, what went wrong in it:\n${notable.join('\n') || '(nothing)'}\n${proc.describe()}`);
    }
  } finally {
    Sampler.stopAll();
    await cluster?.cleanup();
    await db?.stop();
  }
}

async function measureServer(
  backend: Backend,
  database: string,
  options: LoadOptions,
  manifests: Manifest[],
  cluster: LocalCluster,
  pod: LocalPod,
  server: { proc: Proc; port: number; prepared: Prepared },
  startupUsage: Usage,
  commands: CommandRun[],
): Promise<BackendFigures> {
  const tmp = server.prepared.mounts['/tmp'];
  options.log(`${backend}: /health answered after ${startupUsage.seconds} s: ${startupUsage.peakRssMiB} MiB RSS peak, ${startupUsage.peakSecondCores} cores peak over 1 s, ${startupUsage.maxProcesses} processes`);
  const serverArgs = server.prepared.args.filter((arg) => arg.startsWith('--') && !arg.includes('secret'));

  const idleSampler = new Sampler(server.proc.pid, tmp);
  await sleep(options.idleSeconds * 1000);
  const idle = idleSampler.stop();
  const processes = describeGroup(server.proc.pid);
  for (const row of processes) options.log(`${backend}:   pid ${row.pid} ${row.rssMiB} MiB ${row.command}`);
  options.log(`${backend}: idle ${idle.seconds} s: ${idle.peakRssMiB} MiB RSS (${idle.peakPssMiB} PSS), ${idle.meanCores} cores mean, load average ${idle.loadAverage.join(' -> ')}`);

  const experimentId = await createExperiment(server.port, `load-${backend}-${Date.now()}`, options);
  const client = await startClient(server.port, experimentId, options);
  try {
    const clientSampler = new Sampler(client.pid);
    const loadSampler = new Sampler(server.proc.pid, tmp);
    const { done, result } = await client.go();
    await done;
    const loadUsage = loadSampler.stop();
    const clientUsage = clientSampler.stop();
    const afterSampler = new Sampler(server.proc.pid, tmp);
    const outcome = await result;
    if (outcome.problems.length > 0) throw new Error(`${backend}: the load failed: ${outcome.problems.slice(0, 5).join('; ')}`);
    const load = { ...loadUsage, ...httpFigures(outcome, loadUsage.cpuSeconds) };
    if (load.errors > 0) {
      // Reported, not fatal: the client tried again (as MLflow's own retries would) and every run is complete.
      const failed = outcome.timings.filter(([, , , status]) => status < 200 || status >= 300).slice(0, 3);
      options.log(`${backend}: ${load.errors} requests failed and were tried again, e.g. ${failed.map(([method, kind, ms, status]) => `${method} ${kind}: ${status === 0 ? 'connection dropped' : `HTTP ${status}`} after ${round(ms)} ms`).join('; ')}`);
      const notable = server.proc.output().split('\n').filter((line) => /died|not ready|ERROR|Traceback/i.test(line)).slice(-5);
      if (notable.length > 0) options.log(`${backend}: the server's log: ${notable.join(' | ')}`);
    }
    options.log(
      `${backend}: load: ${load.requests} requests in ${load.seconds} s (${load.requestsPerSecond}/s), p50 ${load.p50Ms} ms, p95 ${load.p95Ms} ms, ${load.cpuMsPerRequest} CPU ms/request; ${load.peakRssMiB} MiB RSS peak (${load.peakPssMiB} PSS), ${load.peakSecondCores} cores peak over 1 s, ${load.meanCores} mean; /tmp ${load.peakTmpMiB} MiB, /dev/shm ${load.peakShmMiB} MiB; load average ${load.loadAverage.join(' -> ')}`,
    );
    await sleep(10_000);
    const after = afterSampler.stop();
    options.log(`${backend}: after the load: ${after.lastRssMiB} MiB RSS, ${after.meanCores} cores mean`);

    const testPodManifest = manifests.find((m) => m.kind === 'Pod' && m.metadata.annotations?.['helm.sh/hook'] === 'test');
    if (!testPodManifest) throw new Error('the render has no helm test pod');
    const serviceUrl = /http:\/\/[a-z0-9.-]+:\d+/.exec(JSON.stringify(testPodManifest.spec))?.[0];
    if (!serviceUrl) throw new Error('the helm test pod names no http://service:port to rewrite');
    const testPod = cluster.pod(testPodManifest);
    commands.push(await measuredRun(testPod, mainContainerOf(testPodManifest), 'helm test', { [serviceUrl]: `http://127.0.0.1:${server.port}` }));
    return { backend, database, auth: options.auth, workers: options.workers, uvicornOpts: options.uvicornOpts, extraEnv: options.extraEnv, serverArgs, processes, commands, startup: startupUsage, idle, load, clientCores: clientUsage.meanCores, after };
  } finally {
    client.kill();
  }
}

/** Why a backend cannot be measured here, or undefined. */
export function backendUnavailable(backend: Backend): string | undefined {
  return unavailable('python', ...(backend === 'file' ? [] : [backend]));
}
