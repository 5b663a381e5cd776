// A real Kubernetes control plane for a test suite: kube-apiserver, controller-manager, scheduler and etcd
// (built by scripts/setup-control-plane.mjs), with kwok simulating one node and the lifecycle of its pods
// (./stages.ts). Each cluster has its own folder, its own kubeconfig (kwokctl's default would rewrite
// ~/.kube/config) and random ports; `delete()` stops every process it started.
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot, toolSet, type HelmMajor } from '../tools.js';
import { clusterStages, faultNamespaces } from './stages.js';

interface ControlPlaneReady {
  ok: true;
  versions: Record<string, string>;
  binaries: Record<'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kwok' | 'kwokctl', string>;
  stages: string;
}
type ControlPlaneStatus = ControlPlaneReady | { ok: false; reason: string };

const statusFile = join(repoRoot, '.cache', 'control-plane.json');

export function controlPlane(): ControlPlaneStatus {
  if (!existsSync(statusFile)) return { ok: false, reason: `${statusFile} is missing: run \`node scripts/test-setup.mjs\` (npm test does)` };
  const status = JSON.parse(readFileSync(statusFile, 'utf8')) as ControlPlaneStatus;
  if (!status.ok) return status;
  const missing = [...Object.values(status.binaries), status.stages].find((path) => !existsSync(path));
  return missing === undefined ? status : { ok: false, reason: `${missing} is gone: rerun \`node scripts/test-setup.mjs\`` };
}

/** Why the cluster tests cannot run here (they are skipped, saying so), or undefined. */
export function clusterUnavailable(): string | undefined {
  const status = controlPlane();
  if (!status.ok) return `no control plane: ${status.reason}`;
  const tools = [toolSet(3), toolSet(4)].find((set) => set.unavailable !== undefined);
  return tools?.unavailable;
}

export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What `kubectl logs` (and `--previous`) print for the containers of some namespaces (all when none named). */
export interface LogSet {
  current: string[];
  previous?: string[];
  namespaces?: string[];
}

export interface KwokClusterOptions {
  /** RBAC on (the default): a ServiceAccount token sees only what its bindings allow. */
  authorization?: boolean;
  /** PersistentVolumes to bind claims to (a released volume does not bind again). */
  volumes?: number;
  /** Lines of every container's log; `previous` for the last terminated one. */
  logs?: LogSet[];
  /**
   * `kubectl exec` into the pods of these namespaces runs the command on this machine (kwok's ClusterExec), with
   * these variables added, as the container's environment would give them; `path` is searched for the command.
   */
  execs?: { namespaces: string[]; env: Record<string, string>; path: string[] }[];
}

let sequence = 0;

/** Clusters not deleted yet: a test process that ends without deleting one (a timeout, a crash) stops it on exit. */
const running = new Set<KwokCluster>();
process.once('exit', () => {
  for (const cluster of running) cluster.deleteNow();
});

export class KwokCluster {
  readonly kubeconfig: string;
  private readonly workdir: string;
  readonly kubectlBinary: string;

  private constructor(
    readonly name: string,
    readonly dir: string,
    private readonly plane: ControlPlaneReady,
  ) {
    this.kubeconfig = join(dir, 'kubeconfig.yaml');
    this.workdir = join(dir, 'kwok');
    this.kubectlBinary = toolSet(4).kubectl;
  }

