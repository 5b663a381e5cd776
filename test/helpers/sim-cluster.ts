import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot, toolSet, type HelmMajor } from './tools.js';

/** The faults a test can choose; test/fixtures/sim/README.md says what each one does. */
export interface SimFaults {
  /** kubectl and helm find no kubeconfig: no context, localhost:8080 refused. */
  noKubeconfig?: boolean;
  /** The API server refuses connections. */
  unreachable?: boolean;
  /** RBAC says no: to everything (true) or to the listed verbs and/or resources ("secrets", "deployments.apps"). */
  forbidden?: true | { verbs?: string[]; resources?: string[] };
  /** No usable StorageClass: none listed, claims stay Pending. */
  missingStorageClass?: boolean;
  /** No IngressClass listed. */
  missingIngressClass?: boolean;
  /** helm upgrade fails after creating the objects; with --atomic / --rollback-on-failure it rolls back. */
  helmFailure?: { message?: string };
  /** The Deployment's rollout never completes for `kubectl rollout status` (helm's own wait is not held back). */
  rolloutTimeout?: boolean;
  /** The tracking server's container crashes and restarts: CrashLoopBackOff, with these logs. */
  crashLoop?: { logs: string; previousLogs?: string; exitCode?: number; container?: string };
  /** The tracking server runs but its readiness probe never passes. */
  neverReady?: { message?: string };
  /** The tracking server becomes Ready this long after its pod starts. */
  readyAfterMs?: number;
  /** helm hook Jobs (migration, database creation) fail with these logs. */
  hookFailure?: { logs?: string; exitCode?: number };
  /** `helm test` fails with these logs. */
  helmTestFails?: { logs?: string };
  /** What `kubectl run` (the in-cluster database check) prints and exits with. */
  podRun?: { exitCode: number; output?: string };
  /** A fixed delay before every command does its work (the slow step; the benchmark's unit of work). */
  delayMs?: number;
  /** Delays for single commands, keyed "helm upgrade", "kubectl rollout", ...; these win over delayMs. */
  delays?: Record<string, number>;
  /** The command hangs, after it changed the cluster, until it is signalled (a test's Ctrl-C). */
  hangOn?: 'helm upgrade';
}

export interface RecordedCall {
  tool: 'kubectl' | 'helm';
  argv: string[];
  stdin: string | null;
  env: Record<string, string>;
  pid: number;
  time: string;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SimObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface SimRelease {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  description?: string;
  values: Record<string, unknown>;
  chart: { name: string; version: string; appVersion?: string };
  notes: string;
}

interface SimState {
  serverVersion: string;
  user: string;
  objects: (SimObject & { 'x-sim'?: unknown })[];
  logs?: Record<string, Record<string, { current?: string; previous?: string }>>;
  repos?: Record<string, string>;
}

export interface SimClusterOptions {
  helmMajor: HelmMajor;
  /** Namespaces to exist besides default and kube-system, with their labels (e.g. {'istio-injection': 'enabled'}). */
  namespaces?: Record<string, Record<string, string>>;
  storageClasses?: { name: string; isDefault?: boolean; provisioner?: string }[];
  ingressClasses?: { name: string; isDefault?: boolean; controller?: string }[];
  /** CRDs installed from the start, by full name. */
  crds?: (keyof typeof knownCrds)[];
  serverVersion?: string;
  faults?: SimFaults;
  /** Check every argv with the real binaries' flag parsing (default true). */
  validateFlags?: boolean;
  /** More objects to start with. */
  objects?: SimObject[];
}

export const simBinDir = join(repoRoot, 'test', 'fixtures', 'sim', 'bin');

export const knownCrds = {
  'servicemonitors.monitoring.coreos.com': { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', plural: 'servicemonitors', version: 'v1' },
  'secretproviderclasses.secrets-store.csi.x-k8s.io': { group: 'secrets-store.csi.x-k8s.io', kind: 'SecretProviderClass', plural: 'secretproviderclasses', version: 'v1' },
  'podmonitors.monitoring.coreos.com': { group: 'monitoring.coreos.com', kind: 'PodMonitor', plural: 'podmonitors', version: 'v1' },
} as const;

function crdObject(name: keyof typeof knownCrds): SimObject {
  const crd = knownCrds[name];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name, uid: randomUUID() },
    spec: {
      group: crd.group,
      names: { kind: crd.kind, plural: crd.plural, singular: crd.kind.toLowerCase(), listKind: `${crd.kind}List` },
      scope: 'Namespaced',
      versions: [{ name: crd.version, served: true, storage: true }],
    },
  };
}

