#!/usr/bin/env node
// The install pipeline's wall time against its critical path, on the real control plane (kwok nodes), with every
// helm and kubectl command the installer starts held back a fixed delay D before it runs (a wrapper first on PATH). The critical path is the longest chain of commands that must run one after
// the other: the cluster read (all at once), the longest preflight check (the checks run at once), then the
// steps in order. With D large against the commands' own work, wall / (chain x D) near 1 means nothing that
// could run at once runs in turn. Also: (wall(D) - wall(0)) / (chain x D), the delays alone.
// Run after `npm run build` and `node scripts/test-setup.mjs`:
//   node bench/pipeline.mjs [runs] [delayMs]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKwokCluster } from '../scripts/load-test-cluster.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const delayMs = Number(process.argv[3] ?? 500);
const cli = join(root, 'bin', 'mlflow-install.js');

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('bench/pipeline.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

// The chain for `--yes --preset local` on a cluster without the namespace, as the pipeline is built:
const chain = [
  'the cluster read (release history and values, saved answers, namespace, kube-system UID, CRD; with it the versions)',
  'preflight: every check at once, each one command deep (every `can-i` in one access review, the chart rendered)',
  'kubectl create -f - (the labelled namespace)',
  'helm upgrade --install',
  'kubectl rollout status',
  'kubectl wait pod --for=condition=Ready',
  'helm test',
  'kubectl apply (the saved answers)',
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Calls that start together (within half a delay of the wave's first) form one wave; the diagnosis watch is left out. */
function waves(calls, delay) {
  const watch = (call) => call.tool === 'kubectl' && call.argv[0] === 'get' && ['pods', 'persistentvolumeclaims', 'events'].includes(call.argv[1]);
  const starts = calls.filter((call) => !watch(call)).map((call) => call.time).sort((a, b) => a - b);
  let count = 0;
  let waveStart = -Infinity;
  for (const start of starts) {
    if (start - waveStart >= delay / 2) {
      count += 1;
      waveStart = start;
    }
  }
  return count;
}

/** Wrappers of the real helm and kubectl that log each start, wait D, then run it. */
function delayingTools(dir, major, delay) {
  const log = join(dir, 'calls.log');
  mkdirSync(dir, { recursive: true });
  for (const tool of ['helm', 'kubectl']) {
    const real = join(root, '.cache', 'tools', `helm-v${major}`, tool);
    writeFileSync(join(dir, tool), `#!/bin/bash\nprintf '%s %s %s %s\\n' "$(date +%s%3N)" ${tool} "$1" "$2" >> ${JSON.stringify(log)}\nsleep ${delay / 1000}\nexec ${JSON.stringify(real)} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  writeFileSync(log, '');
  return log;
}

function callsIn(log) {
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [time, tool, ...argv] = line.split(' ');
    return { time: Number(time), tool, argv };
  });
}

let sequence = 0;
function installOnce(cluster, major, delay) {
  const namespace = `bench-${major}-${delay}-${sequence++}`;
  const cwd = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  try {
    const log = delayingTools(join(cwd, 'bin'), major, delay);
    const env = cluster.env(major);
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, '--yes', '--preset', 'local', '--namespace', namespace, '--timeout', '120s'], {
      cwd,
      env: { ...env, PATH: `${join(cwd, 'bin')}:${env.PATH}`, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`the install failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    const calls = callsIn(log);
    return { ms, waves: waves(calls, delay), calls: calls.length };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const { KwokCluster, controlPlane } = await loadKwokCluster();
if (!controlPlane().ok) {
  console.error(`bench/pipeline.mjs: ${controlPlane().reason}; run \`node scripts/test-setup.mjs\` first`);
  process.exit(2);
}
const majors = [3, 4].filter((major) => existsSync(join(root, '.cache', 'tools', `helm-v${major}`, 'helm')));
if (majors.length === 0) {
  console.error('bench/pipeline.mjs: no helm in .cache/tools; run `node scripts/test-setup.mjs` first');
  process.exit(2);
}
const cluster = await KwokCluster.create({ volumes: 2 * majors.length * (2 * runs + 1) + 2 });

const critical = chain.length * delayMs;
console.log(`node ${process.version}; every helm and kubectl command waits D = ${delayMs} ms before it runs; ${runs} interleaved runs each, medians`);
console.log(`critical path: ${chain.length} commands in a chain x D = ${critical} ms`);
for (const step of chain) console.log(`  - ${step}`);
console.log('');
console.log('helm  wall(D) ms  wall(0) ms  waves seen  wall(D) / path  (wall(D) - wall(0)) / path');
for (const major of majors) {
  const withDelay = [];
  const without = [];
  let seen = 0;
  installOnce(cluster, major, 0);
  for (let run = 0; run < runs; run += 1) {
    const delayed = installOnce(cluster, major, delayMs);
    withDelay.push(delayed.ms);
    seen = delayed.waves;
    without.push(installOnce(cluster, major, 0).ms);
  }
  const [wall, base] = [median(withDelay), median(without)];
  console.log(
    `v${major}    ${wall.toFixed(0).padStart(10)}  ${base.toFixed(0).padStart(10)}  ${String(seen).padStart(10)}  ${(wall / critical).toFixed(2).padStart(14)}  ${((wall - base) / critical).toFixed(2).padStart(26)}`,
  );
}
await cluster.delete();
