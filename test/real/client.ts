// The MLflow client side of the tests: the venv's python with the `mlflow` package, against 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from './env.js';
import { runProcess, tailOf } from './procs.js';

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
export async function exerciseTracking(port: number, experimentName: string, artifactText: string): Promise<TrackingResult> {
  const output = await runPython('exercise_tracking.py', [`http://127.0.0.1:${port}`, experimentName, artifactText], 120_000);
  return lastJson<TrackingResult>(output);
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
