#!/usr/bin/env node
// What MLflow's login costs, on the real MLflow server of the test venv (node scripts/test-setup.mjs first):
// the server's start time (spawn to /health 200) and the first request's latency (experiments/search, with the
// admin's Basic login when on), then the median of the next ten: without the login, with it and MLflow's default
// (every request checks the password hash), and with it and the chart's credential cache (auth.credentialCacheSeconds
// = 30); interleaved, each run on a fresh SQLite store, one worker, as the chart runs it. Reported, not asserted.
//   node bench/login-cost.mjs [runs]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const mlflow = join(root, '.cache', 'real', 'venv', 'bin', 'mlflow');
// Made fresh for each run: no credential is written in the source.
const password = randomBytes(18).toString('base64url');
const flaskKey = randomBytes(32).toString('base64url');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function get(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path, headers: { Connection: 'close', ...headers }, agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function once(mode) {
  const login = mode !== 'open';
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-bench-login-'));
  const port = await freePort();
  const env = { PATH: `${join(root, '.cache', 'real', 'venv', 'bin')}:/usr/bin:/bin`, HOME: dir, LANG: 'C.UTF-8' };
  const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--backend-store-uri', `sqlite:///${dir}/mlflow.db`, '--workers', '1', '--x-frame-options', 'SAMEORIGIN'];
  if (login) {
    writeFileSync(join(dir, 'basic_auth.ini'), `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${dir}/basic_auth.db\nadmin_username = admin\nauthorization_function = mlflow.server.auth:authenticate_request_basic_auth\nauth_cache_ttl_seconds = ${mode === 'cached' ? 30 : 0}\n`);
    Object.assign(env, { MLFLOW_AUTH_CONFIG_PATH: join(dir, 'basic_auth.ini'), MLFLOW_AUTH_ADMIN_PASSWORD: password, MLFLOW_FLASK_SERVER_SECRET_KEY: flaskKey });
    args.push('--app-name', 'basic-auth');
  }
  const started = process.hrtime.bigint();
  const child = spawn(mlflow, args, { env, cwd: dir, detached: true, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited ${child.exitCode}`);
      const health = await get(port, '/health').catch(() => undefined);
      if (health?.status === 200) break;
      await sleep(50);
    }
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;
    const headers = login ? { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` } : {};
    const path = '/api/2.0/mlflow/experiments/search?max_results=1';
    const first = await get(port, path, headers);
    if (first.status !== 200) throw new Error(`the first request got ${first.status}`);
    const next = [];
    for (let i = 0; i < 10; i++) next.push((await get(port, path, headers)).ms);
    return { startMs, firstMs: first.ms, nextMs: median(next) };
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = { open: [], login: [], cached: [] };
for (let i = 0; i < runs; i++) {
  for (const mode of Object.keys(results)) results[mode].push(await once(mode));
}
for (const [mode, list] of Object.entries(results)) {
  const pick = (key) => median(list.map((r) => r[key])).toFixed(0);
  console.log(`${mode.padEnd(6)}: start to /health ${pick('startMs')} ms, first request ${pick('firstMs')} ms, next requests ${pick('nextMs')} ms (median of ${runs})`);
}
