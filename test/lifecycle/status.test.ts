import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import {
  applyInstallerObjects,
  callMark,
  callsSince,
  createNamespace,
  eventually,
  helmInstall,
  majors,
  noCluster,
  postgresSettings,
  runAgainst,
  serviceAccountKubeconfig,
  setFlags,
  uniqueNamespace,
  useLifecycleSuite,
  kubeconfigWithContext,
  installWithData,
} from './helpers.js';

const crashLog = 'sqlalchemy.exc.OperationalError: unable to open database file';
// The tracking server crash-loops in the crashloop namespace (test/helpers/kwok/stages.ts); its log says why.
const suite = useLifecycleSuite({ logs: [{ namespaces: ['crashloop'], current: [crashLog] }] });

interface StatusJson {
  found: boolean;
  healthy: boolean;
  context: { context: string; server: string };
  release: { name: string; namespace: string; revision?: number; state?: string; chart?: { name: string; version: string; appVersion?: string }; deployedAt?: string };
  pods?: { name: string; role: string; phase: string; readyContainers: number; containers: number; restarts: number; problem?: string }[];
  volumes?: { name: string; phase: string; storageClass?: string }[];
  url?: { trackingUri: string; ingressHost?: string; portForward?: string[] };
  backend?: { kind: string; where: string };
  artifacts?: { root: string | null; where: string };
  warnings?: string[];
  install?: string[];
}

async function namespaceFor(cluster: TestCluster, tag: string): Promise<string> {
  const namespace = uniqueNamespace(tag);
  await createNamespace(cluster, namespace);
  return namespace;
}

/**
 * helm and kubectl that note when they start, then wait `delayMs` before running (through the cluster's
 * recorder): with reads one after another, no two of them could start within one delay of each other.
 */
