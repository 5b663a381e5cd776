// Pod Security "restricted" on the real kube-apiserver (its built-in PodSecurity admission): every preset
// installs into a namespace that enforces it, the namespace the installer creates carries the labels, and the
// preflight warns, pod by pod, when an existing namespace's level refuses the release's pods.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { restrictedNamespaceLabels } from '../../src/answers/labels.js';
import { isPodReady } from '../../src/cluster/k8s.js';
import { ensureBuilt } from '../cli/cli.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { chartDir } from '../helpers/tools.js';
import { presetMinimums } from '../plan/preset-minimums.js';
import { install, majors, noCluster, podsOf, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const usesSecretsStore = new Set(['aws-aurora', 'gcp-cloudsql', 'azure']);
const restrictedOnly = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' };
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

function namespace(name: string, labels: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The Secret the Secrets Store CSI driver would sync from the provider (no driver runs here: it would call the cloud). */
function syncedSecret(namespaceName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'mlflow-mlflow-store', namespace: namespaceName, labels: { 'secrets-store.csi.k8s.io/managed': 'true' } },
    data: { password: Buffer.from('synced-from-the-provider').toString('base64'), 'master-password': Buffer.from('synced-master').toString('base64') },
  };
}

/** A copy of the chart whose containers may gain privileges: what "restricted" refuses, and nothing the answers can produce. */
function escalatingChart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mlflow-escalating-')), 'mlflow');
  cpSync(chartDir, dir, { recursive: true });
  const valuesFile = join(dir, 'values.yaml');
  const values = parse(readFileSync(valuesFile, 'utf8')) as { securityContext: Record<string, unknown> };
  values.securityContext.allowPrivilegeEscalation = true;
  writeFileSync(valuesFile, stringify(values));
  return dir;
}

function podSecurityLine(stdout: string): string | undefined {
  return stdout.split('\n').find((line) => line.includes('Pod Security:'))?.trim();
}

