import { z } from 'zod';
import { parseDuration } from './duration.js';
import {
  configMapSchema,
  crdSchema,
  deploymentSchema,
  eventSchema,
  ingressClassSchema,
  namespaceSchema,
  podSchema,
  pvcSchema,
  secretSchema,
  storageClassSchema,
  type ConfigMap,
  type CustomResourceDefinition,
  type Deployment,
  type IngressClass,
  type KubeEvent,
  type Namespace,
  type PersistentVolumeClaim,
  type Pod,
  type SecretSummary,
  type StorageClass,
} from './k8s.js';
import { checkPodEnded, checkPodManifest, podProgress, refusal } from './check-pod.js';
import { missingPermission } from './forbidden.js';
import { dryRunAnswer, type DryRunAnswer, type ReleasePod } from './pod-security.js';
import { CommandFailedError, type CommandRunner, type RunResult } from './runner.js';
import { kubectlTool, runTool } from './tool-errors.js';

export interface KubectlOptions {
  binary: string;
  context?: string;
  kubeconfig?: string;
  /** The namespace namespaced calls use unless told otherwise. */
  namespace: string;
}

export interface ClusterIdentity {
  context: string;
  server: string;
  /** The context's default namespace, if it has one. */
  namespace?: string;
}

export interface Versions {
  client: string;
  server: string;
}

export interface ListOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
}

export interface LogOptions {
  container?: string;
  tail?: number;
  previous?: boolean;
}

export interface DeleteOptions {
  namespace?: string;
  /** Wait until the objects are gone (kubectl's default); false returns as soon as deletion is accepted. */
  wait?: boolean;
  timeout?: string;
}

export interface CheckPodOptions {
  name: string;
  image: string;
  imagePullSecrets?: readonly string[];
  /** The container's command as an argv array. */
  command: readonly string[];
  namespace?: string;
  /** How long the pod may take to be scheduled, pull its image and finish, e.g. "90s". */
  timeout: string;
}

/** How a check pod ended: its container's exit code and termination message, or why it never ran. */
export type CheckPodOutcome =
  | { ran: true; exitCode: number; message: string }
  | { ran: false; reason: string; /** The API server refused the pod (admission, quota, RBAC). */ refused?: true };

const QUICK_TIMEOUT_MS = 30_000;
const WAIT_MARGIN_MS = 30_000;

const versionSchema = z.object({
  clientVersion: z.object({ gitVersion: z.string() }),
  serverVersion: z.object({ gitVersion: z.string() }).optional(),
});

const configViewSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z
    .array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), namespace: z.string().optional() }) }))
    .nullish(),
  clusters: z.array(z.object({ name: z.string(), cluster: z.object({ server: z.string() }) })).nullish(),
});

function listSchema<T>(item: z.ZodType<T>) {
  return z.object({ items: z.array(item).default([]) });
}

function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`unexpected ${what} from kubectl: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}

/** Waiting commands get kubectl's own timeout plus a margin, so kubectl reports the timeout itself. */
function waitTimeoutMs(timeout: string): number {
  const ms = parseDuration(timeout);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(timeout)} (e.g. 90s, 5m)`);
  return ms + WAIT_MARGIN_MS;
}

/** kubectl, always aimed at the chosen kubeconfig, context and namespace. */
export class Kubectl {
  readonly binary: string;
  readonly namespace: string;
  private readonly globalFlags: string[];

  constructor(
    private readonly runner: CommandRunner,
    options: KubectlOptions,
  ) {
    this.binary = options.binary;
    this.namespace = options.namespace;
    this.globalFlags = [
      ...(options.context ? ['--context', options.context] : []),
      ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ];
  }

  /** argv for a subcommand: its words, then the namespace (when it is namespaced), then context and kubeconfig. */
  args(words: readonly string[], namespace?: string | 'all'): string[] {
    const scope = namespace === undefined ? [] : namespace === 'all' ? ['--all-namespaces'] : ['--namespace', namespace];
    return [...words, ...scope, ...this.globalFlags];
  }

  private run(args: string[], options: { timeoutMs?: number; input?: string; acceptExitCodes?: number[]; shared?: boolean } = {}): Promise<RunResult> {
    return runTool(this.runner, kubectlTool, {
      file: this.binary,
      args,
      timeoutMs: options.timeoutMs ?? QUICK_TIMEOUT_MS,
      input: options.input,
      acceptExitCodes: options.acceptExitCodes,
      shared: options.shared,
    });
  }

  async currentContext(): Promise<string> {
    return (await this.run(this.args(['config', 'current-context']))).stdout.trim();
  }

  /** The context in use and its API server, from the kubeconfig alone (no cluster call). */
  async identity(): Promise<ClusterIdentity> {
    const view = parse(configViewSchema, (await this.run(this.args(['config', 'view', '--minify', '-o', 'json']), { shared: true })).stdout, 'config');
    const context = view.contexts?.[0];
    const cluster = view.clusters?.find((candidate) => candidate.name === context?.context.cluster);
    if (context === undefined || cluster === undefined) throw new Error('the kubeconfig has no usable context');
    return { context: context.name, server: cluster.cluster.server, namespace: context.context.namespace };
  }

