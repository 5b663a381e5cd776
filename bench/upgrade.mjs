#!/usr/bin/env node
// On the real control plane (kube-apiserver, etcd, kwok): the wall time of an MLflow upgrade through
// `mlflow-install --yes --set mlflow.version=3.16.1` against a plain `helm upgrade --wait` of the same change (the
// values the CLI writes for 3.16.1, with the same rollback flag), each from a release of 3.10.0 the CLI installed
// (PostgreSQL preset: the pre-upgrade migration Job runs in both), interleaved, medians as a ratio. Reported, not
// asserted. Run after `npm run build` and `node scripts/test-setup.mjs`:
//   node bench/upgrade.mjs [runs] [helm major]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKwokCluster } from '../scripts/load-test-cluster.mjs';
import { median, timed as timedIn } from './timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const major = Number(process.argv[3] ?? 4);
const cli = join(root, 'bin', 'mlflow-install.js');
const scratch = mkdtempSync(join(tmpdir(), 'bench-upgrade-'));
const timed = (command, args, env) => timedIn(command, args, env, scratch);


const { KwokCluster, controlPlane } = await loadKwokCluster();
if (!controlPlane().ok) {
  console.error(`bench/upgrade.mjs: ${controlPlane().reason}`);
  process.exit(2);
}
const cluster = await KwokCluster.create({ volumes: 2 * runs + 2 });
const lines = [];
try {
  // A new password each run: no credential-like literal in the source.
  const env = { ...process.env, ...cluster.env(major), NO_COLOR: '1', CI: 'true', MLFLOW_DB_PASSWORD: randomBytes(18).toString('base64url') };
  const helm = join(cluster.env(major).PATH.split(':')[0], 'helm');
  const answers = (namespace, version) => ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--namespace', namespace, '--set', `mlflow.version=${version}`, '--values-file', join(scratch, `${namespace}-${version}.yaml`)];
  const installer = [];
  const plain = [];
  for (let run = 0; run < runs; run += 1) {
    const ours = `bench-up-ours-${run}`;
    timed(process.execPath, [cli, ...answers(ours, '3.10.0')], env);
    installer.push(timed(process.execPath, [cli, ...answers(ours, '3.16.1')], env));
    const theirs = `bench-up-helm-${run}`;
    timed(process.execPath, [cli, ...answers(theirs, '3.10.0')], env);
    timed(process.execPath, [cli, ...answers(theirs, '3.16.1'), '--dry-run'], env);
    const rollback = major === 3 ? ['--atomic', '--wait'] : ['--rollback-on-failure', '--wait=watcher'];
    plain.push(timed(helm, ['upgrade', 'mlflow', join(root, 'charts', 'mlflow'), '--namespace', theirs, '--values', join(scratch, `${theirs}-3.16.1.yaml`), ...rollback, '--timeout', '300s'], env));
  }
  lines.push(
    `helm ${major}, ${runs} upgrades 3.10.0 -> 3.16.1 each, interleaved:`,
    `  mlflow-install --yes --set mlflow.version=3.16.1: median ${median(installer).toFixed(0)} ms (${installer.map((ms) => ms.toFixed(0)).join(', ')})`,
    `  helm upgrade --wait of the same values:         median ${median(plain).toFixed(0)} ms (${plain.map((ms) => ms.toFixed(0)).join(', ')})`,
    `  ratio: ${(median(installer) / median(plain)).toFixed(2)}x`,
  );
} finally {
  await cluster.delete();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`bench/upgrade.mjs\n${lines.map((line) => `  ${line}`).join('\n')}`);
