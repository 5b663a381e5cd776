import { z } from 'zod';
import { parseDuration } from './duration.js';
import { CommandFailedError, type CommandRunner, type RunResult } from './runner.js';
import { helmTool, runTool } from './tool-errors.js';

export type HelmMajor = 3 | 4;

export interface HelmVersion {
  major: number;
  minor: number;
  patch: number;
  /** As the binary printed it, e.g. "v3.18.0". */
  text: string;
}

export interface SupportedHelmVersion extends HelmVersion {
  major: HelmMajor;
}

export const MINIMUM_HELM3_MINOR = 12;
const HELM_INSTALL_URL = 'https://helm.sh/docs/intro/install/';

/** Finds "v3.18.0" in `{{.Version}}` output, and "v2.17.0" in helm 2's "Client: v2.17.0+g..." form. */
export function parseHelmVersion(output: string): HelmVersion | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?/.exec(output);
  if (match === null) return undefined;
  const [text, major, minor, patch] = match;
  return { major: Number(major), minor: Number(minor), patch: Number(patch), text: text.startsWith('v') ? text : `v${text}` };
}

/** A helm this program cannot drive: what was found, what is needed, where to get it. */
export class UnsupportedHelmError extends Error {
  override readonly name = 'UnsupportedHelmError';
  readonly problem: string;
  readonly remedy = `Get it from ${HELM_INSTALL_URL} and put it first on PATH, or point --helm at it.`;

  constructor(
    readonly binary: string,
    readonly found: string,
  ) {
    const problem = `${binary} is helm ${found}; mlflow-install needs helm 3.${MINIMUM_HELM3_MINOR} or later, or helm 4`;
    super(`${problem}. Get it from ${HELM_INSTALL_URL} and put it first on PATH, or point --helm at it.`);
    this.problem = problem;
  }
}

export function requireSupportedHelm(version: HelmVersion, binary: string): SupportedHelmVersion {
  const supported =
    (version.major === 3 && version.minor >= MINIMUM_HELM3_MINOR) || version.major === 4;
  if (!supported) throw new UnsupportedHelmError(binary, version.text);
  return { ...version, major: version.major as HelmMajor };
}

/** Where helm finds the cluster: kubeconfig and context (the namespace is given per call). */
export interface KubeAccess {
  context?: string;
  kubeconfig?: string;
}

function kubeFlags(kube: KubeAccess): string[] {
  return [
    ...(kube.context ? ['--kube-context', kube.context] : []),
    ...(kube.kubeconfig ? ['--kubeconfig', kube.kubeconfig] : []),
  ];
}

/** --wait as each major spells "wait until the resources are ready". */
function waitFlag(major: HelmMajor): string {
  return major === 3 ? '--wait' : '--wait=watcher';
}

export interface UpgradeInstallOptions {
  release: string;
  /** A chart directory, a .tgz, or repo/chart. */
  chart: string;
  namespace: string;
  valuesFiles?: readonly string[];
  /** Plain, non-secret settings (secrets go in Secrets applied from stdin, never here). */
  set?: Readonly<Record<string, string>>;
  chartVersion?: string;
  /** helm's own --timeout, e.g. "5m". */
  timeout: string;
}

export interface TemplateOptions {
  release: string;
  chart: string;
  namespace: string;
  valuesFiles?: readonly string[];
}

/**
 * The argv of every helm command this program runs, by major version, with no I/O: the plan shows them
 * (`--dry-run`) and the Helm client runs them.
 */
