import type { AuthSecretValues } from '../../answers/auth-secret.js';
import type { Answers } from '../../answers/schema.js';
import type { SecretEnvironment } from '../../answers/secrets.js';
import type { ClusterState } from '../../cluster/cluster-state.js';
import { parseDuration } from '../../cluster/duration.js';
import type { KubeAccess } from '../../cluster/helm.js';
import type { Kubectl } from '../../cluster/kubectl.js';
import type { CommandRunner, RunResult } from '../../cluster/runner.js';
import { helmTool, kubectlTool, runTool } from '../../cluster/tool-errors.js';
import type { PlannedCommand } from '../../plan/commands.js';
import type { ValueChange } from '../../plan/diff.js';
import type { Diagnosis } from '../diagnose.js';
import type { Ledger } from './ledger.js';

/** Everything the steps of one install share. */
export interface InstallRun {
  runner: CommandRunner;
  kubectl: Kubectl;
  tools: { helm: string; kubectl: string };
  kube: KubeAccess;
  answers: Answers;
  /** Where the passwords are read from when the Secrets are applied (never written anywhere). */
  env: SecretEnvironment;
  /** --timeout, as given: every wait's limit. */
  timeout: string;
  /** The cluster as read before anything changed. */
  before: ClusterState;
  /** How the new values differ from the release's, when it exists. */
  valuesDiff?: readonly ValueChange[];
  ledger: Ledger;
  /** The login's Secret values, when the answers want a login (in memory only). */
  auth?: AuthSecretValues;
  /** The login's Secret existed: kept as it was (the admin is never reset). */
  authSecretKept?: boolean;
  /** Filled in as the steps run. */
  clusterUid?: string;
  installedRevision?: number;
  /** The --backup-to file, once it is written and whole. */
  backup?: { file: string; bytes: number };
  /** What was seen of the release's pods while helm waited (helm's rollback deletes them). */
  watched?: Diagnosis;
}

/** How a step shows itself while it runs: a new title, a line of progress. */
export interface StepReport {
  title(text: string): void;
  output(text: string): void;
}

const QUICK_MS = 60_000;
// The runner's own limit only catches a command that hangs past its --timeout; helm's rollback may wait
// up to --timeout again, hence twice for helm upgrade.
const MARGIN_MS = 60_000;

export type StepLimit = 'quick' | 'wait' | 'helm-upgrade';

export function runnerTimeoutMs(limit: StepLimit, timeout: string): number {
  const ms = parseDuration(timeout) ?? 300_000;
  if (limit === 'quick') return QUICK_MS;
  return (limit === 'helm-upgrade' ? 2 * ms : ms) + MARGIN_MS;
}

/** Runs a planned command exactly as the plan shows it (stdin aside, which the plan only describes). */
export function execute(
  run: InstallRun,
  command: PlannedCommand,
  options: { limit: StepLimit; input?: string; onLine?: (line: string) => void; acceptExitCodes?: readonly number[] },
): Promise<RunResult> {
  const [file = '', ...args] = command.argv;
  const tool = file === run.tools.helm ? helmTool : kubectlTool;
  return runTool(run.runner, tool, {
    file,
    args,
    timeoutMs: runnerTimeoutMs(options.limit, run.timeout),
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
    ...(options.acceptExitCodes === undefined ? {} : { acceptExitCodes: options.acceptExitCodes }),
  });
}

export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}
