// Real ways for a cluster to go wrong, for the pipeline tests: a kubeconfig that points nowhere, a token that
// may not touch Secrets, an admission webhook that cannot be reached; and how to tell one run's calls from
// another's on a cluster shared by concurrent tests.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedCall, TestCluster } from '../helpers/kwok/test-cluster.js';

/** The variable that marks the helm and kubectl calls of one run (the CLI passes its environment on). */
const runMarker = 'MLFLOW_TEST_RUN';

/** An environment entry that marks one run's calls, and how to pick them out of the cluster's record. */
export function markedRun(): { env: Record<string, string>; calls: (cluster: TestCluster) => RecordedCall[] } {
  const id = randomUUID();
  return { env: { [runMarker]: id }, calls: (cluster) => cluster.calls().filter((call) => call.env[runMarker] === id) };
}

/** A copy of the cluster's kubeconfig whose API server is a port nothing listens on (1: privileged, never bound here). */
export function closedPortKubeconfig(cluster: TestCluster): { file: string; server: string } {
  const text = readFileSync(cluster.kubeconfig, 'utf8');
  const server = /server: (https?:\/\/[^:\s]+):\d+/.exec(text);
  if (!server?.[1]) throw new Error(`no server URL in ${cluster.kubeconfig}`);
  const file = join(cluster.dir, 'kubeconfig-closed-port.yaml');
  writeFileSync(file, text.replace(/(server: https?:\/\/[^:\s]+):\d+/, '$1:1'), { mode: 0o600 });
  return { file, server: `${server[1]}:1` };
}

/** An empty kubeconfig file: no cluster, no context. */
export function emptyKubeconfig(cluster: TestCluster): string {
  const file = join(cluster.dir, 'kubeconfig-empty.yaml');
  writeFileSync(file, '', { mode: 0o600 });
  return file;
}

/**
 * A kubeconfig for ServiceAccount `installer` of `namespace` that may do everything the install does there except
 * touch Secrets, and read the cluster-wide things preflight looks at (namespaces, StorageClasses, IngressClasses, CRDs).
 */
export async function kubeconfigWithoutSecrets(cluster: TestCluster, namespace: string): Promise<string> {
  const name = 'installer';
  const subject = { kind: 'ServiceAccount', name, namespace };
  const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, name);
  await cluster.kwok.apply([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'everything-but-secrets', namespace },
      rules: [
        { apiGroups: [''], resources: ['configmaps', 'services', 'serviceaccounts', 'persistentvolumeclaims', 'pods', 'pods/log', 'events'], verbs: ['*'] },
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['*'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['*'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['*'] },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'everything-but-secrets', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'everything-but-secrets' },
      subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `preflight-reads-${namespace}` },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: ['get', 'list'] },
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `preflight-reads-${namespace}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `preflight-reads-${namespace}` },
      subjects: [subject],
    },
  ]);
  return kubeconfig;
}

export const webhookName = 'validate.example.io';

/**
 * A validating admission webhook (failurePolicy Fail) on the Deployments of one namespace, served by a Service that
 * has no endpoints: every matching request is refused with "failed calling webhook". `condition` (CEL, on `object`)
 * narrows it to some changes, e.g. so that helm's rollback to the earlier manifest passes.
 */
export function unreachableWebhook(namespace: string, operations: ('CREATE' | 'UPDATE')[], condition?: string): object[] {
  const service = `no-endpoints-${namespace}`;
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace: 'default' }, spec: { selector: { app: 'nothing-runs-this' }, ports: [{ port: 443 }] } },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: `validate-deployments-${namespace}` },
      webhooks: [
        {
          name: webhookName,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          clientConfig: { service: { name: service, namespace: 'default', port: 443, path: '/validate' } },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations, resources: ['deployments'], scope: 'Namespaced' }],
          ...(condition ? { matchConditions: [{ name: 'the-change', expression: condition }] } : {}),
        },
      ],
    },
  ];
}

/** Polls until `done()` holds; fails saying what was awaited. */
export async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface ProcessInfo {
  pid: number;
  parent: number;
  argv: string[];
}

/** Every process of this machine that can be read, with its parent and argv (from /proc). */
function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(entry), parent, argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0$/, '').split('\0') }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** The processes below `pid`, with their argv. */
export function descendants(pid: number): { pid: number; argv: string[] }[] {
  const all = processes();
  const found: { pid: number; argv: string[] }[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const child of all.filter((candidate) => candidate.parent === current)) {
      found.push({ pid: child.pid, argv: child.argv });
      queue.push(child.pid);
    }
  }
  return found;
}

/** The helm and kubectl processes still running against this cluster (their KUBECONFIG is its own). */
export function toolsRunningOn(cluster: TestCluster): { pid: number; argv: string[] }[] {
  return processes().flatMap((candidate) => {
    if (!/\/(helm|kubectl)$/.test(candidate.argv[0] ?? '')) return [];
    try {
      const environment = readFileSync(`/proc/${candidate.pid}/environ`, 'utf8').split('\0');
      return environment.includes(`KUBECONFIG=${cluster.kubeconfig}`) ? [{ pid: candidate.pid, argv: candidate.argv }] : [];
    } catch {
      return [];
    }
  });
}
