import { savedAnswersName } from '../../answers/saved.js';
import type { ReleaseRevision } from '../../cluster/cluster-state.js';
import { shellLine, tailLines } from '../../cluster/display.js';
import { UnsupportedHelmError } from '../../cluster/helm.js';
import { CommandFailedError, CommandTimeoutError } from '../../cluster/runner.js';
import { missingPermission } from '../../cluster/forbidden.js';
import { apiServerGone } from '../../cluster/unreachable.js';
import { ToolNotFoundError } from '../../cluster/tool-errors.js';
import type { PlannedCommand } from '../../plan/commands.js';
import type { InstallRun } from './install-run.js';

/** Why a step failed and what to do about it, each in a sentence. */
export interface Explanation {
  cause: string;
  fix: string;
}

/** What the failed command said last (its error line), or the error's own message. */
export function saidBy(error: unknown): string {
  if (error instanceof CommandFailedError) return (error.stderrTail.at(-1) ?? error.summary).replace(/^Error: /, '').trim();
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** kubectl's own last words after a command in a pod failed: the command's message is the line before them. */
const podCommandEnded = /^(command terminated with exit code \d+|pod \S+ terminated \(.*\))$/;

/** What the backup's own tool said (pg_dump, mariadb-dump, the SQLite copy), its first line, before kubectl's. */
function backupSaid(error: unknown): string {
  if (!(error instanceof CommandFailedError)) return saidBy(error);
  return error.stderrTail.find((line) => line.trim() !== '' && !podCommandEnded.test(line.trim()))?.trim() ?? saidBy(error);
}

/** RBAC said no (a permission is missing), as against an admission rule refusing the object itself. */
function refused(error: unknown): boolean {
  return missingPermission(error) !== undefined;
}

/** The API server refused the object (an admission webhook or policy, a field it may not change): its words. */
function rejected(error: unknown): boolean {
  return error instanceof CommandFailedError && error.stderrTail.some((line) => /forbidden|denied the request|admission webhook|is invalid/i.test(line));
}

const pendingOperation = /another operation \(install\/upgrade\/rollback\) is in progress/;
const deadline = /context deadline exceeded|timed out waiting for the condition/;

function unreachableExplanation(run: InstallRun, step: string, words: string): Explanation {
  const { release, namespace } = run.answers;
  return {
    cause: `the API server stopped answering during ${step} (${words})`,
    fix: `Check that the cluster is running and reachable from here (\`kubectl get namespaces\`), then rerun the same command: it picks up where this one stopped (\`helm history ${release} --namespace ${namespace}\` shows where the release stands).`,
  };
}

function timedOut(error: unknown): boolean {
  return error instanceof CommandTimeoutError || (error instanceof CommandFailedError && error.stderrTail.some((line) => deadline.test(line)));
}

function slowFix(run: InstallRun): string {
  return `Look at the pods' state, events, logs and hints above and fix what they point at. If the cluster is only slow (pulling the image, provisioning the volume), rerun with a longer --timeout than ${run.timeout}.`;
}

function permissionFix(run: InstallRun): string {
  return `Ask a cluster admin for the permission in namespace ${run.answers.namespace} (a Role bound to you), or use a context that has it.`;
}

function helmUpgradeExplanation(run: InstallRun, error: unknown): Explanation {
  const { release, namespace } = run.answers;
  const said = saidBy(error);
  const gone = apiServerGone(error);
  if (gone !== undefined) return unreachableExplanation(run, 'helm upgrade', gone);
  if (error instanceof CommandFailedError && error.stderrTail.some((line) => pendingOperation.test(line))) {
    const deployed = run.before.release?.deployed;
    const unlock = deployed
      ? [run.tools.helm, 'rollback', release, String(deployed.revision), '--namespace', namespace]
      : [run.tools.helm, 'uninstall', release, '--namespace', namespace];
    return {
      cause: `release ${release} is locked by an earlier helm operation that did not finish (it was stopped or crashed): ${said}`,
      fix: `Unlock it with \`${shellLine(unlock[0] ?? 'helm', unlock.slice(1))}\`, then rerun.`,
    };
  }
  if (timedOut(error)) {
    return { cause: `release ${release} was not ready within --timeout ${run.timeout}: helm waited for its pods, volume claims and Jobs (${said})`, fix: slowFix(run) };
  }
  if (refused(error)) return { cause: `helm was refused: ${said}`, fix: permissionFix(run) };
  if (rejected(error)) {
    return {
      cause: `the API server refused the change: ${said.replace(/^(UPGRADE|INSTALLATION) FAILED: /, '')}`,
      fix: 'This is a rule of the cluster (an admission webhook or policy, or a field that cannot change once set), not a missing permission: change the answer it names, or ask the cluster\'s admins about the rule, then rerun.',
    };
  }
  return { cause: `helm upgrade failed: ${said.replace(/^(UPGRADE|INSTALLATION) FAILED: /, '')}`, fix: 'Read helm\'s message and the diagnostics above, fix what they point at, and rerun.' };
}

/** The cause and the fix of a failed step, in the person's terms. */
export function explainFailure(step: PlannedCommand, error: unknown, run: InstallRun): Explanation {
  if (error instanceof ToolNotFoundError || error instanceof UnsupportedHelmError) return { cause: error.problem, fix: error.remedy };
  const said = saidBy(error);
  const { release, namespace } = run.answers;
  const gone = step.step === 'helm-upgrade' ? undefined : apiServerGone(error);
  if (gone !== undefined) return unreachableExplanation(run, step.title.charAt(0).toLowerCase() + step.title.slice(1), gone);
  switch (step.step) {
    case 'backup':
      return {
        cause: `backing the database up to ${step.writesTo?.file ?? 'the --backup-to file'} failed: ${backupSaid(error)}`,
        fix: refused(error)
          ? `Nothing was changed. The backup needs to ${run.answers.backend.type === 'file' ? 'exec into the server pod (create pods/exec)' : 'run a pod and attach to it (create pods and pods/attach, delete pods)'} in namespace ${namespace}: ask for that, or back the database up yourself and rerun without --backup-to.`
          : `Nothing was changed, and the partial file was removed. Check that ${run.answers.backend.type === 'file' ? 'the server pod runs' : 'the database is reachable from the cluster'} (\`mlflow-install doctor\`), then rerun.`,
      };
    case 'namespace':
      return refused(error)
        ? { cause: `not allowed to create the namespace ${namespace}: ${said}`, fix: `Ask a cluster admin to create it (\`kubectl create namespace ${namespace}\`), then rerun.` }
        : { cause: `creating the namespace ${namespace} failed: ${said}`, fix: 'Fix what kubectl says, then rerun.' };
    case 'secrets':
      return { cause: `applying the database password Secret failed: ${said}`, fix: refused(error) ? permissionFix(run) : 'Fix what kubectl says, then rerun.' };
    case 'secrets-store-driver-repo':
    case 'secrets-store-driver':
    case 'secrets-store-provider-repo':
    case 'secrets-store-provider':
      return {
        cause: `installing the Secrets Store CSI driver or its ${run.answers.secrets.provider} provider failed: ${said}`,
        fix: 'Check access to kube-system and to the chart repository from here, or install the driver yourself (https://secrets-store-csi-driver.sigs.k8s.io/getting-started/installation) and rerun with --set secrets.installDriver=false.',
      };
    case 'helm-upgrade':
      return helmUpgradeExplanation(run, error);
    case 'rollout':
      return timedOut(error)
        ? { cause: `the Deployment of release ${release} did not finish rolling out within --timeout ${run.timeout}`, fix: slowFix(run) }
        : { cause: `kubectl rollout status failed: ${said}`, fix: slowFix(run) };
    case 'pods-ready':
      return timedOut(error)
        ? { cause: `not every server pod of release ${release} was Running and Ready within --timeout ${run.timeout}`, fix: slowFix(run) }
        : { cause: `waiting for the server pods failed: ${said}`, fix: slowFix(run) };
    case 'helm-test':
      return {
        cause: `the chart's test (a pod that asks the server for /health) failed: ${said}`,
        fix: 'Look at the test\'s output and the hints above; the server is installed, so `mlflow-install status` and `kubectl logs` show more.',
      };
    case 'cluster-uid':
    case 'save-answers':
      return {
        cause: `MLflow is installed and ready, but saving the answers in ConfigMap ${namespace}/${savedAnswersName(release)} failed: ${said}`,
        fix: 'Rerun the same command: it changes nothing that is in place and saves them.',
      };
    default:
      return { cause: `${step.title} failed: ${said}`, fix: 'Fix what the message says, then rerun.' };
  }
}

/** Where the release stands after helm upgrade failed, from its history read afterwards. */
export function releaseAfterHelmFailure(run: InstallRun, after: readonly ReleaseRevision[] | undefined, reason?: string): string {
  const { release, namespace } = run.answers;
  const before = run.before.release;
  const upgrading = before !== undefined && before.latest.status !== 'uninstalled';
  if (after === undefined) return `Could not read release ${release} afterwards (${reason ?? 'no answer'}): \`helm history ${release} --namespace ${namespace}\` shows where it stands.`;
  const latest = after.at(-1);
  if (latest === undefined || latest.status === 'uninstalled') {
    return upgrading
      ? `Release ${release} is gone: helm removed it.`
      : `Nothing of release ${release} is installed: helm removed what it had created (helm rolled back the first install).`;
  }
  if (latest.status.startsWith('pending-')) {
    return `Release ${release} is left ${latest.status} (helm was stopped before it could finish): the next helm command on it fails until \`helm rollback ${release} --namespace ${namespace}\`${upgrading ? '' : ` or \`helm uninstall ${release} --namespace ${namespace}\``} clears it.`;
  }
  if (upgrading && latest.status === 'deployed' && latest.revision !== before.latest.revision) {
    const earlier = before.deployed?.revision;
    return `helm rolled back: the earlier release${earlier === undefined ? '' : ` (revision ${earlier})`} is in place and still serving, as revision ${latest.revision}.`;
  }
  if (upgrading && latest.revision === before.latest.revision) return `helm changed nothing: release ${release} is still at revision ${latest.revision} (${latest.status}).`;
  return `Release ${release} is at revision ${latest.revision}, ${latest.status}.`;
}

/** After a later step failed, the release is installed but not healthy: how to go back. */
export function releaseInstalledButUnhealthy(run: InstallRun): string {
  const { release, namespace } = run.answers;
  const at = run.installedRevision === undefined ? '' : ` revision ${run.installedRevision}`;
  const earlier = run.before.release?.deployed;
  return earlier
    ? `Release ${release}${at} is installed but not healthy; \`helm rollback ${release} ${earlier.revision} --namespace ${namespace}\` returns to the earlier release (revision ${earlier.revision}).`
    : `Release ${release}${at} is installed but not healthy; \`mlflow-install uninstall --namespace ${namespace} --release ${release}\` removes it (the tracking data is kept).`;
}

/** The last lines a failed command printed on either stream: the phase of each test pod helm test ran, for one. */
/**
 * What `helm test` said about its test pods: its output without the chart's NOTES (which helm prints after the test
 * suite, and which would push the suite's Phase lines out of a tail), then the end of stderr.
 */
export function helmTestOutput(error: unknown, lines = 15): string[] {
  if (!(error instanceof CommandFailedError)) return [];
  const notes = error.stdout.search(/^NOTES:$/m);
  return [...tailLines(notes === -1 ? error.stdout : error.stdout.slice(0, notes), lines), ...error.stderrTail.slice(-5)];
}

