#!/usr/bin/env node
// Wall time of `mlflow-install --version` and `--help` against a bare `node -e 0`, spawn to exit: the median of
// many interleaved runs of each (after warm-up runs), so a busy machine slows all three alike. Run after `npm run build`:
//   node bench/version-help.mjs [runs]
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 41);
const warmUps = 3;
const cli = join(root, 'bin', 'mlflow-install.js');

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('bench/version-help.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
// A help text older than dist/cli.js (tsc run alone) sends --help through the whole CLI: that would be measured instead.
if (!existsSync(join(root, 'dist', 'help.txt')) || statSync(join(root, 'dist', 'help.txt')).mtimeMs < statSync(join(root, 'dist', 'cli.js')).mtimeMs) {
  console.error('bench/version-help.mjs: dist/help.txt is missing or older than dist/cli.js; run `npm run build` first');
  process.exit(2);
}

/** Milliseconds from spawn until the process exits (its output read and dropped); rejects on a non-zero exit. */
function timeToExit(args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const elapsed = performance.now() - start;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'mlflow-install --version', args: [cli, '--version'] },
  { name: 'mlflow-install --help', args: [cli, '--help'] },
];
const times = cases.map(() => []);
for (let run = -warmUps; run < runs; run += 1) {
  for (const [index, { args }] of cases.entries()) {
    const elapsed = await timeToExit(args);
    if (run >= 0) times[index].push(elapsed);
  }
}
const medians = times.map(median);
const bare = medians[0];
console.log(`node ${process.version}, ${runs} interleaved runs each (after ${warmUps} warm-up runs), spawn to exit, medians in ms`);
for (const [index, { name }] of cases.entries()) {
  const ratio = index === 0 ? '' : `  ${(medians[index] / bare).toFixed(2)}x`;
  console.log(`${name.padEnd(26)} ${medians[index].toFixed(1).padStart(7)}${ratio}`);
}
