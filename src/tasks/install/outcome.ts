import { savedAnswersName } from '../../answers/saved.js';
import { releaseHistory, type ReleaseRevision } from '../../cluster/cluster-state.js';
import { z } from 'zod';
import { formatBytes, shellLine } from '../../cluster/display.js';
import { CommandRunner } from '../../cluster/runner.js';
import { kubectlTool, runTool } from '../../cluster/tool-errors.js';
import type { PlannedCommand } from '../../plan/commands.js';
import type { Palette } from '../../ui/colors.js';
import { diagnose, formatDiagnosis, hintsFor, isEmptyDiagnosis, mergeDiagnoses, type Diagnosis } from '../diagnose.js';
import { explainFailure, helmTestOutput, releaseAfterHelmFailure, releaseInstalledButUnhealthy, type Explanation } from './failure.js';
import { releaseSelector, type InstallRun } from './install-run.js';
import { migrationOutcome, recordMigratedSchema, schemaLines, upgradeOf } from './upgrade-report.js';

const podSteps = new Set(['helm-upgrade', 'rollout', 'pods-ready', 'helm-test']);
const checksOfTheRelease = new Set(['rollout', 'pods-ready', 'helm-test']);
const afterTheRelease = new Set([...checksOfTheRelease, 'cluster-uid', 'save-answers']);

