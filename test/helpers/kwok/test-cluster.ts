// A test's cluster: a KwokCluster with one helm major, reached by the CLI through the real helm and kubectl.
// Every call the CLI makes goes through a recorder (a two-line bash script that appends the argv and the
// environment, then execs the real binary), so a test can assert what was run and that no secret was in it.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { toolSet, type HelmMajor } from '../tools.js';
import { KwokCluster, type ExecOutcome, type KwokClusterOptions } from './cluster.js';

export interface RecordedCall {
  tool: 'kubectl' | 'helm';
  argv: string[];
  env: Record<string, string>;
}

export interface TestClusterOptions extends KwokClusterOptions {
  helmMajor: HelmMajor;
  /** The default StorageClass and its volumes (default true). */
  storageClass?: boolean;
  /** The nginx IngressClass (default true). */
  ingressClass?: boolean;
  /** CRDs installed from the start. */
  crds?: (keyof typeof knownCrds)[];
  /** More objects to start with (after the CRDs). */
  objects?: object[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  [field: string]: unknown;
}

export interface ReleaseRecord {
  revision: number;
  status: string;
  values: Record<string, unknown>;
}

/** The CRDs the chart's optional objects need, with only what the API server needs to serve them. */
export const knownCrds = {
  'servicemonitors.monitoring.coreos.com': { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', plural: 'servicemonitors', version: 'v1' },
  'secretproviderclasses.secrets-store.csi.x-k8s.io': { group: 'secrets-store.csi.x-k8s.io', kind: 'SecretProviderClass', plural: 'secretproviderclasses', version: 'v1' },
} as const;

function crdObject(name: keyof typeof knownCrds): object {
  const crd = knownCrds[name];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: crd.group,
      scope: 'Namespaced',
      names: { kind: crd.kind, plural: crd.plural, singular: crd.kind.toLowerCase(), listKind: `${crd.kind}List` },
      versions: [{ name: crd.version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

function recorder(tool: RecordedCall['tool'], real: string, callsFile: string): string {
  return `#!/bin/bash
printf '%s %s %s\\n' ${tool} "$(printf '%s\\0' "$@" | base64 -w0)" "$(env -0 | base64 -w0)" >> ${JSON.stringify(callsFile)}
exec ${JSON.stringify(real)} "$@"
`;
}

function nulSeparated(encoded: string | undefined): string[] {
  const text = Buffer.from(encoded ?? '', 'base64').toString('utf8');
  return text === '' ? [] : text.replace(/\0$/, '').split('\0');
}

export class TestCluster {
  readonly helm: string;
  readonly kubectl: string;
  private readonly binDir: string;
  private readonly callsFile: string;

  private constructor(
    readonly kwok: KwokCluster,
    readonly helmMajor: HelmMajor,
  ) {
    const tools = toolSet(helmMajor);
    if (tools.unavailable) throw new Error(`the cluster tests need the real helm ${helmMajor}: ${tools.unavailable}`);
    this.helm = tools.helm;
    this.kubectl = tools.kubectl;
    this.binDir = join(kwok.dir, 'bin');
    this.callsFile = join(kwok.dir, 'calls.log');
    mkdirSync(this.binDir, { recursive: true });
    for (const [tool, real] of [['helm', this.helm], ['kubectl', this.kubectl]] as const) {
      writeFileSync(join(this.binDir, tool), recorder(tool, real, this.callsFile));
      chmodSync(join(this.binDir, tool), 0o755);
    }
    writeFileSync(this.callsFile, '');
  }

  static async create(options: TestClusterOptions): Promise<TestCluster> {
    const withStorage = options.storageClass ?? true;
    const kwok = await KwokCluster.create({ ...options, volumes: withStorage ? (options.volumes ?? 12) : 0 });
    const cluster = new TestCluster(kwok, options.helmMajor);
    try {
      if (!withStorage) await kwok.kubectl(['delete', 'storageclass', 'standard']);
      if (options.ingressClass === false) await kwok.kubectl(['delete', 'ingressclass', 'nginx']);
      const crds = (options.crds ?? []).map(crdObject);
      if (crds.length > 0) {
        await kwok.apply(crds);
        await kwok.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...(options.crds ?? []).map((name) => `crd/${name}`)]);
      }
      if (options.objects && options.objects.length > 0) await kwok.apply(options.objects);
    } catch (error) {
      await kwok.delete();
      throw error;
    }
    return cluster;
  }

  get kubeconfig(): string {
    return this.kwok.kubeconfig;
  }

  get dir(): string {
    return this.kwok.dir;
  }

  /** The kubeconfig's context name and API server. */
  identity(): { context: string; server: string } {
    const text = readFileSync(this.kubeconfig, 'utf8');
    return { context: /current-context: (\S+)/.exec(text)?.[1] ?? '', server: /server: (\S+)/.exec(text)?.[1] ?? '' };
  }

  /**
   * A kubeconfig that acts as ServiceAccount `name` of `namespace` (created if missing), with only what RBAC
   * grants it: e.g. bound to the built-in `admin` ClusterRole in one namespace, as a namespace admin is.
   */
  async serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
    await this.kwok.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    ]);
    const token = (await this.kwok.kubectl(['create', 'token', name, '--namespace', namespace, '--duration', '2h'])).trim();
    const admin = parse(readFileSync(this.kubeconfig, 'utf8')) as { clusters: { name: string; cluster: Record<string, unknown> }[] };
    const cluster = admin.clusters[0];
    if (!cluster) throw new Error(`${this.kubeconfig} names no cluster`);
    const file = join(this.dir, `kubeconfig-${namespace}-${name}.yaml`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [cluster],
      users: [{ name, user: { token } }],
      contexts: [{ name: `${name}@${namespace}`, context: { cluster: cluster.name, user: name, namespace } }],
      'current-context': `${name}@${namespace}`,
    };
    writeFileSync(file, stringify(config), { mode: 0o600 });
    return file;
  }