  static async create(options: KwokClusterOptions = {}): Promise<KwokCluster> {
    const plane = controlPlane();
    if (!plane.ok) throw new Error(`no control plane to start: ${plane.reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'mlflow-kwok-'));
    const name = `mlflow-${process.pid}-${++sequence}`;
    const cluster = new KwokCluster(name, dir, plane);
    running.add(cluster);
    try {
      await cluster.start(options);
    } catch (error) {
      await cluster.delete();
      throw error;
    }
    return cluster;
  }

  /** kwok inherits it: the command of an exec is looked up on its PATH. */
  private execPath: string[] = [];

  private kwokctlEnv(): Record<string, string> {
    return { KWOK_WORKDIR: this.workdir, HOME: this.dir, PATH: [...this.execPath, process.env.PATH ?? ''].join(':') };
  }

  private async kwokctl(args: string[], timeoutMs = 120_000): Promise<void> {
    const result = await execa(this.plane.binaries.kwokctl, ['--name', this.name, ...args], { env: this.kwokctlEnv(), extendEnv: false, reject: false, timeout: timeoutMs, all: true });
    if (result.exitCode !== 0) throw new Error(`kwokctl ${args.slice(0, 2).join(' ')} failed (exit ${result.exitCode ?? result.signal}):\n${String(result.all).split('\n').slice(-15).join('\n')}`);
  }

  private async writeConfig(options: KwokClusterOptions): Promise<string> {
    const logsDir = join(this.dir, 'logs');
    mkdirSync(logsDir, { recursive: true });
    const logSets = options.logs ?? [];
    const defaultLog: LogSet = { current: ['INFO mlflow.server: listening on 0.0.0.0:5000'] };
    const logsObjects = [...logSets, defaultLog].map((set, index) => {
      const current = join(logsDir, `current-${index}.log`);
      writeFileSync(current, criLog(set.current));
      const previous = set.previous ? join(logsDir, `previous-${index}.log`) : undefined;
      if (previous) writeFileSync(previous, criLog(set.previous ?? []));
      return {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterLogs',
        metadata: { name: `logs-${index}` },
        spec: {
          ...(set.namespaces ? { selector: { matchNamespaces: set.namespaces } } : {}),
          logs: [{ containers: [], logsFile: current, ...(previous ? { previousLogsFile: previous } : {}) }],
        },
      };
    });
    const execObjects = (options.execs ?? []).map((exec, index) => ({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterExec',
      metadata: { name: `exec-${index}` },
      spec: {
        selector: { matchNamespaces: exec.namespaces },
        execs: [{ containers: [], local: { workDir: this.dir, envs: Object.entries(exec.env).map(([name, value]) => ({ name, value })) } }],
      },
    }));
    // kwokctl's own choice of ports races with a cluster created at the same moment by another process.
    const [kubeApiserverPort, etcdPort, etcdPeerPort, kubeControllerManagerPort, kubeSchedulerPort, kwokControllerPort] = await freePorts(6);
    const configuration = {
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      kind: 'KwokctlConfiguration',
      options: {
        runtime: 'binary',
        kubeApiserverPort,
        etcdPort,
        etcdPeerPort,
        kubeControllerManagerPort,
        kubeSchedulerPort,
        kwokControllerPort,
        kubeApiserverBinary: this.plane.binaries['kube-apiserver'],
        kubeControllerManagerBinary: this.plane.binaries['kube-controller-manager'],
        kubeSchedulerBinary: this.plane.binaries['kube-scheduler'],
        etcdBinary: this.plane.binaries.etcd,
        kwokControllerBinary: this.plane.binaries.kwok,
        kubectlBinary: this.kubectlBinary,
        kubeAuthorization: options.authorization ?? true,
        kubeAdmission: true,
        kubeVersion: this.plane.versions.kubernetes,
        etcdVersion: this.plane.versions.etcd,
        kwokVersion: this.plane.versions.kwok,
      },
    };
    const file = join(this.dir, 'kwok.yaml');
    writeFileSync(file, [configuration, ...clusterStages(this.plane.stages), ...logsObjects, ...execObjects].map((doc) => stringify(doc)).join('---\n'));
    return file;
  }

  private async start(options: KwokClusterOptions): Promise<void> {
    this.execPath = [...new Set((options.execs ?? []).flatMap((exec) => exec.path))];
    const config = await this.writeConfig(options);
    await this.kwokctl(['--config', config, 'create', 'cluster', '--kubeconfig', this.kubeconfig, '--wait', '90s', '--timeout', '120s'], 150_000);
    // A kubelet reports its node's ephemeral storage; kwok's node has none, and the scheduler refuses a pod that requests some.
    await this.kwokctl(['scale', 'node', '--replicas', '1', '--param', '.allocatable["ephemeral-storage"] = "100Gi"']);
    await this.apply(baseObjects(this.dir, options.volumes ?? 12));
    await this.waitForDefaultServiceAccount();
  }

  /** The controller-manager makes each namespace's `default` ServiceAccount a moment after it starts; a pod needs it. */
  private async waitForDefaultServiceAccount(): Promise<void> {
    const deadline = Date.now() + 90_000;
    while ((await this.exec(['get', 'serviceaccount', 'default', '--namespace', 'default'])).exitCode !== 0) {
      if (Date.now() > deadline) throw new Error('the controller-manager made no ServiceAccount default/default within 90 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** kubectl against this cluster (as its admin), failing on a non-zero exit. */
  async kubectl(args: readonly string[], input?: string): Promise<string> {
    const outcome = await this.exec(args, input);
    if (outcome.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${outcome.stderr.trim()}`);
    return outcome.stdout;
  }

