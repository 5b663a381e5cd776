// Runs the containers of a rendered chart as real local processes, the way a kubelet would start them:
// - env from `value`, `valueFrom.secretKeyRef` / `configMapKeyRef` (the Secrets and ConfigMaps of the same
//   render, or ones given as already in the cluster, like the wizard's existingSecret), `fieldRef`, envFrom;
//   `$(VAR)` expanded in env values, command and args as Kubernetes does (`$$` escapes);
// - each volume mount mapped to a temporary folder (a PVC's folder is shared by every pod of the release,
//   an emptyDir belongs to one pod), the mount paths rewritten in args, env and workingDir;
// - the image's `python`/`mlflow` are the test venv's (its bin first on PATH); the working directory is an
//   empty folder nobody may write to (the image's root filesystem is read-only);
// - as root, the process runs as the pod's runAsUser/runAsGroup (+ fsGroup), which own the volume folders,
//   when the venv's programs run as that user here (else as root, said once on stderr);
// - for the server, the listen host/port are replaced by 127.0.0.1 and a free port (the originals are kept
//   in `listen` so that tests can check what the chart asked for).
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Manifest } from '../helpers/render.js';
import { python } from './env.js';
import { registerSecret, startProcess, tailOf, type Exit, type Proc } from './procs.js';

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef; fieldRef?: { fieldPath: string } };
}

