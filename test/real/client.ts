// The MLflow client side of the tests: the venv's python with the `mlflow` package, against 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from './env.js';
import { httpRequest, runProcess, tailOf } from './procs.js';

const scripts = fileURLToPath(new URL('./py/', import.meta.url));

export interface TrackingResult {
  experiment_id: string;
  experiment_name: string | null;
  artifact_location: string | null;
  run_id: string;
  status: string;
  artifact_uri: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  history: [number, number][];
  artifacts: string[];
  artifact_text: string;
}

async function runPython(script: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  const venv = python();
  const home = mkdtempSync(join(tmpdir(), 'mlflow-real-client-'));
  try {
    const result = await runProcess(`python ${script}`, venv.python, [join(scripts, script), ...args], {
      env: {
        PATH: `${venv.bin}:/usr/bin:/bin`,
        HOME: home,
        LANG: 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        // Fail fast instead of retrying for minutes when the server is wrong.
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
        MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
        NO_PROXY: '127.0.0.1,localhost',
        ...env,
      },
      cwd: home,
      timeoutMs,
    });
    if (result.exit.code !== 0) throw new Error(`python ${script} exited with ${result.exit.code ?? result.exit.signal}:\n${tailOf(result.raw)}`);
    return result.raw;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function lastJson<T>(output: string): T {
  const line = output.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`expected JSON on the last line, got:\n${tailOf(output)}`);
  }
}

/** Create an experiment, log a run with params, metrics and an artifact, and read them back. */
export async function exerciseTracking(port: number, experimentName: string, artifactText: string, login?: { username: string; password: string }, timeoutMs = 120_000): Promise<TrackingResult> {
  // A login travels as MLflow's client reads it: MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.
  const env: Record<string, string> = login ? { MLFLOW_TRACKING_USERNAME: login.username, MLFLOW_TRACKING_PASSWORD: login.password } : {};
  const output = await runPython('exercise_tracking.py', [`http://127.0.0.1:${port}`, experimentName, artifactText], timeoutMs, env);
  return lastJson<TrackingResult>(output);
}

/** Read back a run an earlier server logged (exerciseTracking's), through the server on `port`. */
export async function readRun(port: number, experimentName: string, runId: string, timeoutMs = 120_000): Promise<TrackingResult> {
  return lastJson<TrackingResult>(await runPython('read_run.py', [`http://127.0.0.1:${port}`, experimentName, runId], timeoutMs));
}

/** Rows of a query on a SQLite file, opened read-only. */
export async function sqliteQuery(file: string, sql: string): Promise<unknown[][]> {
  return lastJson<unknown[][]>(await runPython('sqlite_query.py', [file, sql], 60_000));
}

/** The assertions every backend shares on what the client read back. */
export function expectedRun(experimentName: string, artifactText: string): Partial<TrackingResult> {
  return {
    experiment_name: experimentName,
    status: 'FINISHED',
    params: { alpha: '0.5', optimizer: 'adam' },
    metrics: { loss: 0.25 },
    history: [
      [0, 0.9],
      [1, 0.5],
      [2, 0.25],
    ],
    artifacts: ['docs/notes.txt'],
    artifact_text: artifactText,
  };
}

interface RestRun {
  run: { info: { run_id: string; status: string; artifact_uri: string }; data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] } };
}

async function rest<T>(port: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await httpRequest(port, `/api/2.0/mlflow/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    timeoutMs: 30_000,
  });
  if (response.status !== 200) throw new Error(`${method} ${path}: HTTP ${response.status}: ${tailOf(response.body, 10)}`);
  return JSON.parse(response.body) as T;
}

/** The same run as exerciseTracking (without the artifact) through the REST API: quicker than a Python client. */
export async function restTracking(port: number, experimentName: string): Promise<TrackingResult> {
  const { experiment_id } = await rest<{ experiment_id: string }>(port, 'POST', 'experiments/create', { name: experimentName });
  const created = await rest<RestRun>(port, 'POST', 'runs/create', { experiment_id, start_time: Date.now(), run_name: 'real-server-test' });
  const runId = created.run.info.run_id;
  const now = Date.now();
  await rest(port, 'POST', 'runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'alpha', value: '0.5' },
      { key: 'optimizer', value: 'adam' },
    ],
    metrics: [0.9, 0.5, 0.25].map((value, step) => ({ key: 'loss', value, step, timestamp: now + step })),
  });
  await rest(port, 'POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  const fetched = await rest<RestRun>(port, 'GET', `runs/get?run_id=${runId}`);
  const history = await rest<{ metrics?: { step: number; value: number }[] }>(port, 'GET', `metrics/get-history?run_id=${runId}&metric_key=loss`);
  const experiment = await rest<{ experiment: { name: string; artifact_location: string } }>(port, 'GET', `experiments/get?experiment_id=${experiment_id}`);
  return {
    experiment_id,
    experiment_name: experiment.experiment.name,
    artifact_location: experiment.experiment.artifact_location,
    run_id: runId,
    status: fetched.run.info.status,
    artifact_uri: fetched.run.info.artifact_uri,
    params: Object.fromEntries((fetched.run.data.params ?? []).map((p) => [p.key, p.value])),
    metrics: Object.fromEntries((fetched.run.data.metrics ?? []).map((m) => [m.key, m.value])),
    history: (history.metrics ?? []).map((m): [number, number] => [m.step, m.value]).sort((a, b) => a[0] - b[0]),
    artifacts: [],
    artifact_text: '',
  };
}
