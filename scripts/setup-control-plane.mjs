// Builds the real Kubernetes control plane the cluster tests run against, from the Go module proxy only:
// kube-apiserver, kube-controller-manager and kube-scheduler of k8s.io/kubernetes, etcd, and kwok/kwokctl
// (which simulate nodes and pods around them). Each wrapper module in scripts/control-plane/ pins its
// versions in go.mod and every module's hash in go.sum.
//
// The binaries go into a cache outside the clone, keyed by what they are built from, so that a fresh
// clone on the same machine reuses them: ${XDG_CACHE_HOME:-~/.cache}/mlflow-install/control-plane/.
// A cold build takes about a quarter of an hour on 2 cores (kube-apiserver is most of it); a warm one a
// few stat calls. The outcome goes to .cache/control-plane.json, which test/helpers/kwok.ts reads.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modulesDir = join(root, 'scripts', 'control-plane');
export const statusFile = join(root, '.cache', 'control-plane.json');

export const kubernetesVersion = 'v1.34.4';
const [, kubeMajor, kubeMinor] = /^v(\d+)\.(\d+)\./.exec(kubernetesVersion);

/** What is built: each part from its wrapper module, each binary from a package path. */
const parts = [
  {
    name: 'kubernetes',
    version: kubernetesVersion,
    binaries: { 'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver', 'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager', 'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler' },
    // helm compares the server's version with a chart's kubeVersion: without these it reads v0.0.0.
    ldflags: Object.entries({ gitVersion: kubernetesVersion, gitMajor: kubeMajor, gitMinor: kubeMinor, gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z' })
      .map(([name, value]) => `-X k8s.io/component-base/version.${name}=${value}`),
    minutes: 14,
  },
  { name: 'etcd', version: 'v3.6.16', binaries: { etcd: 'go.etcd.io/etcd/server/v3' }, ldflags: [], minutes: 2 },
  { name: 'kwok', version: 'v0.7.0', binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok', kwokctl: 'sigs.k8s.io/kwok/cmd/kwokctl' }, ldflags: [], minutes: 2 },
];

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME && process.env.XDG_CACHE_HOME !== '' ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'mlflow-install', 'control-plane');
}

/** The folder of a part: its version and a hash of its wrapper module, so a changed pin builds anew. */
function partDir(part) {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(modulesDir, part.name, file)));
  return join(cacheRoot(), `${part.name}-${part.version}-${hash.digest('hex').slice(0, 12)}`);
}

function goVersion() {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** kwok's own Stage definitions (node and pod lifecycles), which the tests' cluster config starts from. */
function copyKwokStages(work) {
  const listed = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], { cwd: join(modulesDir, 'kwok'), encoding: 'utf8' });
  const moduleDir = listed.stdout?.trim();
  if (listed.status !== 0 || !moduleDir) throw new Error(`go list -m sigs.k8s.io/kwok failed: ${listed.stderr}`);
  cpSync(join(moduleDir, 'kustomize', 'stage'), join(work, 'stages'), { recursive: true });
}

function buildPart(part, dir, log) {
  const work = `${dir}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  log(`${part.name} ${part.version}: building ${Object.keys(part.binaries).join(', ')} with go (about ${part.minutes} min on 2 cores the first time)`);
  const names = Object.keys(part.binaries);
  // One package is written to the file named; several to the folder (a /v3 package would be named "server").
  const output = names.length === 1 ? join(work, names[0]) : `${work}/`;
  const args = ['build', '-trimpath', '-o', output, ...(part.ldflags.length > 0 ? ['-ldflags', part.ldflags.join(' ')] : []), ...Object.values(part.binaries)];
  const result = spawnSync('go', args, {
    cwd: join(modulesDir, part.name),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    const said = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
    throw new Error(`go ${args.slice(0, 3).join(' ')} ... in scripts/control-plane/${part.name} failed (${result.error?.message ?? `exit ${result.status}`}):\n${said}`);
  }
  if (part.name === 'kwok') copyKwokStages(work);
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  log(`${part.name} ${part.version}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds what is missing; returns the path of every binary, or why there are none. */
export function setupControlPlane({ log }) {
  const started = Date.now();
  let status;
  if (process.platform !== 'linux') {
    status = { ok: false, reason: `the control plane's binaries are built for linux, and this is ${process.platform}` };
  } else if (goVersion() === undefined) {
    status = { ok: false, reason: 'no `go` on PATH to build the control plane from the Go module proxy (install Go 1.24 or newer)' };
  } else {
    const binaries = {};
    const versions = {};
    let stages;
    for (const part of parts) {
      const dir = partDir(part);
      const present = [...Object.keys(part.binaries), ...(part.name === 'kwok' ? ['stages'] : [])].every((name) => existsSync(join(dir, name)));
      if (present) log(`${part.name} ${part.version}: cached in ${dir}`);
      else buildPart(part, dir, log);
      for (const name of Object.keys(part.binaries)) binaries[name] = join(dir, name);
      versions[part.name] = part.version;
      if (part.name === 'kwok') stages = join(dir, 'stages');
    }
    status = { ok: true, versions, binaries, stages, go: goVersion() };
  }
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
  if (status.ok) log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${Object.entries(status.versions).map(([name, v]) => `${name} ${v}`).join(', ')})`);
  else log(`not available, the cluster tests will be skipped with this reason: ${status.reason}`);
  return status;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setupControlPlane({ log: (line) => process.stdout.write(`control-plane: ${line}\n`) });
}
