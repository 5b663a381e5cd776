#!/usr/bin/env node
// The install pipeline's wall time against its critical path, on the simulated cluster, with every simulated
// command taking a fixed delay D. The critical path is the longest chain of commands that must run one after
// the other: the cluster read (all at once), the longest preflight check (the checks run at once), then the
// steps in order. With D large against the commands' own work, wall / (chain x D) near 1 means nothing that
// could run at once runs in turn. Also: (wall(D) - wall(0)) / (chain x D), the delays alone.
// Run after `npm run build` and `node scripts/test-setup.mjs`:
//   node bench/pipeline.mjs [runs] [delayMs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const delayMs = Number(process.argv[3] ?? 500);
const cli = join(root, 'bin', 'mlflow-install.js');

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('bench/pipeline.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

/** The simulated cluster's helper is TypeScript: strip its types into .cache/ and load it. */
async function loadSimCluster() {
  const { default: ts } = await import('typescript');
  const out = join(root, '.cache', 'bench-pipeline');
  mkdirSync(out, { recursive: true });
  for (const name of ['tools', 'sim-cluster']) {
    const source = readFileSync(join(root, 'test', 'helpers', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(out, `${name}.js`), outputText);
  }
  return (await import(pathToFileURL(join(out, 'sim-cluster.js')).href)).SimCluster;
}

// The chain for `--yes --preset local` on a cluster without the namespace, as the pipeline is built:
const chain = [
  'the cluster read (release history and values, saved answers, namespace, kube-system UID, CRD: at once)',
  'preflight: every check at once, each one command deep (the namespace lookup and every `auth can-i` together)',
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
  const starts = calls.filter((call) => !watch(call)).map((call) => Date.parse(call.time)).sort((a, b) => a - b);
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

function installOnce(SimCluster, major, delay) {
  const sim = SimCluster.create({ helmMajor: major, faults: delay > 0 ? { delayMs: delay } : {} });
  const cwd = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  try {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, '--yes', '--preset', 'local', '--timeout', '120s'], {
      cwd,
      env: { ...sim.env(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`the install failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    return { ms, waves: waves(sim.calls(), delay), calls: sim.calls().length };
  } finally {
    sim.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  }
}

const SimCluster = await loadSimCluster();
const majors = [3, 4].filter((major) => existsSync(join(root, '.cache', 'tools', `helm-v${major}`, 'helm')));
if (majors.length === 0) {
  console.error('bench/pipeline.mjs: no helm in .cache/tools; run `node scripts/test-setup.mjs` first');
  process.exit(2);
}

const critical = chain.length * delayMs;
console.log(`node ${process.version}; every simulated command waits D = ${delayMs} ms; ${runs} interleaved runs each, medians`);
console.log(`critical path: ${chain.length} commands in a chain x D = ${critical} ms`);
for (const step of chain) console.log(`  - ${step}`);
console.log('');
console.log('helm  wall(D) ms  wall(0) ms  waves seen  wall(D) / path  (wall(D) - wall(0)) / path');
for (const major of majors) {
  const withDelay = [];
  const without = [];
  let seen = 0;
  installOnce(SimCluster, major, 0);
  for (let run = 0; run < runs; run += 1) {
    const delayed = installOnce(SimCluster, major, delayMs);
    withDelay.push(delayed.ms);
    seen = delayed.waves;
    without.push(installOnce(SimCluster, major, 0).ms);
  }
  const [wall, base] = [median(withDelay), median(without)];
  console.log(
    `v${major}    ${wall.toFixed(0).padStart(10)}  ${base.toFixed(0).padStart(10)}  ${String(seen).padStart(10)}  ${(wall / critical).toFixed(2).padStart(14)}  ${((wall - base) / critical).toFixed(2).padStart(26)}`,
  );
}