/** The release's history read afresh: the run's own runner may have been stopped by Ctrl-C. */
async function historyAfter(run: InstallRun): Promise<{ revisions?: ReleaseRevision[]; reason?: string }> {
  const runner = new CommandRunner({ redactor: run.runner.redactor, signal: AbortSignal.timeout(20_000), killGraceMs: 500 });
  try {
    return { revisions: await releaseHistory(runner, run.tools.helm, run.kube, run.answers.release, run.answers.namespace) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

const leftoverList = z.object({ items: z.array(z.object({ kind: z.string(), metadata: z.object({ name: z.string() }) })).default([]) });

/**
 * What of the release helm leaves behind when it removes or rolls back a revision: volume claims marked to be
 * kept, and failed hook Jobs (kept for their logs). Read afresh, like the history.
 */
async function leftovers(run: InstallRun, kinds: readonly string[]): Promise<{ kind: string; name: string }[]> {
  const runner = new CommandRunner({ redactor: run.runner.redactor, signal: AbortSignal.timeout(20_000), killGraceMs: 500 });
  const args = run.kubectl.args(['get', kinds.join(','), '--selector', releaseSelector(run.answers.release), '-o', 'json'], run.answers.namespace);
  try {
    const result = await runTool(runner, kubectlTool, { file: run.tools.kubectl, args, timeoutMs: 20_000 });
    return leftoverList.parse(JSON.parse(result.stdout)).items.map((item) => ({ kind: item.kind, name: item.metadata.name }));
  } catch {
    return [];
  }
}

const whyKept: Record<string, string> = {
  PersistentVolumeClaim: 'marked to be kept, with its data',
  Job: 'a failed hook, kept for its logs',
};

/** The line that names what helm left, and how to remove it; none when nothing is left. */
async function leftoverLines(run: InstallRun, releaseGone: boolean): Promise<string[]> {
  const left = await leftovers(run, releaseGone ? ['persistentvolumeclaims', 'jobs'] : ['jobs']);
  if (left.length === 0) return [];
  const names = left.map((item) => `${item.kind} ${item.name} (${whyKept[item.kind] ?? 'left by helm'})`);
  const remove = [run.tools.kubectl, 'delete', ...left.map((item) => `${item.kind.toLowerCase()}/${item.name}`), '--namespace', run.answers.namespace];
  return [`helm left in place: ${names.join(', ')}; \`${shellLine(remove[0] ?? 'kubectl', remove.slice(1))}\` removes ${left.length === 1 ? 'it' : 'them'}.`];
}

/** Where the release stands after helm failed or was stopped, and what it left. */
async function whereHelmLeftIt(run: InstallRun): Promise<string[]> {
  const after = await historyAfter(run);
  const latest = after.revisions?.at(-1);
  const gone = after.revisions !== undefined && (latest === undefined || latest.status === 'uninstalled');
  return [releaseAfterHelmFailure(run, after.revisions, after.reason), ...(await leftoverLines(run, gone))];
}

async function podDiagnosis(run: InstallRun): Promise<Diagnosis | undefined> {
  try {
    const now = await diagnose(run.kubectl, { selector: releaseSelector(run.answers.release) });
    // After helm's rollback the failed pods are gone: what the watch saw is then all there is.
    return isEmptyDiagnosis(now) ? (run.watched ?? now) : mergeDiagnoses(run.watched, now);
  } catch {
    return run.watched;
  }
}

function rerunLines(command: readonly string[], verb: string): string[] {
  return [`${verb}, rerun the same command:`, `  ${shellLine(command[0] ?? 'npx', command.slice(1))}`];
}

function answersNotSaved(run: InstallRun): string {
  const where = `${run.answers.namespace}/${savedAnswersName(run.answers.release)}`;
  return `The answers of this run are not saved in ConfigMap ${where}: that happens only after a successful install.`;
}

/** Everything a person needs after a failed step: cause, what the pods say, where things stand, the fix. */
export async function failureReport(
  run: InstallRun,
  step: PlannedCommand,
  error: unknown,
  command: readonly string[],
  palette: Palette,
): Promise<{ lines: string[]; explanation: Explanation }> {
  const explanation = explainFailure(step, error, run);
  const lines = ['', `${palette.fail('Cause:')} ${explanation.cause}`];
  const output = helmTestOutput(error);
  if (step.step === 'helm-test' && output.length > 0) lines.push('The test said:', ...output.map((line) => `  ${line}`));
  if (podSteps.has(step.step)) {
    const diagnosis = await podDiagnosis(run);
    if (diagnosis) {
      const shown = new Set(diagnosis.hints.map((hint) => hint.id));
      const more = hintsFor(output).filter((hint) => !shown.has(hint.id));
      lines.push(...formatDiagnosis({ ...diagnosis, hints: [...diagnosis.hints, ...more] }));
    } else {
      lines.push(...hintsFor(output).map((hint) => `hint: ${hint.message}`));
    }
  }
  lines.push('');
  if (step.step === 'helm-upgrade') {
    lines.push(...(await whereHelmLeftIt(run)));
  } else if (checksOfTheRelease.has(step.step)) {
    lines.push(releaseInstalledButUnhealthy(run));
  }
  const upgrade = podSteps.has(step.step) ? upgradeOf(run) : undefined;
  if (upgrade) {
    const outcome = migrationOutcome(run.answers, step.step, error);
    const recorded = outcome === 'job-completed' ? await recordMigratedSchema(run, upgrade.to) : undefined;
    lines.push(...schemaLines(upgrade, run.answers, outcome, recorded));
  }
  if (step.step !== 'save-answers' && step.step !== 'cluster-uid') lines.push(answersNotSaved(run));
  lines.push(...run.ledger.describe());
  if (run.backup) lines.push(`The database as it was before this run is backed up in ${run.backup.file} (${formatBytes(run.backup.bytes)}); the rerun below leaves out --backup-to.`);
  // A failed backup is taken again by the rerun; one that was taken is kept, and a backup never overwrites it.
  const rerun = step.writesTo && !run.backup ? [...command, '--backup-to', step.writesTo.file] : command;
  lines.push('', `${palette.bold('Fix:')} ${explanation.fix}`, ...rerunLines(rerun, 'Then'));
  return { lines, explanation };
}

/** After Ctrl-C: which step was stopped, where the release stands, what this run changed, how to resume. */
export async function cancelReport(run: InstallRun, step: PlannedCommand | undefined, command: readonly string[]): Promise<string[]> {
  if (step === undefined) return ['', 'Cancelled before anything was changed in the cluster.'];
  const lines = ['', `Cancelled during: ${step.title}.`];
  if (step.step === 'helm-upgrade') {
    const [where, ...left] = await whereHelmLeftIt(run);
    lines.push(`helm was stopped. ${where ?? ''}`, ...left);
  } else if (afterTheRelease.has(step.step)) {
    lines.push(`Release ${run.answers.release}${run.installedRevision === undefined ? '' : ` revision ${run.installedRevision}`} is installed; the checks after it did not finish.`);
  }
  if (step.step !== 'save-answers') lines.push(answersNotSaved(run));
  lines.push(...run.ledger.describe(), ...rerunLines(command, 'To resume'));
  return lines;
}