function namespaceObject(name: string, labels: Record<string, string> = {}): SimObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: randomUUID(), labels: { 'kubernetes.io/metadata.name': name, ...labels }, creationTimestamp: new Date().toISOString() } as SimObject['metadata'],
    status: { phase: 'Active' },
  };
}

const SERVER = 'https://sim-cluster.example:6443';

/** A simulated cluster in a temporary folder, reached through the kubectl and helm doubles. */
export class SimCluster {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly helm = join(simBinDir, 'helm');
  readonly kubectl = join(simBinDir, 'kubectl');
  readonly realHelm: string;
  readonly realKubectl: string;
  readonly server = SERVER;

  private constructor(
    readonly helmMajor: HelmMajor,
    dir: string,
  ) {
    this.dir = dir;
    this.kubeconfig = join(dir, 'kubeconfig.yaml');
    const tools = toolSet(helmMajor);
    if (tools.unavailable) throw new Error(`the simulated cluster needs the real helm ${helmMajor}: ${tools.unavailable}`);
    this.realHelm = tools.helm;
    this.realKubectl = tools.kubectl;
  }

  static create(options: SimClusterOptions): SimCluster {
    const dir = mkdtempSync(join(tmpdir(), 'mlflow-sim-'));
    const cluster = new SimCluster(options.helmMajor, dir);
    const storageClasses = options.storageClasses ?? [{ name: 'standard', isDefault: true, provisioner: 'rancher.io/local-path' }];
    const ingressClasses = options.ingressClasses ?? [{ name: 'nginx', controller: 'k8s.io/ingress-nginx' }];
    const objects: SimObject[] = [
      namespaceObject('default'),
      namespaceObject('kube-system'),
      namespaceObject('kube-public'),
      ...Object.entries(options.namespaces ?? {}).map(([name, labels]) => namespaceObject(name, labels)),
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-1', uid: randomUUID(), labels: { 'kubernetes.io/hostname': 'sim-node-1' } } },
      ...storageClasses.map((sc) => ({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: sc.name, uid: randomUUID(), ...(sc.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
        provisioner: sc.provisioner ?? 'rancher.io/local-path',
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      })),
      ...ingressClasses.map((ic) => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: ic.name, uid: randomUUID(), ...(ic.isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
        spec: { controller: ic.controller ?? 'k8s.io/ingress-nginx' },
      })),
      ...(options.crds ?? []).map(crdObject),
      ...(options.objects ?? []),
    ];
    const state: SimState & { counter: number; seed: string } = {
      serverVersion: options.serverVersion ?? 'v1.31.2',
      user: 'sim-user',
      objects,
      logs: {},
      repos: {},
      counter: 0,
      seed: randomUUID(),
    };
    writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 1));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        realHelm: cluster.realHelm,
        realKubectl: cluster.realKubectl,
        helmMajor: options.helmMajor,
        validateFlags: options.validateFlags ?? true,
        // The argv the real binaries accepted, remembered across clusters and runs (git-ignored).
        flagCache: join(repoRoot, '.cache', 'sim-flag-checks.json'),
      }),
    );
    writeFileSync(join(dir, 'calls.jsonl'), '');
    // JSON is YAML to kubectl, and the doubles read it without loading a YAML parser.
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sim', cluster: { server: SERVER } }],
      contexts: [
        { name: 'sim', context: { cluster: 'sim', user: 'sim-user' } },
        { name: 'sim-staging', context: { cluster: 'sim', user: 'sim-user', namespace: 'staging' } },
      ],
      'current-context': 'sim',
      users: [{ name: 'sim-user', user: { token: 'sim-token' } }],
    };
    writeFileSync(cluster.kubeconfig, JSON.stringify(kubeconfig, null, 1));
    cluster.setFaults(options.faults ?? {});
    return cluster;
  }

  /** The environment for a CLI run against this cluster: the doubles first on PATH, the cluster's kubeconfig. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: [simBinDir, process.env.PATH ?? ''].join(delimiter),
      MLFLOW_SIM_STATE: this.dir,
      MLFLOW_SIM_REAL_HELM: this.realHelm,
      MLFLOW_SIM_REAL_KUBECTL: this.realKubectl,
      KUBECONFIG: this.kubeconfig,
      HOME: this.dir,
      ...extra,
    };
  }

  /** Runs a double directly, e.g. sim.exec('kubectl', ['get', 'pods', '-n', 'mlflow']). */
  async exec(tool: 'kubectl' | 'helm', args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<ExecOutcome> {
    const result = await execa(tool === 'helm' ? this.helm : this.kubectl, args, {
      env: this.env(options.env),
      extendEnv: false,
      input: options.input ?? '',
      reject: false,
      timeout: 120_000,
    });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  setFaults(faults: SimFaults): void {
    writeFileSync(join(this.dir, 'faults.json'), JSON.stringify(faults));
  }

  addFaults(faults: SimFaults): void {
    this.setFaults({ ...this.faults(), ...faults });
  }

  faults(): SimFaults {
    return JSON.parse(readFileSync(join(this.dir, 'faults.json'), 'utf8')) as SimFaults;
  }

  calls(tool?: RecordedCall['tool']): RecordedCall[] {
    const lines = readFileSync(join(this.dir, 'calls.jsonl'), 'utf8').split('\n').filter(Boolean);
    const calls = lines.map((line) => JSON.parse(line) as RecordedCall);
    return tool ? calls.filter((call) => call.tool === tool) : calls;
  }

  clearCalls(): void {
    writeFileSync(join(this.dir, 'calls.jsonl'), '');
  }

  private state(): SimState {
    return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as SimState;
  }

  /** Objects as stored (pods and Deployments without their derived status: ask kubectl for that). */
  objects(kind: string, namespace?: string): SimObject[] {
    return this.state().objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  object(kind: string, namespace: string | undefined, name: string): SimObject | undefined {
    return this.objects(kind, namespace).find((o) => o.metadata.name === name);
  }

  /** Every revision of a release, oldest first. */
  releaseHistory(namespace: string, name: string): SimRelease[] {
    return this.objects('Secret', namespace)
      .filter((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === name)
      .map((s) => s['x-sim'] as SimRelease)
      .sort((a, b) => a.revision - b.revision);
  }

  release(namespace: string, name: string): SimRelease | undefined {
    return this.releaseHistory(namespace, name).at(-1);
  }

  logs(namespace: string, pod: string): Record<string, { current?: string; previous?: string }> | undefined {
    return this.state().logs?.[`${namespace}/${pod}`];
  }

  /** The command that is hanging on the hangOn fault, once it hangs. */
  hanging(): { pid: number; command: string } | undefined {
    const file = join(this.dir, 'hanging.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; command: string }) : undefined;
  }

  async waitForHang(timeoutMs = 20_000): Promise<{ pid: number; command: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hanging = this.hanging();
      if (hanging) return hanging;
      if (Date.now() > deadline) throw new Error('no simulated command started hanging in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Every file of the cluster's folder as text, e.g. to search for a leaked secret. */
  files(): Record<string, string> {
    const names = ['state.json', 'faults.json', 'config.json', 'calls.jsonl', 'kubeconfig.yaml'];
    return Object.fromEntries(names.filter((n) => existsSync(join(this.dir, n))).map((n) => [n, readFileSync(join(this.dir, n), 'utf8')]));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
