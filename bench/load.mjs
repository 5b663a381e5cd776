#!/usr/bin/env node
// The real MLflow server of test/real (the chart's rendered commands as local processes, MLflow 3.16.1) idle and
// under load, for the file backend, PostgreSQL and MariaDB, with the chart's default workers and the installer's
// login: memory and CPU of every container kind, requests per second and latency, the pod's /tmp. The figures
// behind the chart's default resources (README, "Measured load"). bench/load.ts does the work; vite's module
// runner loads it here because it builds on test/real's TypeScript helpers. Takes minutes: not in `npm run bench`.
// Run after `node scripts/test-setup.mjs`:
//   node bench/load.mjs [--backends file,postgres,mariadb] [--repeat 1] [--clients 20] [--metrics 200]
//                       [--per-request 1] [--artifact-mib 1] [--idle 30] [--no-auth] [--workers N]
//                       [--uvicorn-opts OPTS] [--extra-env NAME=VALUE]... [--json FILE]
import { writeFileSync, renameSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage =
  'usage: node bench/load.mjs [--backends file,postgres,mariadb] [--repeat N] [--clients N] [--metrics N] [--per-request N] [--artifact-mib N] [--idle SECONDS] [--no-auth] [--workers N] [--uvicorn-opts OPTS] [--extra-env NAME=VALUE]... [--json FILE]';
const fail = (message) => {
  console.error(`bench/load.mjs: ${message}\n${usage}`);
  process.exit(2);
};

let parsed;
try {
  parsed = parseArgs({
    options: {
      backends: { type: 'string', default: 'file,postgres,mariadb' },
      repeat: { type: 'string', default: '1' },
      clients: { type: 'string', default: '20' },
      metrics: { type: 'string', default: '200' },
      'per-request': { type: 'string', default: '1' },
      'artifact-mib': { type: 'string', default: '1' },
      idle: { type: 'string', default: '30' },
      'no-auth': { type: 'boolean', default: false },
      workers: { type: 'string' },
      'uvicorn-opts': { type: 'string' },
      'extra-env': { type: 'string', multiple: true, default: [] },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (error) {
  fail(error.message.split('\n')[0]);
}
if (parsed.help) {
  console.log(usage);
  process.exit(0);
}
const positive = (name, max) => {
  const text = parsed[name];
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) fail(`--${name} ${text}: a whole number from 1 to ${max}`);
  return value;
};
const known = ['file', 'postgres', 'mariadb'];
const chosen = parsed.backends.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
const unknown = chosen.filter((name) => !known.includes(name));
if (chosen.length === 0 || unknown.length > 0) fail(`--backends ${parsed.backends}: a comma-separated list of ${known.join(', ')}`);
const extraEnv = {};
for (const pair of parsed['extra-env']) {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
  if (!match) fail(`--extra-env ${pair}: NAME=VALUE, NAME a shell variable name`);
  extraEnv[match[1]] = match[2];
}
const options = {
  clients: positive('clients', 200),
  metricsPerClient: positive('metrics', 100_000),
  metricsPerRequest: positive('per-request', 1000),
  artifactBytes: positive('artifact-mib', 1024) * 1024 * 1024,
  idleSeconds: positive('idle', 3600),
  auth: !parsed['no-auth'],
  workers: parsed.workers === undefined ? undefined : positive('workers', 64),
  uvicornOpts: parsed['uvicorn-opts'],
  extraEnv,
  log: (line) => process.stderr.write(`bench/load: ${line}\n`),
};
const repeat = positive('repeat', 10);

const root = fileURLToPath(new URL('..', import.meta.url));
const { runnerImport } = await import('vite');
const load = async (path) => (await runnerImport(`${root}${path}`, { root, configFile: false, logLevel: 'error' })).module;
const bench = await load('bench/load.ts');
const { stopAll } = await load('test/real/procs.ts');

const average = () => loadavg().map((n) => n.toFixed(2)).join(' ');
options.log(
  `${options.clients} clients x (a run, ${options.metricsPerClient} metrics ${options.metricsPerRequest === 1 ? 'one request each' : `${options.metricsPerRequest} a request`}, one ${options.artifactBytes / 1024 / 1024} MiB artifact); login ${options.auth ? 'on' : 'off'}; workers ${options.workers ?? "the chart's default"}; uvicorn-opts ${options.uvicornOpts ?? 'none'}; extra env ${JSON.stringify(extraEnv)}; ${cpus().length} cores; load average ${average()}`,
);
const figures = [];
const failures = [];
// Written after each backend (atomically: a temporary file, then renamed), so a long run's figures so far can be read.
const saveJson = () => {
  if (!parsed.json) return;
  const temp = `${parsed.json}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify({ options: { ...options, log: undefined, repeat }, failures, figures }, null, 2)}\n`);
  renameSync(temp, parsed.json);
};
try {
  for (let round = 1; round <= repeat; round++) {
    for (const backend of chosen) {
      const missing = bench.backendUnavailable(backend);
      if (missing) {
        options.log(`${backend}: skipped: ${missing}`);
        continue;
      }
      try {
        figures.push({ round, ...(await bench.measureBackend(backend, options)) });
      } catch (error) {
        // One backend failing leaves the others' figures standing; the exit code says it failed.
        failures.push(`${backend} (round ${round}): ${error.message}`);
        options.log(`${backend}: FAILED: ${error.message}`);
      }
      saveJson();
    }
  }
} finally {
  await stopAll();
}
options.log(`load average after: ${average()}`);

const la = (usage) => usage.loadAverage.join('→');
console.log('Server (the `mlflow` container, its whole process tree):\n');
console.log('| backend | round | idle RSS (PSS) | idle CPU | start peak RSS / CPU 1 s | load peak RSS (PSS) | load CPU peak 1 s / mean | req/s | p50 / p95 / p99 | artifact PUT p95 | CPU ms / request | /tmp peak | /dev/shm peak | after RSS | load avg idle, load | client CPU |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const f of figures) {
  console.log(
    `| ${f.backend} | ${f.round} | ${f.idle.peakRssMiB} (${f.idle.peakPssMiB}) MiB | ${f.idle.meanCores} | ${f.startup.peakRssMiB} MiB / ${f.startup.peakSecondCores} (${f.startup.seconds} s) | ${f.load.peakRssMiB} (${f.load.peakPssMiB}) MiB | ${f.load.peakSecondCores} / ${f.load.meanCores} | ${f.load.requestsPerSecond} (${f.load.requests} in ${f.load.seconds} s${f.load.errors > 0 ? `, ${f.load.errors} dropped and retried` : ''}) | ${f.load.p50Ms} / ${f.load.p95Ms} / ${f.load.p99Ms} ms | ${f.load.artifactP95Ms} ms | ${f.load.cpuMsPerRequest} | ${f.load.peakTmpMiB} MiB | ${f.load.peakShmMiB} MiB | ${f.after.lastRssMiB} MiB | ${la(f.idle)}, ${la(f.load)} | ${f.clientCores} |`,
  );
}
console.log('\nShort-lived commands (peak RSS summed over the process tree, CPU peak over 1 s and over 150 ms):\n');
console.log('| backend | round | command | container | peak RSS (PSS) | CPU peak 1 s / 150 ms | mean CPU | seconds | load avg |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const f of figures) {
  for (const c of f.commands) {
    console.log(`| ${f.backend} | ${f.round} | ${c.what} | ${c.container} | ${c.peakRssMiB} (${c.peakPssMiB}) MiB | ${c.peakSecondCores} / ${c.peakCores} | ${c.meanCores} | ${c.seconds} | ${la(c)} |`);
  }
}
if (figures[0]) console.log(`\nServer arguments: ${figures[0].serverArgs.join(' ')}`);
if (failures.length > 0) {
  console.error(`bench/load.mjs: ${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
