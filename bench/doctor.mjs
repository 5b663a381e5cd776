#!/usr/bin/env node
// On the real control plane: `mlflow-install doctor --json` on a healthy release (installed with --preset local),
// its wall time against its slowest single check (each check's durationMs, from the run's start). Goal: wall time
// <= slowest check + 20%. Reported, not asserted. Run after `npm run build` and `node scripts/test-setup.mjs`:
//   node bench/doctor.mjs [runs] [helm major]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKwokCluster } from '../scripts/load-test-cluster.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 7);
const major = Number(process.argv[3] ?? 4);
const cli = join(root, 'bin', 'mlflow-install.js');
const scratch = mkdtempSync(join(tmpdir(), 'bench-doctor-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { KwokCluster, controlPlane } = await loadKwokCluster();
if (!controlPlane().ok) {
  console.error(`bench/doctor.mjs: ${controlPlane().reason}`);
  process.exit(2);
}
const cluster = await KwokCluster.create({ volumes: 2 });
try {
  const env = { ...process.env, ...cluster.env(major), NO_COLOR: '1', CI: 'true' };
  const install = spawnSync(process.execPath, [cli, '--yes', '--preset', 'local', '--namespace', 'bench', '--values-file', join(scratch, 'v.yaml')], { env, encoding: 'utf8', cwd: scratch });
  if (install.status !== 0) throw new Error(`install failed:\n${install.stderr}\n${install.stdout}`);
  const walls = [];
  const slowest = [];
  const ownRuns = [];
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, 'doctor', '-n', 'bench', '--json'], { env, encoding: 'utf8', cwd: scratch });
    walls.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`doctor exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout);
    const top = report.checks.reduce((max, check) => (check.durationMs > max.durationMs ? check : max));
    slowest.push({ ms: top.durationMs, id: top.id });
    ownRuns.push(report.durationMs);
  }
  const wall = median(walls);
  const slow = median(slowest.map((entry) => entry.ms));
  const own = median(ownRuns);
  console.log(`doctor on a healthy release (helm ${major}, ${runs} runs, medians): wall ${wall.toFixed(0)} ms, slowest check ${slow} ms (${[...new Set(slowest.map((entry) => entry.id))].join(', ')}): ${(wall / slow).toFixed(2)}x (goal <= 1.20x)`);
  // The same split the other way: the checks' run from their first read to the report, and what the process adds (node, module loading, exit).
  console.log(`  the checks' run ${own} ms (${(own / slow).toFixed(2)}x the slowest check); the process around it ${(wall - own).toFixed(0)} ms`);
} finally {
  await cluster.delete();
}