  /** The client's own version: needs no cluster. */
  /**
   * Both versions in one process: the client's always, the server's when it answered, and otherwise kubectl's
   * last word on why not. Fails only when kubectl itself did not run.
   */
  async versionReport(): Promise<{ client: string; server?: string; problem?: string }> {
    const result = await this.run(this.args(['version', '-o', 'json']), { acceptExitCodes: [1], shared: true });
    const version = parse(versionSchema, result.stdout, 'version');
    const problem = result.stderr.trim().split('\n').at(-1)?.trim();
    return {
      client: version.clientVersion.gitVersion,
      ...(version.serverVersion ? { server: version.serverVersion.gitVersion } : {}),
      ...(version.serverVersion === undefined ? { problem: problem || 'kubectl printed no server version' } : {}),
    };
  }

  /** Client and server versions; fails when the API server cannot be reached. */
  async versions(): Promise<Versions> {
    const text = (await this.run(this.args(['version', '-o', 'json']))).stdout;
    const version = parse(versionSchema, text, 'version');
    if (version.serverVersion === undefined) throw new Error('kubectl printed no server version: the API server did not answer');
    return { client: version.clientVersion.gitVersion, server: version.serverVersion.gitVersion };
  }

  /**
   * Many `can-i` questions in one process: a SelfSubjectAccessReview each, created together (any signed-in user
   * may), answered in order. `resource` is `plural.group` (`deployments.apps`) or a core plural (`secrets`).
   */
  async canIAll(questions: readonly { verb: string; resource: string; namespace?: string }[]): Promise<boolean[]> {
    if (questions.length === 0) return [];
    const reviews = questions.map(({ verb, resource, namespace }) => {
      const dot = resource.indexOf('.');
      const attributes = { verb, resource: dot < 0 ? resource : resource.slice(0, dot), group: dot < 0 ? '' : resource.slice(dot + 1), ...(namespace ? { namespace } : {}) };
      return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } };
    });
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: reviews });
    const result = await this.run(this.args(['create', '-f', '-', '-o', 'jsonpath={.status.allowed}{"\\n"}']), { input });
    const answers = result.stdout.split('\n').slice(0, questions.length);
    if (answers.length !== questions.length) throw new Error(`kubectl answered ${answers.length} of ${questions.length} access reviews`);
    return answers.map((answer) => answer.trim() === 'true');
  }

  private async list<T>(resource: string, item: z.ZodType<T>, options: ListOptions = {}): Promise<T[]> {
    const scope = options.allNamespaces ? 'all' : options.namespace;
    const args = this.args(
      [
        'get',
        resource,
        ...(options.selector ? ['--selector', options.selector] : []),
        ...(options.fieldSelector ? ['--field-selector', options.fieldSelector] : []),
        '-o',
        'json',
      ],
      scope,
    );
    return parse(listSchema(item), (await this.run(args)).stdout, resource).items;
  }

  private async getOne<T>(resource: string, name: string, item: z.ZodType<T>, namespace?: string, shared = false): Promise<T | undefined> {
    const result = await this.run(this.args(['get', resource, name, '--ignore-not-found', '-o', 'json'], namespace), { shared });
    return result.stdout.trim() === '' ? undefined : parse(item, result.stdout, resource);
  }

  namespaces(): Promise<Namespace[]> {
    return this.list('namespaces', namespaceSchema);
  }

  /** The namespace, or undefined; `shared` for the reads before anything changes (see SharedReads). */
  namespaceNamed(name: string, options: { shared?: boolean } = {}): Promise<Namespace | undefined> {
    return this.getOne('namespace', name, namespaceSchema, undefined, options.shared);
  }

  storageClasses(): Promise<StorageClass[]> {
    return this.list('storageclasses', storageClassSchema);
  }

  ingressClasses(): Promise<IngressClass[]> {
    return this.list('ingressclasses', ingressClassSchema);
  }

  /** A CustomResourceDefinition by its full name, e.g. servicemonitors.monitoring.coreos.com. */
  crd(name: string): Promise<CustomResourceDefinition | undefined> {
    return this.getOne('customresourcedefinition', name, crdSchema);
  }

  pods(options: ListOptions = {}): Promise<Pod[]> {
    return this.list('pods', podSchema, { namespace: this.namespace, ...options });
  }

  events(options: ListOptions = {}): Promise<KubeEvent[]> {
    return this.list('events', eventSchema, { namespace: this.namespace, ...options });
  }

  deployments(options: ListOptions = {}): Promise<Deployment[]> {
    return this.list('deployments', deploymentSchema, { namespace: this.namespace, ...options });
  }

  persistentVolumeClaims(options: ListOptions = {}): Promise<PersistentVolumeClaim[]> {
    return this.list('persistentvolumeclaims', pvcSchema, { namespace: this.namespace, ...options });
  }

  /** Names and types only: Secret data is never read. */
  secrets(options: ListOptions = {}): Promise<SecretSummary[]> {
    return this.list('secrets', secretSchema, { namespace: this.namespace, ...options });
  }

  configMaps(options: ListOptions = {}): Promise<ConfigMap[]> {
    return this.list('configmaps', configMapSchema, { namespace: this.namespace, ...options });
  }

  /** Server-side apply of manifests given on stdin (how Secrets reach the cluster: never in argv). */
  apply(manifests: string, namespace: string = this.namespace): Promise<RunResult> {
    return this.run(this.args(['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-'], namespace), {
      input: manifests,
    });
  }

  createNamespace(name: string): Promise<RunResult> {
    return this.run(this.args(['create', 'namespace', name]));
  }

  /** Waits for the Deployment's rollout; kubectl fails with "timed out waiting for the condition" past the timeout. */
  rolloutStatus(deployment: string, timeout: string, namespace: string = this.namespace): Promise<RunResult> {
    return this.run(this.args(['rollout', 'status', `deployment/${deployment}`, '--timeout', timeout], namespace), {
      timeoutMs: waitTimeoutMs(timeout),
    });
  }

  /** Waits until every pod the selector matches is Ready; kubectl fails past the timeout, or when none match. */
  waitForPodsReady(selector: string, timeout: string, namespace: string = this.namespace): Promise<RunResult> {
    return this.run(this.args(['wait', 'pod', '--for=condition=Ready', '--selector', selector, '--timeout', timeout], namespace), {
      timeoutMs: waitTimeoutMs(timeout),
    });
  }

  /** The kube-system namespace's UID: what tells one cluster from another, whatever the context is called. */
  async clusterUid(): Promise<string> {
    return (await this.run(this.args(['get', 'namespace', 'kube-system', '--output', 'jsonpath={.metadata.uid}']))).stdout.trim();
  }

  async logs(pod: string, options: LogOptions = {}, namespace: string = this.namespace): Promise<string> {
    const words = [
      'logs',
      pod,
      ...(options.container ? ['--container', options.container] : []),
      ...(options.tail === undefined ? [] : ['--tail', String(options.tail)]),
      ...(options.previous ? ['--previous'] : []),
    ];
    return (await this.run(this.args(words, namespace))).stdout;
  }

  /** Deletes named objects, or those matching a label selector; absent ones are not an error. */
  delete(resource: string, target: readonly string[] | { selector: string }, options: DeleteOptions = {}): Promise<RunResult> {
    const which = 'selector' in target ? ['--selector', target.selector] : [...target];
    const timeout = options.timeout ?? '60s';
    const words = ['delete', resource, ...which, '--ignore-not-found', `--wait=${options.wait ?? true}`, '--timeout', timeout];
    return this.run(this.args(words, options.namespace ?? this.namespace), { timeoutMs: waitTimeoutMs(timeout) });
  }

  /**
   * The pods, created with `--dry-run=server` in one process: the API server's admission (Pod Security, quotas,
   * policies, webhooks) answers for each as it would for the real one, and nothing is kept. Fails (with the
   * refusal) only when RBAC does not allow creating pods there.
   */
  async dryRunPods(pods: readonly ReleasePod[], namespace: string = this.namespace): Promise<DryRunAnswer> {
    if (pods.length === 0) return { admitted: [], refused: [], unanswered: [] };
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods.map(({ pod }) => pod) });
    try {
      const result = await this.run(this.args(['create', '--dry-run=server', '-o', 'name', '-f', '-'], namespace), { input });
      return dryRunAnswer(pods, result.stdout, []);
    } catch (error) {
      if (!(error instanceof CommandFailedError) || missingPermission(error) !== undefined) throw error;
      const answer = dryRunAnswer(pods, error.stdout, error.stderrTail);
      return answer.unanswered.length > 0 ? { ...answer, problem: refusal(error) } : answer;
    }
  }

  /**
   * Runs a command in a short-lived pod, reads how it ended from the pod's status (never from an attached
   * stream, which some clusters cannot give), and removes it. The pod is admitted under the "restricted" Pod
   * Security level, and sidecar injection is switched off: a mesh sidecar would keep it running.
   */
  async runCheckPod(options: CheckPodOptions): Promise<CheckPodOutcome> {
    const namespace = options.namespace ?? this.namespace;
    const timeoutMs = parseDuration(options.timeout) ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    try {
      await this.run(this.args(['create', '-f', '-'], namespace), { input: JSON.stringify(checkPodManifest(options, namespace, timeoutMs)) });
    } catch (error) {
      if (error instanceof CommandFailedError) return { ran: false, refused: true, reason: `the pod was refused: ${refusal(error)}` };
      throw error;
    }
    try {
      for (;;) {
        const pod = await this.getOne('pod', options.name, podSchema, namespace);
        const ended = pod && checkPodEnded(pod);
        if (ended) return ended;
        if (Date.now() > deadline) return { ran: false, reason: `it did not finish within ${options.timeout} (${pod ? podProgress(pod) : 'the pod disappeared'})` };
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    } finally {
      await this.delete('pod', [options.name], { namespace, wait: false }).catch(() => undefined);
    }
  }
}
