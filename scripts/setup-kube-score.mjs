// Builds kube-score (github.com/zegl/kube-score), which test/chart/kube-score.test.ts runs on the chart's rendered
// manifests, from the Go module proxy: scripts/kube-score/go.mod pins its version and go.sum every module's hash.
//
// The binary goes into a cache outside the clone, keyed by the version and a hash of the wrapper module, as the
// control plane's do: ${XDG_CACHE_HOME:-~/.cache}/mlflow-install/kube-score/. A cold build takes about three
// minutes on 2 cores; a warm one a stat call. The outcome goes to .cache/kube-score.json, which the test reads.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot as controlPlaneCache } from './setup-control-plane.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = join(root, 'scripts', 'kube-score');
export const statusFile = join(root, '.cache', 'kube-score.json');
export const kubeScoreVersion = 'v1.20.0';
const kubeScorePackage = 'github.com/zegl/kube-score/cmd/kube-score';

function binaryPath() {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
  return join(dirname(controlPlaneCache()), 'kube-score', `kube-score-${kubeScoreVersion}-${hash.digest('hex').slice(0, 12)}`, 'kube-score');
}

function build(binary, log) {
  const work = `${binary}.building-${process.pid}`;
  mkdirSync(dirname(binary), { recursive: true });
  log(`kube-score ${kubeScoreVersion}: building with go (about 3 min on 2 cores the first time)`);
  const started = Date.now();
  const args = ['build', '-trimpath', '-o', work, '-ldflags', `-X main.version=${kubeScoreVersion}`, kubeScorePackage];
  const result = spawnSync('go', args, {
    cwd: moduleDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) {
    rmSync(work, { force: true });
    const said = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
    throw new Error(`go build ${kubeScorePackage} in scripts/kube-score failed (${result.error?.message ?? `exit ${result.status}`}):\n${said}`);
  }
  renameSync(work, binary);
  log(`kube-score ${kubeScoreVersion}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds kube-score when it is not cached; returns its path, or why there is none. */
export function setupKubeScore({ log }) {
  let status;
  if (spawnSync('go', ['version'], { encoding: 'utf8' }).status !== 0) {
    status = { ok: false, reason: 'no `go` on PATH to build kube-score from the Go module proxy (install Go 1.24 or newer)' };
  } else {
    const binary = binaryPath();
    if (existsSync(binary)) log(`kube-score ${kubeScoreVersion}: cached in ${dirname(binary)}`);
    else build(binary, log);
    status = { ok: true, version: kubeScoreVersion, binary };
  }
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
  if (!status.ok) log(`kube-score not available, its test will be skipped with this reason: ${status.reason}`);
  return status;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setupKubeScore({ log: (line) => process.stdout.write(`kube-score: ${line}\n`) });
}