describe.skipIf(noCluster !== undefined)('Pod Security "restricted" on a real control plane, helm 3 and helm 4', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    beforeAll(async () => {
      const presetNamespaces = Object.keys(presetMinimums).flatMap((preset) => [
        namespace(`r-${preset}`, restrictedOnly),
        ...(usesSecretsStore.has(preset) ? [syncedSecret(`r-${preset}`)] : []),
      ]);
      cluster = await clusters.create({
        helmMajor: major,
        crds: ['secretproviderclasses.secrets-store.csi.x-k8s.io'],
        objects: [
          ...presetNamespaces,
          namespace('r-baseline', { 'pod-security.kubernetes.io/enforce': 'baseline' }),
          namespace('r-refuses', restrictedOnly),
          { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } },
        ],
      });
    }, 180_000);

    it('the namespaces really enforce: the API server refuses a pod that breaks "restricted"', async () => {
      const refused = await cluster.exec('kubectl', ['run', 'plain', '--image', 'busybox:1.36', '--restart', 'Never', '--dry-run=server', '--namespace', 'r-local']);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain('violates PodSecurity "restricted:latest"');
    }, 60_000);

    it.concurrent.each(Object.keys(presetMinimums))('--preset %s installs into an existing namespace that enforces "restricted", with no Pod Security warning', async (preset) => {
      const target = `r-${preset}`;
      const run = await install(cluster, ['--yes', '--timeout', '180s', '--namespace', target, '--preset', preset, ...(presetMinimums[preset] ?? []).flatMap((set) => ['--set', set])], {
        env: { MLFLOW_DB_PASSWORD: `pw-${preset}`, MLFLOW_DB_MASTER_PASSWORD: `pw-${preset}-master` },
        timeoutMs: 400_000,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(podSecurityLine(run.stdout)).toMatch(new RegExp(`^✔ Pod Security: namespace ${target} enforces "restricted": it admits all \\d+ of the release's pods \\(Deployment mlflow, .*Pod mlflow-test-health.*\\)$`));
      expect(run.stdout).not.toContain('Pod Security: warning');
      // The hook Jobs, the helm test pod and the database check pod were admitted too.
      expect(run.stdout).toContain('✔ The chart test passed: the server answers on /health');
      if (preset !== 'local' && !usesSecretsStore.has(preset)) expect(run.stdout).toMatch(/✔ database: \S+ answers from inside the cluster/);
      const pods = await podsOf(cluster, target, serverSelector);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) expect(isPodReady(pod)).toBe(true);
      // An existing namespace is left as it is.
      expect((await cluster.object('Namespace', undefined, target))?.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': target, ...restrictedOnly });
    }, 420_000);

    it.concurrent('a namespace the installer creates enforces, warns and audits at "restricted", and the release runs in it', async () => {
      const run = await install(cluster, ['--yes', '--timeout', '180s', '--namespace', 'r-created', '--preset', 'local'], { timeoutMs: 400_000 });
      expect(run.code, run.stderr).toBe(0);
      expect(podSecurityLine(run.stdout)).toBe(
        '✔ Pod Security: namespace r-created will be created enforcing "restricted" (pod-security.kubernetes.io/enforce, warn and audit), which the chart\'s pods satisfy',
      );
      expect(run.stdout).toContain('Created the namespace r-created');
      expect((await cluster.object('Namespace', undefined, 'r-created'))?.metadata.labels).toEqual({
        'kubernetes.io/metadata.name': 'r-created',
        'app.kubernetes.io/managed-by': 'mlflow-install',
        ...restrictedNamespaceLabels,
      });
      for (const pod of await podsOf(cluster, 'r-created', serverSelector)) expect(isPodReady(pod)).toBe(true);
    }, 420_000);

    it.concurrent('an existing namespace enforcing "baseline" that the pods satisfy: no warning', async () => {
      const run = await install(cluster, ['--yes', '--timeout', '180s', '--namespace', 'r-baseline', '--preset', 'local'], { timeoutMs: 400_000 });
      expect(run.code, run.stderr).toBe(0);
      expect(podSecurityLine(run.stdout)).toMatch(/^✔ Pod Security: namespace r-baseline enforces "baseline": it admits all \d+ of the release's pods/);
      expect(run.stdout).not.toContain('Warnings:');
    }, 420_000);

    it.concurrent('a chart whose pods "restricted" refuses (--chart, a modified copy): the warning names each pod and the reason, one line each', async () => {
      const run = await install(cluster, ['--yes', '--timeout', '30s', '--namespace', 'r-refuses', '--preset', 'local', '--chart', escalatingChart()], { timeoutMs: 400_000 });
      const lines = run.stdout.split('\n');
      const start = lines.findIndex((line) => line.startsWith('  ! Pod Security: '));
      expect(start, run.stdout).toBeGreaterThan(lines.indexOf('Warnings:'));
      const header = lines[start] ?? '';
      const count = Number(/it would refuse (\d+) of the release's (\d+) pods:$/.exec(header)?.[1]);
      expect(header).toMatch(/^ {2}! Pod Security: namespace r-refuses enforces "restricted": it would refuse (\d+) of the release's \1 pods:$/);
      const refused = lines.slice(start + 1, start + 1 + count);
      // The server's pod (its init container too) and the helm test pod, each with what it must set.
      expect(refused.find((line) => line.startsWith('      - Deployment mlflow: '))).toMatch(/ \(containers "[a-z-]+", "mlflow" must set securityContext\.allowPrivilegeEscalation=false\)$/);
      expect(refused).toContain(
        '      - Pod mlflow-test-health: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "health" must set securityContext.allowPrivilegeEscalation=false)',
      );
      for (const line of refused) expect(line).toMatch(/^ {6}- (Deployment|Job|Pod) \S+: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(.+\)$/);
      expect(lines[start + 1 + count]).toMatch(/^ {4}Fix: helm would create these pods and the API server refuse them, so the install would fail\./);
      // As said: the server's pods are refused, so the install fails (helm gave up at --timeout) and says why.
      expect(run.code).toBe(1);
    }, 420_000);
  });
});