export interface EnvFromSource {
  prefix?: string;
  secretRef?: { name: string; optional?: boolean };
  configMapRef?: { name: string; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  volumeMounts?: VolumeMount[];
  workingDir?: string;
  ports?: { name?: string; containerPort: number }[];
  securityContext?: SecurityContext;
}

export interface KeyToPath {
  key: string;
  path: string;
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  csi?: Record<string, unknown>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: SecurityContext;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pod spec of a Deployment, Job, StatefulSet, DaemonSet or Pod. */
export function podSpecOf(workload: Manifest): PodSpec {
  const spec = workload.spec;
  const podSpec = workload.kind === 'Pod' ? spec : isRecord(spec) && isRecord(spec.template) ? spec.template.spec : undefined;
  if (!isRecord(podSpec) || !Array.isArray(podSpec.containers)) {
    throw new Error(`${workload.kind}/${workload.metadata.name} has no pod spec with containers`);
  }
  return podSpec as unknown as PodSpec;
}

export function decodeSecret(secret: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(secret.data)) {
    for (const [key, value] of Object.entries(secret.data)) out[key] = Buffer.from(String(value), 'base64').toString('utf8');
  }
  if (isRecord(secret.stringData)) {
    for (const [key, value] of Object.entries(secret.stringData)) out[key] = String(value);
  }
  return out;
}

/** Expand `$(VAR)` from vars as Kubernetes does: `$$(VAR)` stays `$(VAR)`, unknown references stay as written. */
export function expandVars(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match: string, name: string | undefined) => {
    if (match === '$$') return '$';
    if (name !== undefined && Object.prototype.hasOwnProperty.call(vars, name)) return vars[name] ?? '';
    return match;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites container paths under the mount points to their local folders (longest mount first). */
export function pathMapper(mounts: Record<string, string>): (text: string) => string {
  const paths = Object.keys(mounts).sort((a, b) => b.length - a.length);
  if (paths.length === 0) return (text) => text;
  const pattern = new RegExp(`(^|[^A-Za-z0-9_.-])(${paths.map(escapeRegExp).join('|')})(?=$|[^A-Za-z0-9_.-])`, 'g');
  return (text) => text.replace(pattern, (_match: string, before: string, path: string) => `${before}${mounts[path] ?? path}`);
}

export interface Listen {
  /** What the chart asked for (undefined: not given, so MLflow's default would apply). */
  host: string | undefined;
  port: string | undefined;
}

/** Replace --host/-h and --port/-p (both `--x=v` and `--x v` forms) after the `server` word. */
function rewriteListen(argv: string[], port: number): { argv: string[]; listen: Listen } {
  const out = [...argv];
  const listen: Listen = { host: undefined, port: undefined };
  const start = Math.max(0, out.indexOf('server') + 1);
  const options: [keyof Listen, string[], string][] = [
    ['host', ['--host', '-h'], '127.0.0.1'],
    ['port', ['--port', '-p'], String(port)],
  ];
  for (let i = start; i < out.length; i++) {
    const arg = out[i] ?? '';
    for (const [key, names, replacement] of options) {
      for (const name of names) {
        if (arg === name && i + 1 < out.length) {
          listen[key] = out[i + 1];
          out[i + 1] = replacement;
        } else if (arg.startsWith(`${name}=`)) {
          listen[key] = arg.slice(name.length + 1);
          out[i] = `${name}=${replacement}`;
        }
      }
    }
  }
  if (listen.host === undefined) out.push('--host', '127.0.0.1');
  if (listen.port === undefined) out.push('--port', String(port));
  return { argv: out, listen };
}

export interface Prepared {
  container: Container;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  mounts: Record<string, string>;
  listen: Listen | undefined;
  user: PodUser | undefined;
}

export interface StartOptions {
  /** Serve on 127.0.0.1:listenPort instead of the chart's host and port. */
  listenPort?: number;
  /** Text replaced in args and env, e.g. a Service's in-cluster URL -> the local server's URL. */
  rewrite?: Record<string, string>;
  /** Extra environment for this run (overrides the container's). */
  env?: Record<string, string>;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The user a container runs as: the pod's runAsUser/runAsGroup, with fsGroup as a supplementary group. */
export interface PodUser {
  uid: number;
  gid: number;
  groups: number[];
}

/** setpriv's options that start a program as `user`, as start() starts a container. */
function setprivArgs(user: PodUser): string[] {
  return [`--reuid=${user.uid}`, `--regid=${user.gid}`, user.groups.length > 0 ? `--groups=${user.groups.join(',')}` : '--clear-groups'];
}

export type RunResult = { ok: true } | { ok: false; reason: string };

/**
 * Whether `program` (an absolute path and its arguments) exits 0 when started as `user` the way start()
 * starts a container. Only root can switch users. The program must itself exec what it depends on: setpriv
 * can start a program in a folder the user cannot enter, but what that program then opens or execs cannot.
 */
export function runsAs(user: PodUser, program: string[]): RunResult {
  if (!isRoot) return { ok: false, reason: 'only root can run a program as another user' };
  const run = spawnSync('setpriv', [...setprivArgs(user), ...program], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8' },
    cwd: tmpdir(),
    timeout: 60_000,
  });
  if (run.error) return { ok: false, reason: run.error.message };
  if (run.status === 0) return { ok: true };
  const lastLine = (run.stderr ?? '').trim().split('\n').pop();
  return { ok: false, reason: lastLine || `exited ${run.status ?? run.signal}` };
}

/**
 * What every chart container runs: the venv's python, which execs the venv's mlflow. Both by absolute path:
 * on PATH, a system python or pip would stand in for a venv the user cannot reach, and the probe would pass.
 */
export function venvProgram(): string[] {
  const { bin } = python();
  return [join(bin, 'python'), '-c', `import os; os.execv(${JSON.stringify(join(bin, 'mlflow'))}, ["mlflow", "--version"])`];
}

const runsAsCache = new Map<string, boolean>();

/**
 * `user` if `program` runs as that user here, else undefined: the containers then run as this process's
 * user (said once on stderr), e.g. when the clone is under a folder only its owner may enter.
 */
export function userThatCanRun(user: PodUser, program: string[]): PodUser | undefined {
  if (!isRoot) return undefined;
  const key = JSON.stringify([user, program]);
  let ok = runsAsCache.get(key);
  if (ok === undefined) {
    const result = runsAs(user, program);
    ok = result.ok;
    runsAsCache.set(key, ok);
    if (!result.ok) {
      const hint = /Permission denied|EACCES/.test(result.reason) ? ': it must be under folders every user may enter' : '';
      process.stderr.write(`[test/real] the containers run as uid ${process.getuid?.() ?? '?'}, not as the pod's runAsUser ${user.uid}: ${program[0] ?? ''} does not run as that user here (${result.reason})${hint}\n`);
    }
  }
  return ok ? user : undefined;
}

/** The objects of one render, with the cluster's state the containers see: PVC folders shared across pods. */
export class LocalCluster {
  readonly root: string;
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly configMaps = new Map<string, Record<string, string>>();
  private readonly claims = new Map<string, string>();
  private readonly procs: Proc[] = [];
  private pods = 0;

  private current: Manifest[] = [];

  private readonly podProgram: string[] | undefined;

  constructor(
    manifests: Manifest[],
    options: { secrets?: Record<string, Record<string, string>>; namespace?: string; programOfPods?: string[] } = {},
  ) {
    this.podProgram = options.programOfPods;
    this.root = mkdtempSync(join(tmpdir(), 'mlflow-real-pods-'));
    chmodSync(this.root, 0o755);
    this.namespace = options.namespace ?? manifests.find((m) => m.metadata.namespace)?.metadata.namespace ?? 'default';
    for (const [name, data] of Object.entries(options.secrets ?? {})) this.addSecret(name, data);
    this.apply(manifests);
  }

  readonly namespace: string;

  /** What must run as a pod's user for its containers to run as that user: by default, what the chart's do. */
  get programOfPods(): string[] {
    return this.podProgram ?? venvProgram();
  }

  get manifests(): Manifest[] {
    return this.current;
  }

  /** Apply a render (an install, or an upgrade of the same release): its Secrets and ConfigMaps replace those of
   * the same name; the PVC folders stay, as a PersistentVolumeClaim survives an upgrade. */
  apply(manifests: Manifest[]): void {
    this.current = manifests;
    for (const manifest of manifests) {
      if (manifest.kind === 'Secret') this.addSecret(manifest.metadata.name, decodeSecret(manifest));
      if (manifest.kind === 'ConfigMap' && isRecord(manifest.data)) {
        this.configMaps.set(manifest.metadata.name, Object.fromEntries(Object.entries(manifest.data).map(([k, v]) => [k, String(v)])));
      }
    }
  }

  /** A Secret that exists in the cluster before the release (the wizard applies it). */
  addSecret(name: string, data: Record<string, string>): void {
    for (const value of Object.values(data)) registerSecret(value);
    this.secrets.set(name, data);
  }

  secret(name: string): Record<string, string> | undefined {
    return this.secrets.get(name);
  }

  /** The local folder of a PersistentVolumeClaim: the same for every pod that mounts it. */
  claimDir(claimName: string): string {
    let dir = this.claims.get(claimName);
    if (!dir) {
      dir = join(this.root, `pvc-${claimName}`);
      mkdirSync(dir, { recursive: true });
      this.claims.set(claimName, dir);
    }
    return dir;
  }

  find(kind: string, predicate: (m: Manifest) => boolean, what: string): Manifest {
    const found = this.manifests.filter((m) => m.kind === kind && predicate(m));
    if (found.length !== 1) {
      const names = this.manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ');
      throw new Error(`expected exactly one ${kind} ${what} in the render, found ${found.length} (render: ${names})`);
    }
    return found[0] as Manifest;
  }

  /** A new pod of this workload: fresh emptyDirs, the release's PVC folders. */
  pod(workload: Manifest): LocalPod {
    this.pods += 1;
    return new LocalPod(this, workload, join(this.root, `pod${this.pods}-${workload.metadata.name}`));
  }

  track(proc: Proc): Proc {
    this.procs.push(proc);
    return proc;
  }

  configMap(name: string): Record<string, string> | undefined {
    return this.configMaps.get(name);
  }

  /** Stop everything started in this cluster and remove its folders. */
  async cleanup(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.stop()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

export class LocalPod {
  readonly spec: PodSpec;
  private readonly volumeDirs = new Map<string, string>();
  readonly rootfs: string;

  constructor(
    readonly cluster: LocalCluster,
    readonly workload: Manifest,
    readonly dir: string,
  ) {
    this.spec = podSpecOf(workload);
    mkdirSync(dir, { recursive: true });
    // The image's root filesystem: read-only (securityContext.readOnlyRootFilesystem), so nobody may write here.
    this.rootfs = join(dir, 'rootfs');
    mkdirSync(this.rootfs, { mode: 0o555 });
    chmodSync(this.rootfs, 0o555);
  }

  get name(): string {
    return `${this.workload.kind}/${this.workload.metadata.name}`;
  }

  container(name: string): Container {
    const all = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    const found = all.find((c) => c.name === name);
    if (!found) throw new Error(`${this.name} has no container ${name} (it has: ${all.map((c) => c.name).join(', ')})`);
    return found;
  }

  private owner(container: Container): PodUser | undefined {
    const pod = this.spec.securityContext ?? {};
    const own = container.securityContext ?? {};
    const uid = own.runAsUser ?? pod.runAsUser;
    if (uid === undefined) return undefined;
    const gid = own.runAsGroup ?? pod.runAsGroup ?? 0;
    return userThatCanRun({ uid, gid, groups: pod.fsGroup !== undefined ? [pod.fsGroup] : [] }, this.cluster.programOfPods);
  }

  private volumeDir(volume: Volume): string {
    const existing = this.volumeDirs.get(volume.name);
    if (existing) return existing;
    let dir: string;
    const group = this.spec.securityContext?.fsGroup;
    const writable = (path: string): void => {
      chmodSync(path, 0o2775);
      if (isRoot) chownSync(path, this.spec.securityContext?.runAsUser ?? 0, group ?? this.spec.securityContext?.runAsGroup ?? 0);
    };
    if (volume.persistentVolumeClaim) {
      dir = this.cluster.claimDir(volume.persistentVolumeClaim.claimName);
      writable(dir);
    } else if (volume.emptyDir) {
      dir = join(this.dir, `emptydir-${volume.name}`);
      mkdirSync(dir, { recursive: true });
      writable(dir);
    } else if (volume.secret || volume.configMap) {
      const source = volume.secret
        ? { kind: 'Secret', name: volume.secret.secretName, data: this.cluster.secret(volume.secret.secretName), items: volume.secret.items, optional: volume.secret.optional }
        : { kind: 'ConfigMap', name: volume.configMap?.name ?? '', data: this.cluster.configMap(volume.configMap?.name ?? ''), items: volume.configMap?.items, optional: volume.configMap?.optional };
      if (!source.data && !source.optional) throw new Error(`${this.name}: volume ${volume.name} needs ${source.kind} ${source.name}, which is neither in the render nor given`);
      dir = join(this.dir, `${source.kind.toLowerCase()}-${volume.name}`);
      mkdirSync(dir, { recursive: true });
      const data = source.data ?? {};
      const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        const file = join(dir, item.path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, data[item.key] ?? '', { mode: 0o644 });
      }
    } else {
      throw new Error(`${this.name}: volume ${volume.name} (${Object.keys(volume).filter((k) => k !== 'name').join(', ')}) cannot be provided locally`);
    }
    this.volumeDirs.set(volume.name, dir);
    return dir;
  }

  /** Container path -> local folder, for this container's mounts. */
  mounts(container: Container): Record<string, string> {
    const mounts: Record<string, string> = {};
    for (const mount of container.volumeMounts ?? []) {
      const volume = (this.spec.volumes ?? []).find((v) => v.name === mount.name);
      if (!volume) throw new Error(`${this.name}: container ${container.name} mounts ${mount.name}, which is not a volume of the pod`);
      let dir = this.volumeDir(volume);
      if (mount.subPath) {
        dir = join(dir, mount.subPath);
        mkdirSync(dir, { recursive: true });
      }
      mounts[mount.mountPath.replace(/\/+$/, '') || '/'] = dir;
    }
    return mounts;
  }

  private keyRef(kind: 'Secret' | 'ConfigMap', ref: KeyRef, variable: string, container: Container): string | undefined {
    const data = kind === 'Secret' ? this.cluster.secret(ref.name) : this.cluster.configMap(ref.name);
    const value = data?.[ref.key];
    if (value === undefined && !ref.optional) {
      throw new Error(`${this.name}: container ${container.name} env ${variable} needs key ${ref.key} of ${kind} ${ref.name}, which ${data ? 'has no such key' : 'is neither in the render nor given'} (the kubelet would fail with CreateContainerConfigError)`);
    }
    return value;
  }

  /** The environment the container would get, with `$(VAR)` expanded, before path mapping. */
  resolveEnv(container: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const kind = source.secretRef ? 'Secret' : 'ConfigMap';
      const name = source.secretRef?.name ?? source.configMapRef?.name ?? '';
      const data = kind === 'Secret' ? this.cluster.secret(name) : this.cluster.configMap(name);
      if (!data && !(source.secretRef?.optional ?? source.configMapRef?.optional)) throw new Error(`${this.name}: envFrom ${kind} ${name} is neither in the render nor given`);
      for (const [key, value] of Object.entries(data ?? {})) env[`${source.prefix ?? ''}${key}`] = value;
    }
    for (const variable of container.env ?? []) {
      let value: string | undefined;
      if (variable.value !== undefined) value = expandVars(String(variable.value), env);
      else if (variable.valueFrom?.secretKeyRef) value = this.keyRef('Secret', variable.valueFrom.secretKeyRef, variable.name, container);
      else if (variable.valueFrom?.configMapKeyRef) value = this.keyRef('ConfigMap', variable.valueFrom.configMapKeyRef, variable.name, container);
      else if (variable.valueFrom?.fieldRef) {
        const field = variable.valueFrom.fieldRef.fieldPath;
        const fields: Record<string, string> = {
          'metadata.name': `${this.workload.metadata.name}-local`,
          'metadata.namespace': this.cluster.namespace,
          'status.podIP': '127.0.0.1',
          'status.hostIP': '127.0.0.1',
          'spec.nodeName': 'local',
        };
        value = fields[field];
        if (value === undefined) throw new Error(`${this.name}: env ${variable.name} fieldRef ${field} is not simulated`);
      } else value = '';
      if (value !== undefined) env[variable.name] = value;
    }
    return env;
  }

  prepare(name: string, options: StartOptions = {}): Prepared {
    const container = this.container(name);
    if (!container.command || container.command.length === 0) {
      throw new Error(`${this.name}: container ${name} has no command and would run the image's entrypoint, which cannot be run locally`);
    }
    const containerEnv = this.resolveEnv(container);
    const mounts = this.mounts(container);
    const map = pathMapper(mounts);
    const expand = (arg: string): string => expandVars(arg, containerEnv);
    // A program text (python -c) is code, not a path: left as it is.
    const rewrites = Object.entries(options.rewrite ?? {});
    const mapArg = (arg: string): string => {
      if (arg.includes('\n')) return arg;
      let out = map(arg);
      for (const [from, to] of rewrites) out = out.split(from).join(to);
      return out;
    };
    let argv = [...container.command, ...(container.args ?? [])].map(expand).map(mapArg);
    let listen: Listen | undefined;
    if (options.listenPort !== undefined) {
      const rewritten = rewriteListen(argv, options.listenPort);
      argv = rewritten.argv;
      listen = rewritten.listen;
    }
    const venv = python();
    const env: Record<string, string> = {
      PATH: `${venv.bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: this.rootfs,
      LANG: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    };
    for (const [key, value] of Object.entries(containerEnv)) env[key] = mapArg(value);
    for (const [key, value] of Object.entries(options.env ?? {})) env[key] = value;
    const [first, ...rest] = argv;
    // An absolute program path of the image (/usr/local/bin/mlflow) is the venv's program of that name.
    let command = first ?? '';
    if (command.startsWith('/') && !Object.keys(mounts).some((m) => command.startsWith(`${m}/`))) {
      const base = command.split('/').pop() ?? command;
      try {
        accessSync(join(venv.bin, base), constants.X_OK);
        command = join(venv.bin, base);
      } catch {
        // not a venv program: left as the image names it (and fails to start if it is not here)
      }
    }
    const cwd = container.workingDir ? map(container.workingDir) : this.rootfs;
    return { container, command, args: rest, env, cwd, mounts, listen, user: this.owner(container) };
  }

  start(name: string, options: StartOptions = {}): { proc: Proc; prepared: Prepared } {
    const prepared = this.prepare(name, options);
    let command = prepared.command;
    let args = prepared.args;
    if (prepared.user) {
      args = [...setprivArgs(prepared.user), command, ...args];
      command = 'setpriv';
    }
    const proc = this.cluster.track(startProcess(`${this.name} container ${name}`, command, args, { env: prepared.env, cwd: prepared.cwd }));
    return { proc, prepared };
  }

  /** Run a container to completion (a Job's container, an init container). */
  async run(name: string, timeoutMs: number, options: StartOptions = {}): Promise<{ exit: Exit; output: string; raw: string; prepared: Prepared }> {
    const { proc, prepared } = this.start(name, options);
    const exit = await proc.wait(timeoutMs);
    return { exit, output: proc.output(), raw: proc.rawOutput(), prepared };
  }

  /** Run a container and fail, with its output, unless it exits 0. */
  async runOk(name: string, timeoutMs: number, options: StartOptions = {}): Promise<string> {
    const result = await this.run(name, timeoutMs, options);
    if (result.exit.code !== 0) {
      throw new Error(`${this.name} container ${name} exited with ${result.exit.code ?? result.exit.signal}:\n${tailOf(result.raw)}`);
    }
    return result.output;
  }

  /** Every init container in order, each to success, as the kubelet does before the main containers. */
  async runInitContainers(timeoutMs: number): Promise<Record<string, string>> {
    const outputs: Record<string, string> = {};
    for (const container of this.spec.initContainers ?? []) outputs[container.name] = await this.runOk(container.name, timeoutMs);
    return outputs;
  }
}