  /** Binds a ClusterRole (e.g. `admin`) to a ServiceAccount in one namespace. */
  async bindInNamespace(namespace: string, clusterRole: string, serviceAccount: { name: string; namespace: string }): Promise<void> {
    await this.kwok.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${serviceAccount.name}-${clusterRole}`, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: serviceAccount.namespace }],
      },
    ]);
  }

  /** The environment of a CLI run: the recorders first on PATH, this cluster's kubeconfig, a private HOME. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.kwok.env(this.helmMajor), PATH: [this.binDir, process.env.PATH ?? ''].join(':'), ...extra };
  }

  /** The real helm or kubectl of this major on this cluster, not recorded. */
  async exec(tool: 'kubectl' | 'helm', args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<ExecOutcome> {
    const binary = tool === 'helm' ? this.helm : this.kubectl;
    const result = await execa(binary, [...args], { env: { ...this.kwok.env(this.helmMajor), ...options.env }, extendEnv: false, input: options.input ?? '', reject: false, timeout: 120_000 });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  calls(tool?: RecordedCall['tool']): RecordedCall[] {
    if (!existsSync(this.callsFile)) return [];
    const calls = readFileSync(this.callsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line): RecordedCall => {
        const [name, argv, env] = line.split(' ');
        const environment = Object.fromEntries(nulSeparated(env).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
        return { tool: name === 'helm' ? 'helm' : 'kubectl', argv: nulSeparated(argv), env: environment };
      });
    return tool ? calls.filter((call) => call.tool === tool) : calls;
  }

  clearCalls(): void {
    writeFileSync(this.callsFile, '');
  }

  async objects(kind: string, namespace?: string): Promise<KubeObject[]> {
    const result = await this.exec('kubectl', ['get', kind, ...(namespace ? ['--namespace', namespace] : []), '-o', 'json']);
    if (result.exitCode !== 0) {
      if (/NotFound|not found/.test(result.stderr)) return [];
      throw new Error(`kubectl get ${kind}: ${result.stderr}`);
    }
    return (JSON.parse(result.stdout) as { items: KubeObject[] }).items;
  }

  async object(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const result = await this.exec('kubectl', ['get', kind, name, ...(namespace ? ['--namespace', namespace] : []), '--ignore-not-found', '-o', 'json']);
    if (result.exitCode !== 0) throw new Error(`kubectl get ${kind} ${name}: ${result.stderr}`);
    return result.stdout.trim() === '' ? undefined : (JSON.parse(result.stdout) as KubeObject);
  }

  /** Every revision of a release, oldest first, with the values of the last one. */
  async release(namespace: string, name: string): Promise<ReleaseRecord | undefined> {
    const history = await this.exec('helm', ['history', name, '--namespace', namespace, '-o', 'json']);
    if (history.exitCode !== 0) return undefined;
    const revisions = JSON.parse(history.stdout) as { revision: number; status: string }[];
    const latest = revisions.at(-1);
    if (latest === undefined) return undefined;
    const values = await this.exec('helm', ['get', 'values', name, '--namespace', namespace, '--revision', String(latest.revision), '-o', 'json']);
    return { revision: latest.revision, status: latest.status, values: (JSON.parse(values.stdout || '{}') ?? {}) as Record<string, unknown> };
  }

  /** The objects of kinds a run may create in the namespace, as kind/name, for comparing before and after. */
  async namespaceObjects(namespace: string): Promise<string[]> {
    const kinds = ['Secret', 'ConfigMap', 'Deployment', 'Service', 'PersistentVolumeClaim', 'ServiceAccount', 'Ingress', 'Job'];
    const result = await this.exec('kubectl', ['get', kinds.join(','), '--namespace', namespace, '-o', 'json']);
    if (result.exitCode !== 0) return [];
    const items = (JSON.parse(result.stdout) as { items: KubeObject[] }).items;
    // The namespace's own default ServiceAccount and root CA ConfigMap come with it.
    return items
      .filter((item) => !(item.kind === 'ServiceAccount' && item.metadata.name === 'default') && !(item.kind === 'ConfigMap' && item.metadata.name === 'kube-root-ca.crt'))
      .map((item) => `${item.kind}/${item.metadata.name}`)
      .sort();
  }

  async cleanup(): Promise<void> {
    await this.kwok.delete();
  }
}

/** The clusters of a test file, deleted together at its end. */
export class TestClusters {
  private readonly created: TestCluster[] = [];

  async create(options: TestClusterOptions): Promise<TestCluster> {
    const cluster = await TestCluster.create(options);
    this.created.push(cluster);
    return cluster;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.created.splice(0).map((cluster) => cluster.cleanup()));
  }
}
