#!/usr/bin/env node
// On the real control plane (kube-apiserver, etcd, kwok): the wall time of `mlflow-install --yes --preset local`
// against the seed README's manual install of the same chart (kubectl create namespace, helm upgrade --install
// --atomic --wait, helm status, kubectl get pods), interleaved, each into a fresh namespace, medians as a ratio;
// and the time from a warm cache to a ready cluster. A cold build of the control plane is measured with
// BENCH_COLD=1 (a quarter of an hour on 2 cores: a fresh Go module and build cache in a temporary folder).
// Reported, not asserted. Run after `npm run build` and `node scripts/test-setup.mjs`:
//   node bench/cluster-install.mjs [runs] [helm major]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKwokCluster } from '../scripts/load-test-cluster.mjs';
import { median, timed as timedIn } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const major = Number(process.argv[3] ?? 4);
const cli = join(root, 'bin', 'mlflow-install.js');


const scratch = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
const timed = (command, args, env) => timedIn(command, args, env, scratch);

function coldBuild() {
  const cache = join(scratch, 'cold');
  const env = { ...process.env, XDG_CACHE_HOME: join(cache, 'xdg'), GOCACHE: join(cache, 'go-build'), GOMODCACHE: join(cache, 'go-mod') };
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'setup-control-plane.mjs')], { env, stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  spawnSync('chmod', ['-R', 'u+w', cache]);
  rmSync(cache, { recursive: true, force: true });
  if (result.status !== 0) throw new Error('the cold build failed');
  return seconds;
}

const { KwokCluster, controlPlane } = await loadKwokCluster();
if (!controlPlane().ok) {
  console.error(`bench/cluster-install.mjs: ${controlPlane().reason}`);
  process.exit(2);
}

const lines = [];
if (process.env.BENCH_COLD === '1') lines.push(`control plane from a clean cache (go modules and build cache too): ${coldBuild().toFixed(0)} s`);

const warmSetupStarted = Date.now();
spawnSync(process.execPath, [join(root, 'scripts', 'setup-control-plane.mjs')], { stdio: 'ignore' });
const warmSetup = Date.now() - warmSetupStarted;
const clusterStarted = Date.now();
const cluster = await KwokCluster.create({ volumes: 2 * runs + 2 });
const clusterReady = Date.now() - clusterStarted;
lines.push(`control plane from a warm cache: setup ${warmSetup} ms, then a ready cluster in ${(clusterReady / 1000).toFixed(1)} s`);

try {
  const env = { ...process.env, ...cluster.env(major), NO_COLOR: '1', CI: 'true' };
  const helm = join(cluster.env(major).PATH.split(':')[0], 'helm');
  const kubectl = join(cluster.env(major).PATH.split(':')[0], 'kubectl');
  const installer = [];
  const manual = [];
  for (let run = 0; run < runs; run += 1) {
    const ours = `bench-ours-${run}`;
    installer.push(timed(process.execPath, [cli, '--yes', '--preset', 'local', '--namespace', ours, '--values-file', join(scratch, `${ours}.yaml`)], env));
    const seed = `bench-seed-${run}`;
    manual.push(
      timed(kubectl, ['create', 'namespace', seed], env) +
        timed(helm, ['upgrade', '--install', 'mlflow', join(root, 'charts', 'mlflow'), '--namespace', seed, ...(major === 3 ? ['--atomic', '--wait'] : ['--rollback-on-failure', '--wait=watcher']), '--timeout', '300s'], env) +
        timed(helm, ['status', 'mlflow', '--namespace', seed], env) +
        timed(kubectl, ['get', 'pods', '--namespace', seed, '--field-selector=status.phase=Running'], env),
    );
  }
  const ratio = median(installer) / median(manual);
  lines.push(
    `helm ${major}, ${runs} runs each, interleaved:`,
    `  mlflow-install --yes --preset local: median ${median(installer).toFixed(0)} ms (${installer.map((ms) => ms.toFixed(0)).join(', ')})`,
    `  the seed's manual steps:            median ${median(manual).toFixed(0)} ms (${manual.map((ms) => ms.toFixed(0)).join(', ')})`,
    `  ratio: ${ratio.toFixed(2)}x (goal: at most 2x)`,
  );
} finally {
  await cluster.delete();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`bench/cluster-install.mjs\n${lines.map((line) => `  ${line}`).join('\n')}`);