function slowTools(cluster: TestCluster, delayMs: number): { env: Record<string, string>; starts: () => { at: number; words: string[] }[] } {
  const dir = join(cluster.dir, `slow-${delayMs}-${Math.random().toString(36).slice(2, 8)}`);
  const log = join(dir, 'starts.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(log, '');
  for (const tool of ['helm', 'kubectl']) {
    const recorder = join(cluster.dir, 'bin', tool);
    writeFileSync(join(dir, tool), `#!/bin/bash\necho "$(date +%s%3N) ${tool} $*" >> ${JSON.stringify(log)}\nsleep ${delayMs / 1000}\nexec ${JSON.stringify(recorder)} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return {
    env: { PATH: `${dir}:${cluster.env().PATH ?? ''}` },
    starts: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [at = '0', ...words] = line.split(' ');
          return { at: Number(at), words };
        }),
  };
}

describe.skipIf(noCluster !== undefined)('status on a real control plane', () => {
  describe.each(majors)('with helm %i', (major) => {
    it.concurrent('shows a healthy release: context, revision, chart, pods, URL, backend; exit 0', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'healthy');
      await helmInstall(cluster, { namespace });
      const { context, server } = cluster.identity();
      const human = await runAgainst(cluster, ['status', '-n', namespace]);
      expect(human.stderr).toBe('');
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`Context    ${context} (${server})`);
      expect(human.stdout).toMatch(new RegExp(`Release +mlflow in namespace ${namespace}, revision 1, deployed \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`));
      // helm status carries no chart: it comes from helm history (the doubles gave one, and hid that).
      expect(human.stdout).toMatch(/Chart +mlflow 1\.1\.0, MLflow 3\.16\.1\n/);
      expect(human.stdout).toContain('file: SQLite on the volume mlflow-data');
      expect(human.stdout).toContain(`kubectl --namespace ${namespace} port-forward service/mlflow 5000:5000`);
      expect(human.stdout).toContain('export MLFLOW_TRACKING_URI=http://localhost:5000');
      expect(human.stdout).toMatch(/mlflow-\S+ +server +Running +1\/1 ready +0 restarts/);
      expect(human.stdout).toMatch(/mlflow-data +Bound +standard/);
      expect(human.stdout).toContain('Healthy: the release is deployed and every server pod is Running and Ready.');

      const json = await runAgainst(cluster, ['status', '-n', namespace, '--json']);
      expect(json.code).toBe(0);
      const status = JSON.parse(json.stdout) as StatusJson;
      expect(status).toMatchObject({
        found: true,
        healthy: true,
        context: { context, server },
        release: { name: 'mlflow', namespace, revision: 1, state: 'deployed', chart: { name: 'mlflow', version: '1.1.0', appVersion: '3.16.1' } },
        url: { trackingUri: 'http://localhost:5000', portForward: ['kubectl', '--namespace', namespace, 'port-forward', 'service/mlflow', '5000:5000'] },
        backend: { kind: 'file' },
        artifacts: { root: null },
        volumes: [{ name: 'mlflow-data', phase: 'Bound', storageClass: 'standard' }],
        warnings: [],
      });
      // The pod status shows is the one the cluster runs.
      const pods = await cluster.objects('Pod', namespace);
      expect(status.pods).toEqual([expect.objectContaining({ name: pods[0]?.metadata.name, role: 'server', phase: 'Running', readyContainers: 1, containers: 1, restarts: 0 })]);
    }, 240_000);

    it.concurrent('shows the ingress URL, the database backend and the artifact root, with the --context given', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'tracking');
      const ingress = ['ingress.enabled=true', 'ingress.className=nginx', 'ingress.hosts[0].host=mlflow.example.com', 'ingress.hosts[0].paths[0].path=/', 'ingress.hosts[0].paths[0].pathType=Prefix', 'ingress.tls[0].hosts[0]=mlflow.example.com', 'ingress.tls[0].secretName=mlflow-tls'];
      await applyInstallerObjects(cluster, 'pw-of-team', { release: 'team', namespace });
      await helmInstall(cluster, { release: 'team', namespace, extra: setFlags([...postgresSettings('team'), 'defaultArtifactRoot=s3://bucket/mlflow', ...ingress]) });
      // A kubeconfig whose context is named staging, and is not the current one's name.
      const kubeconfig = await kubeconfigWithContext(cluster, `staging-${namespace}`);
      const mark = callMark(cluster);
      const result = await runAgainst(cluster, ['status', '--kubeconfig', kubeconfig, '--context', `staging-${namespace}`, '-n', namespace, '--release', 'team', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const status = JSON.parse(result.stdout) as StatusJson;
      expect(status.context).toEqual({ context: `staging-${namespace}`, server: cluster.identity().server });
      expect(status.url).toEqual({ trackingUri: 'https://mlflow.example.com', ingressHost: 'mlflow.example.com' });
      expect(status.backend).toEqual({ kind: 'postgres', where: 'db.internal:5432, database mlflow' });
      expect(status.artifacts?.root).toBe('s3://bucket/mlflow');
      // Every read went through the context and kubeconfig given.
      const calls = callsSince(cluster, mark, namespace);
      expect(calls.length).toBeGreaterThanOrEqual(4);
      for (const call of calls) {
        expect(call.argv, call.argv.join(' ')).toContain(call.tool === 'helm' ? '--kube-context' : '--context');
        expect(call.argv).toContain(`staging-${namespace}`);
        expect(call.argv).toContain(kubeconfig);
      }
    }, 240_000);

    it.concurrent('says what is wrong with a crash-looping upgrade and exits 1; the command it gives shows why', async () => {
      const cluster = await suite.shared(major);
      // Every tracking server crash-loops in this namespace: the releases go in without waiting.
      const namespace = 'crashloop';
      await helmInstall(cluster, { namespace, wait: false });
      await helmInstall(cluster, { namespace, wait: false, extra: ['--set', 'podAnnotations.rev=two'] });
      await eventually('one server pod, crash-looping', async () => {
        const pods = (await cluster.objects('Pod', namespace)) as { status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }[];
        return pods.length === 1 && pods[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff';
      });
      const human = await runAgainst(cluster, ['status', '-n', namespace]);
      expect(human.code, human.stdout).toBe(1);
      expect(human.stdout).toMatch(/Not healthy \(\d+ warnings?\):/);
      expect(human.stdout).toMatch(/! pod mlflow-\S+ \(server\): mlflow: CrashLoopBackOff \(restarted 4 times\): back-off 40s restarting failed container/);
      const seeWhy = /See why: (kubectl --namespace crashloop logs pod\/mlflow-\S+ --all-containers)/.exec(human.stdout);
      expect(seeWhy, human.stdout).not.toBeNull();
      const logs = await cluster.exec('kubectl', (seeWhy?.[1] ?? '').split(' ').slice(1));
      expect(logs.stdout).toContain(crashLog);

      const json = JSON.parse((await runAgainst(cluster, ['status', '-n', namespace, '--json'])).stdout) as StatusJson;
      expect(json.healthy).toBe(false);
      expect(json.release).toMatchObject({ revision: 2, state: 'deployed' });
      expect(json.warnings?.some((warning) => warning.includes('CrashLoopBackOff'))).toBe(true);
      expect(json.pods?.find((pod) => pod.problem !== undefined)).toMatchObject({ role: 'server', phase: 'Running', readyContainers: 0, restarts: 4 });
    }, 240_000);

    it.concurrent('warns of a pending volume claim (its StorageClass does not exist) and of the pod that waits for it', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'pending');
      await helmInstall(cluster, { namespace, wait: false, extra: ['--set', 'persistence.storageClass=no-such-class'] });
      const result = await runAgainst(cluster, ['status', '-n', namespace, '--json']);
      expect(result.code).toBe(1);
      const status = JSON.parse(result.stdout) as StatusJson;
      expect(status.volumes).toEqual([{ name: 'mlflow-data', phase: 'Pending', storageClass: 'no-such-class' }]);
      expect(status.warnings).toContain('volume claim mlflow-data is Pending: no volume was provisioned for it yet (is there a usable StorageClass?)');
      // The pod's reason is the scheduler's, whenever it has got to the pod; Pending in any case.
      expect(status.warnings?.some((warning) => /^pod mlflow-\S+ \(server\): Pending/.test(warning))).toBe(true);
      expect((await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data'))?.['status']).toMatchObject({ phase: 'Pending' });
    }, 240_000);

    it.concurrent('warns of a failed upgrade that was rolled back (a ResourceQuota refused its new Ingress)', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'rolledback');
      await helmInstall(cluster, { namespace });
      await cluster.kwok.apply([{ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-ingress', namespace }, spec: { hard: { 'count/ingresses.networking.k8s.io': '0' } } }]);
      const ingress = ['ingress.enabled=true', 'ingress.className=nginx', 'ingress.hosts[0].host=mlflow.example.com', 'ingress.hosts[0].paths[0].path=/', 'ingress.hosts[0].paths[0].pathType=Prefix'];
      await expect(helmInstall(cluster, { namespace, extra: setFlags(ingress) })).rejects.toThrow(/exceeded quota: no-ingress/);
      const result = await runAgainst(cluster, ['status', '-n', namespace, '--json']);
      expect(result.code).toBe(1);
      const status = JSON.parse(result.stdout) as StatusJson;
      expect(status.release).toMatchObject({ revision: 3, state: 'deployed' });
      expect(status.warnings).toEqual([expect.stringMatching(/^the last upgrade \(revision 2\) failed \(Upgrade "mlflow" failed: .*exceeded quota: no-ingress.*\) and was rolled back to revision 1$/)]);
      expect(status.pods?.every((pod) => pod.problem === undefined)).toBe(true);
      expect(status.url?.ingressHost).toBeUndefined();
      expect(await cluster.objects('Ingress', namespace)).toEqual([]);
    }, 240_000);

    it.concurrent('says there is no such release, with the install command; exit 2', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'empty');
      const human = await runAgainst(cluster, ['status', '-n', namespace, '--release', 'tracking']);
      expect(human.code).toBe(2);
      expect(human.stdout).toContain(`No release tracking in namespace ${namespace}.`);
      expect(human.stdout).toContain(`Install it: npx mlflow-install --namespace ${namespace} --release tracking`);
      const json = await runAgainst(cluster, ['status', '-n', namespace, '--release', 'tracking', '--json']);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({
        found: false,
        healthy: false,
        release: { name: 'tracking', namespace },
        install: ['npx', 'mlflow-install', '--namespace', namespace, '--release', 'tracking'],
      });
    }, 240_000);

    it.concurrent('points at a namespace where a release of that name is', async () => {
      const cluster = await suite.shared(major);
      const here = await namespaceFor(cluster, 'looked-in');
      const there = await namespaceFor(cluster, 'ml');
      // A name no other test of the shared cluster installs.
      const release = `elsewhere-${major}`;
      await helmInstall(cluster, { release, namespace: there });
      const result = await runAgainst(cluster, ['status', '-n', here, '--release', release]);
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(`A release ${release} is in namespace ${there}: pass --namespace to look there.`);
    }, 240_000);

    it.concurrent('reads the release, its history, pods and claims at once: each starts before the first could finish', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'at-once');
      await helmInstall(cluster, { namespace });
      const delayMs = 2_000;
      const slow = slowTools(cluster, delayMs);
      const result = await runAgainst(cluster, ['status', '-n', namespace], slow.env);
      expect(result.code, result.stderr).toBe(0);
      const starts = slow.starts();
      const startOf = (words: string[]) => {
        const start = starts.find((candidate) => words.every((word, i) => candidate.words[i] === word));
        if (start === undefined) throw new Error(`no ${words.join(' ')} was called: ${JSON.stringify(starts)}`);
        return start.at;
      };
      const reads = [startOf(['helm', 'status']), startOf(['helm', 'history']), startOf(['kubectl', 'get', 'pods']), startOf(['kubectl', 'get', 'persistentvolumeclaims'])];
      // One after another, no read could start within the first one's delay.
      expect(Math.max(...reads) - Math.min(...reads)).toBeLessThan(delayMs);
    }, 240_000);

    it.concurrent('says which context it could not reach when the API server is down, and exits 1', async ({ expect }) => {
      // A cluster of its own: its API server is stopped for good, so its port refuses every connection.
      const cluster = await suite.cluster({ helmMajor: major });
      const { context, server } = cluster.identity();
      cluster.kwok.stopApiServer();
      const result = await runAgainst(cluster, ['status']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const port = new URL(server).port;
      // The reads race: kubectl's or helm's words, whichever failed first.
      expect(result.stderr).toMatch(
        new RegExp(`^mlflow-install: could not read release mlflow in namespace mlflow through context ${context} \\(https://127\\.0\\.0\\.1:${port}\\): .*(127\\.0\\.0\\.1:${port} was refused|dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused).*\\n`),
      );
      // What to do about it: said for the install's preflight ("Check that the cluster is running and reachable"), not here.
      expect.soft(result.stderr, 'a fix for an API server that does not answer').toMatch(/Fix: .*(running|reachable|--context)/);
    }, 240_000);

    it.concurrent('with a token of its namespace that may not read Secrets: exit 1, the refusal said with the context; the release is untouched', async ({ expect }) => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'no-secrets');
      await installWithData(cluster, namespace);
      const token = await serviceAccountKubeconfig(cluster, namespace, 'viewer', [
        { apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['pods', 'persistentvolumeclaims', 'configmaps', 'services', 'deployments', 'jobs', 'ingresses'], verbs: ['get', 'list', 'watch'] },
      ]);
      const result = await runAgainst(cluster, ['status', '-n', namespace], { KUBECONFIG: token.path });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^mlflow-install: could not read release mlflow in namespace ${namespace} through context viewer@${namespace} \\(${cluster.identity().server.replace(/\./g, '\\.')}\\): .*secrets is forbidden: User "${token.user}" cannot list resource "secrets" in API group "" in the namespace "${namespace}"\\n`),
      );
      // What to do about it: said for the install's preflight ("helm and kubectl must be able to read Secrets ..."), not here.
      expect.soft(result.stderr, 'a fix for a refused read').toMatch(/Fix: .*Secrets/);
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });

      // The same account with every right in its namespace, and none outside it: status reads all it needs.
      const member = await serviceAccountKubeconfig(cluster, namespace, 'member', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
      const allowed = await runAgainst(cluster, ['status', '-n', namespace, '--json'], { KUBECONFIG: member.path });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout)).toMatchObject({ healthy: true, context: { context: `member@${namespace}` }, backend: { kind: 'postgres' } });
    }, 240_000);
  });
});