export function helmArgs(major: HelmMajor, kube: KubeAccess = {}) {
  const withKube = (args: string[]) => [...args, ...kubeFlags(kube)];
  return {
    version: (): string[] => ['version', '--template', '{{.Version}}'],

    upgradeInstall(options: UpgradeInstallOptions): string[] {
      const rollback = major === 3 ? ['--atomic', '--wait'] : ['--rollback-on-failure', '--wait=watcher'];
      return withKube([
        'upgrade',
        '--install',
        options.release,
        options.chart,
        '--namespace',
        options.namespace,
        ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
        ...Object.entries(options.set ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
        ...(options.chartVersion ? ['--version', options.chartVersion] : []),
        ...rollback,
        '--timeout',
        options.timeout,
      ]);
    },

    status: (release: string, namespace: string): string[] =>
      withKube(['status', release, '--namespace', namespace, '-o', 'json']),

    getValues: (release: string, namespace: string): string[] =>
      withKube(['get', 'values', release, '--namespace', namespace, '-o', 'json']),

    history: (release: string, namespace: string, max = 10): string[] =>
      withKube(['history', release, '--namespace', namespace, '--max', String(max), '-o', 'json']),

    // No --logs: helm reads them after the hook-succeeded policy deleted a passed test's pod, and then fails a
    // test that passed (helm 3: pod not found; helm 4: no logs found). A failed test pod is kept, and the
    // failure report reads its logs with the release's other pods.
    test: (release: string, namespace: string, timeout: string): string[] =>
      withKube(['test', release, '--namespace', namespace, '--timeout', timeout]),

    rollback: (release: string, namespace: string, timeout: string, revision?: number): string[] =>
      withKube([
        'rollback',
        release,
        ...(revision === undefined ? [] : [String(revision)]),
        '--namespace',
        namespace,
        waitFlag(major),
        '--timeout',
        timeout,
      ]),

    uninstall: (release: string, namespace: string, timeout: string): string[] =>
      withKube(['uninstall', release, '--namespace', namespace, waitFlag(major), '--timeout', timeout]),

    /** Releases in the namespace in any state worth knowing about (helm 4 has no --all). */
    list: (namespace: string, filter?: string): string[] =>
      withKube([
        'list',
        '--namespace',
        namespace,
        ...(filter ? ['--filter', filter] : []),
        '--deployed',
        '--failed',
        '--pending',
        '-o',
        'json',
      ]),

    listAllNamespaces: (filter?: string): string[] =>
      withKube(['list', '--all-namespaces', ...(filter ? ['--filter', filter] : []), '-o', 'json']),

    repoAdd: (name: string, url: string): string[] => ['repo', 'add', name, url, '--force-update'],

    repoUpdate: (names: readonly string[]): string[] => ['repo', 'update', ...names],

    template: (options: TemplateOptions): string[] => [
      'template',
      options.release,
      options.chart,
      '--namespace',
      options.namespace,
      ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ],
  };
}

export const releaseSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  version: z.number(),
  info: z.object({
    status: z.string(),
    description: z.string().optional(),
    notes: z.string().optional(),
    first_deployed: z.string().optional(),
    last_deployed: z.string().optional(),
  }),
  chart: z
    .object({ metadata: z.object({ name: z.string(), version: z.string(), appVersion: z.string().optional() }) })
    .optional(),
});

export const revisionSchema = z.object({
  revision: z.number(),
  updated: z.string().optional(),
  status: z.string(),
  chart: z.string().optional(),
  app_version: z.string().optional(),
  description: z.string().optional(),
});

export const listedReleaseSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  revision: z.union([z.string(), z.number()]).transform(Number),
  updated: z.string().optional(),
  status: z.string(),
  chart: z.string(),
  app_version: z.string().optional(),
});

export interface ChartIdentity {
  name: string;
  version: string;
  appVersion?: string;
}

/**
 * The chart of a revision as `helm history` and `helm list` give it ("mlflow-1.1.0" and app_version);
 * `helm status -o json` has no chart in either major.
 */
export function chartOfRevision(chart: string | undefined, appVersion: string | undefined): ChartIdentity | undefined {
  const match = /^(.+?)-(v?\d+\.\d+\.\d+(?:[-+].*)?)$/.exec(chart ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { name: match[1], version: match[2], ...(appVersion ? { appVersion } : {}) };
}

export type HelmRelease = z.infer<typeof releaseSchema>;
export type HelmRevision = z.infer<typeof revisionSchema>;
export type ListedRelease = z.infer<typeof listedReleaseSchema>;

const QUICK_TIMEOUT_MS = 60_000;
// helm enforces its own --timeout; ours only catches a helm that hangs past it. A v3 --atomic rollback
// waits up to --timeout again, hence twice.
const HELM_TIMEOUT_MARGIN_MS = 60_000;

function runnerTimeoutFor(helmTimeout: string, waits = 2): number {
  const ms = parseDuration(helmTimeout);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(helmTimeout)} (e.g. 90s, 5m)`);
  return ms * waits + HELM_TIMEOUT_MARGIN_MS;
}

function isReleaseNotFound(error: unknown): boolean {
  return error instanceof CommandFailedError && error.stderrTail.some((line) => /release: not found/.test(line));
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text.trim() === '' ? 'null' : text));
  if (!parsed.success) throw new Error(`unexpected ${what} from helm: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}

export interface HelmClientOptions {
  binary: string;
  kube?: KubeAccess;
}