  async exec(args: readonly string[], input?: string): Promise<ExecOutcome> {
    const result = await execa(this.kubectlBinary, ['--kubeconfig', this.kubeconfig, ...args], { input: input ?? '', reject: false, timeout: 120_000 });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  async apply(objects: readonly object[]): Promise<void> {
    await this.kubectl(['apply', '-f', '-'], objects.map((object) => JSON.stringify(object)).join('\n---\n'));
  }

  async getJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.kubectl(['get', ...args, '-o', 'json'])) as T;
  }

  /** The environment of a CLI run on this cluster: its kubeconfig, and the real helm and kubectl first on PATH. */
  env(major: HelmMajor, extra: Record<string, string> = {}): Record<string, string> {
    const tools = toolSet(major);
    return {
      PATH: [join(tools.helm, '..'), process.env.PATH ?? ''].join(':'),
      KUBECONFIG: this.kubeconfig,
      HOME: this.dir,
      HELM_CACHE_HOME: join(this.dir, 'helm', `cache-${major}`),
      HELM_CONFIG_HOME: join(this.dir, 'helm', `config-${major}`),
      HELM_DATA_HOME: join(this.dir, 'helm', `data-${major}`),
      ...extra,
    };
  }

  private pidOf(component: string): number {
    return Number(readFileSync(join(this.workdir, 'clusters', this.name, 'pids', `${component}.pid`), 'utf8').trim());
  }

  /** Stops the API server for good (its port refuses connections from now on). */
  stopApiServer(): void {
    process.kill(this.pidOf('kube-apiserver'), 'SIGKILL');
  }

  /** delete(), blocking: for a process that is exiting. */
  deleteNow(): void {
    spawnSync(this.plane.binaries.kwokctl, ['--name', this.name, 'delete', 'cluster', '--kubeconfig', this.kubeconfig], { env: this.kwokctlEnv(), timeout: 30_000, stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
    running.delete(this);
  }

  async delete(): Promise<void> {
    running.delete(this);
    await this.kwokctl(['delete', 'cluster', '--kubeconfig', this.kubeconfig], 60_000).catch((error: unknown) => {
      process.stderr.write(`[kwok] deleting cluster ${this.name}: ${(error as Error).message}\n`);
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Ports the kernel has just handed out as free (ephemeral ports, chosen at random). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Lines in the CRI log format kwok serves `kubectl logs` from. */
function criLog(lines: readonly string[]): string {
  return lines.map((line) => `2026-01-01T00:00:00.000000000Z stdout F ${line}\n`).join('');
}

/** What every test cluster has besides the control plane: a default StorageClass, volumes, an IngressClass. */
function baseObjects(dir: string, volumes: number): object[] {
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
      reclaimPolicy: 'Retain',
    },
    ...Array.from({ length: volumes }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `pv-${index}` },
      spec: {
        capacity: { storage: '100Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'standard',
        hostPath: { path: join(dir, 'volumes', String(index)) },
      },
    })),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx' },
    },
    ...Object.values(faultNamespaces).map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  ];
}
