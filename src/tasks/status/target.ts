import { describePermission, missingPermission } from '../../cluster/forbidden.js';
import { apiServerGone } from '../../cluster/unreachable.js';
import { isDns1123Label } from '../../answers/formats.js';
import { parseDuration } from '../../cluster/duration.js';
import { helmFrom, kubeAccessFrom, kubectlFrom } from '../../cluster/from-options.js';
import type { Helm, KubeAccess } from '../../cluster/helm.js';
import type { ClusterIdentity, Kubectl } from '../../cluster/kubectl.js';
import { Redactor } from '../../cluster/redact.js';
import { CommandFailedError, CommandRunner, type RunnerEvent } from '../../cluster/runner.js';
import { ReportedFailure, UsageError } from '../../errors.js';
import type { GlobalOptions } from '../../options.js';

/** The release a lifecycle command (status, uninstall) is about, and where it lives. */
export interface LifecycleTarget {
  release: string;
  namespace: string;
  kube: KubeAccess;
  /** --timeout, checked to be a duration. */
  timeout: string;
  timeoutMs: number;
  /** --helm, --kubectl, --context, --kubeconfig as given. */
  flags: Pick<GlobalOptions, 'helm' | 'kubectl' | 'context' | 'kubeconfig'>;
}

const DEFAULT_NAME = 'mlflow';

function checkedName(flag: string, value: string, maxLength: number): string {
  if (!isDns1123Label(value, maxLength)) {
    throw new UsageError(
      `${flag} ${value}: expected a DNS-1123 label of at most ${maxLength} characters (lowercase letters, digits and -, starting and ending with a letter or digit)`,
    );
  }
  return value;
}

export function lifecycleTarget(options: GlobalOptions): LifecycleTarget {
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout ${options.timeout}: expected a duration such as 90s, 5m or 1h`);
  return {
    release: checkedName('--release', options.release ?? DEFAULT_NAME, 53),
    namespace: checkedName('--namespace', options.namespace ?? DEFAULT_NAME, 63),
    kube: kubeAccessFrom(options),
    timeout: options.timeout,
    timeoutMs,
    flags: { helm: options.helm, kubectl: options.kubectl, context: options.context, kubeconfig: options.kubeconfig },
  };
}

/** The label selector of everything the chart creates for a release (pods, claims, ...). */
export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}

/** Passwords a person may have in the environment for the install: never shown, never passed on to a child. */
const PASSWORD_VARIABLES = ['MLFLOW_DB_PASSWORD', 'MLFLOW_DB_MASTER_PASSWORD', 'MLFLOW_ADMIN_PASSWORD'] as const;

export function redactorFor(env: NodeJS.ProcessEnv): Redactor {
  const redactor = new Redactor();
  for (const name of PASSWORD_VARIABLES) redactor.add(env[name] ?? '');
  return redactor;
}

/** --verbose: each command as it starts and how it ended (output is not echoed: helm's release JSON holds the values). */
export function verboseLog(write: (line: string) => void): (event: RunnerEvent) => void {
  return (event) => {
    if (event.type === 'start') write(`$ ${event.command}`);
    if (event.type === 'end') {
      const exit = event.exitCode === undefined ? '' : `, exit ${event.exitCode}`;
      write(`  ${event.outcome} (${Math.round(event.durationMs)} ms${exit}): ${event.command}`);
    }
  };
}

export interface ClusterTools {
  runner: CommandRunner;
  helm: Helm;
  kubectl: Kubectl;
  identity: ClusterIdentity;
}

/** The runner, helm (its major detected) and kubectl aimed at the target, and the context they reach. */
export async function connect(target: LifecycleTarget, runner: CommandRunner): Promise<ClusterTools> {
  const kubectl = kubectlFrom(runner, target.flags, target.namespace);
  const [helm, identity] = await Promise.all([helmFrom(runner, target.flags), kubectl.identity()]);
  return { runner, helm, kubectl, identity };
}

/** What to do about a read the cluster refused or did not answer, as a line of its own (or nothing). */
function readFix(error: CommandFailedError, tools: ClusterTools): string {
  const permission = missingPermission(error);
  if (permission) {
    return `\nFix: helm and kubectl must be able to read Secrets and ConfigMaps in the namespace (helm keeps its releases in Secrets); ask a cluster admin to allow "${describePermission(permission)}", or use a context that may.`;
  }
  if (apiServerGone(error) !== undefined) {
    return `\nFix: Check that the cluster is running and reachable from here (VPN, network, credentials) and that context ${tools.identity.context} is the one you mean (--context): \`kubectl get namespaces\` must work with it.`;
  }
  return '';
}

/** A read the cluster refused or did not answer, said with the context it went through (exit 1). */
export async function readingThrough<T>(tools: ClusterTools, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error;
    const reason = (error.stderrTail.at(-1) ?? error.summary).trim().replace(/^Error: /, '').replace(/^query: failed to query with labels: /, '');
    throw new ReportedFailure(`could not read ${what} through context ${tools.identity.context} (${tools.identity.server}): ${reason}${readFix(error, tools)}`);
  }
}
