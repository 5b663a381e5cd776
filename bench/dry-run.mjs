#!/usr/bin/env node
// `mlflow-install --dry-run --yes` against a bare `helm template` of the same values, on this machine,
// in the same run: the median of several interleaved runs of each. Run after `npm run build`:
//   node bench/dry-run.mjs [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
const cli = join(root, 'bin', 'mlflow-install.js');
const chart = join(root, 'charts', 'mlflow');

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('bench/dry-run.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const scenarios = {
  local: ['--preset', 'local'],
  'aws-aurora': [
    '--preset', 'aws-aurora',
    '--set', 'backend.db.host=mlflow.cluster-abc123.eu-west-1.rds.amazonaws.com',
    '--set', 'ingress.host=mlflow.example.com',
    '--set', 'secrets.objects.password=mlflow/db-user#password',
    '--set', 'secrets.objects.masterPassword=rds!cluster-0a1b2c3d#password',
    '--set', 'artifacts.root=s3://example-mlflow-artifacts/mlflow',
    '--set', 'serviceAccount.annotations.eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/mlflow',
  ],
};

function timed(file, args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const helms = [3, 4]
  .map((major) => ({ major, helm: join(root, '.cache', 'tools', `helm-v${major}`, 'helm') }))
  .filter(({ helm }) => existsSync(helm));
if (helms.length === 0) {
  console.error('bench/dry-run.mjs: no helm in .cache/tools; run `node scripts/test-setup.mjs` first');
  process.exit(2);
}

console.log(`node ${process.version}, ${runs} interleaved runs each (after 2 warm-up runs), medians in ms`);
console.log('scenario     helm  dry-run --yes  helm template  ratio');
for (const [name, flags] of Object.entries(scenarios)) {
  for (const { major, helm } of helms) {
    const cwd = mkdtempSync(join(tmpdir(), 'bench-dry-run-'));
    const valuesFile = join(cwd, 'values.yaml');
    const dryRun = ['--dry-run', '--yes', '--helm', helm, '--values-file', valuesFile, ...flags];
    const template = ['template', 'mlflow', chart, '--namespace', 'mlflow', '--values', valuesFile];
    const wizard = [];
    const bare = [];
    try {
      for (let run = -2; run < runs; run += 1) {
        const a = timed(process.execPath, [cli, ...dryRun], cwd);
        const b = timed(helm, template, cwd);
        if (run >= 0) {
          wizard.push(a);
          bare.push(b);
        }
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    const [w, h] = [median(wizard), median(bare)];
    console.log(`${name.padEnd(12)} v${major}    ${w.toFixed(0).padStart(12)}  ${h.toFixed(0).padStart(13)}  ${(w / h).toFixed(2).padStart(5)}x`);
  }
}