/** Asks the binary for its version and refuses helm 2 and helm 3 older than 3.12. */
export async function detectHelmVersion(runner: CommandRunner, binary: string): Promise<SupportedHelmVersion> {
  let output: string;
  try {
    output = (await runTool(runner, helmTool, { file: binary, args: helmArgs(3).version(), timeoutMs: QUICK_TIMEOUT_MS, shared: true })).stdout;
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error;
    // helm 2 cannot evaluate {{.Version}}; its client-only short form still names it.
    output = (await runTool(runner, helmTool, { file: binary, args: ['version', '--client', '--short'], timeoutMs: QUICK_TIMEOUT_MS }))
      .stdout;
  }
  const version = parseHelmVersion(output);
  if (version === undefined) throw new UnsupportedHelmError(binary, `of unknown version (it printed ${JSON.stringify(output.trim().slice(0, 80))})`);
  return requireSupportedHelm(version, binary);
}

/** helm, driven with the flags of its major version. */
export class Helm {
  readonly args: ReturnType<typeof helmArgs>;

  constructor(
    private readonly runner: CommandRunner,
    readonly binary: string,
    readonly version: SupportedHelmVersion,
    kube: KubeAccess = {},
  ) {
    this.args = helmArgs(version.major, kube);
  }

  static async detect(runner: CommandRunner, options: HelmClientOptions): Promise<Helm> {
    const version = await detectHelmVersion(runner, options.binary);
    return new Helm(runner, options.binary, version, options.kube);
  }

  get major(): HelmMajor {
    return this.version.major;
  }

  private run(args: string[], timeoutMs = QUICK_TIMEOUT_MS, onLine?: (line: string) => void): Promise<RunResult> {
    return runTool(this.runner, helmTool, { file: this.binary, args, timeoutMs, onLine });
  }

  upgradeInstall(options: UpgradeInstallOptions, onLine?: (line: string) => void): Promise<RunResult> {
    return this.run(this.args.upgradeInstall(options), runnerTimeoutFor(options.timeout), onLine);
  }

  /** The release, or undefined when there is none of that name in the namespace. */
  async status(release: string, namespace: string): Promise<HelmRelease | undefined> {
    try {
      return parseJson(releaseSchema, (await this.run(this.args.status(release, namespace))).stdout, 'release status');
    } catch (error) {
      if (isReleaseNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The values the release was installed with (what `--values` and `--set` gave, not the chart defaults). */
  async getValues(release: string, namespace: string): Promise<Record<string, unknown>> {
    const text = (await this.run(this.args.getValues(release, namespace))).stdout;
    return parseJson(z.record(z.string(), z.unknown()).nullable(), text, 'values') ?? {};
  }

  async history(release: string, namespace: string, max?: number): Promise<HelmRevision[]> {
    try {
      return parseJson(z.array(revisionSchema), (await this.run(this.args.history(release, namespace, max))).stdout, 'history');
    } catch (error) {
      if (isReleaseNotFound(error)) return [];
      throw error;
    }
  }

  test(release: string, namespace: string, timeout: string): Promise<RunResult> {
    return this.run(this.args.test(release, namespace, timeout), runnerTimeoutFor(timeout, 1));
  }

  rollback(release: string, namespace: string, timeout: string, revision?: number): Promise<RunResult> {
    return this.run(this.args.rollback(release, namespace, timeout, revision), runnerTimeoutFor(timeout, 1));
  }

  uninstall(release: string, namespace: string, timeout: string): Promise<RunResult> {
    return this.run(this.args.uninstall(release, namespace, timeout), runnerTimeoutFor(timeout, 1));
  }

  async list(namespace: string, filter?: string): Promise<ListedRelease[]> {
    const text = (await this.run(this.args.list(namespace, filter))).stdout;
    return parseJson(z.array(listedReleaseSchema).nullable(), text, 'release list') ?? [];
  }

  async listAllNamespaces(filter?: string): Promise<ListedRelease[]> {
    const text = (await this.run(this.args.listAllNamespaces(filter))).stdout;
    return parseJson(z.array(listedReleaseSchema).nullable(), text, 'release list') ?? [];
  }

  repoAdd(name: string, url: string): Promise<RunResult> {
    return this.run(this.args.repoAdd(name, url), 2 * QUICK_TIMEOUT_MS);
  }

  repoUpdate(names: readonly string[]): Promise<RunResult> {
    return this.run(this.args.repoUpdate(names), 3 * QUICK_TIMEOUT_MS);
  }

  /** The rendered manifests, as YAML text. */
  async template(options: TemplateOptions): Promise<string> {
    return (await this.run(this.args.template(options), 2 * QUICK_TIMEOUT_MS)).stdout;
  }
}
