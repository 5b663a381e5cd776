import { savedAnswersName, schemaVersionKey } from '../../answers/saved.js';
import { installerLabels } from '../../answers/labels.js';
import { isDatabaseBackend, type Answers } from '../../answers/schema.js';
import { clusterView } from '../../cluster/cluster-state.js';
import { CommandFailedError } from '../../cluster/runner.js';
import { chartFullname } from '../../plan/chart.js';
import { versionChange } from '../../plan/upgrade.js';
import type { InstallRun } from './install-run.js';

export interface Upgrade {
  from: string;
  to: string;
}

/** The MLflow upgrade a run makes, when its release runs another version. */
export function upgradeOf(run: Pick<InstallRun, 'before' | 'answers'>): Upgrade | undefined {
  const versions = clusterView(run.before).versions;
  const change = versions ? versionChange(run.answers.mlflow.version, versions) : undefined;
  return change?.kind === 'upgrade' ? { from: change.from, to: change.to } : undefined;
}

/** helm's words when a hook Job (the migration) failed: "pre-upgrade hooks failed: ... job ... failed". */
export function migrationJobFailed(error: unknown): boolean {
  return error instanceof CommandFailedError && error.stderrTail.some((line) => /pre-(upgrade|install) hooks failed|job \S*-migrate failed|Job\/[^/\s]+\/\S*-migrate not ready/i.test(line));
}

/** Where the migration got to, when the step that failed tells. */
export type MigrationOutcome = 'job-failed' | 'job-completed' | 'unknown';

export function migrationOutcome(answers: Answers, step: string, error: unknown): MigrationOutcome {
  if (!isDatabaseBackend(answers.backend.type)) return 'unknown';
  if (step !== 'helm-upgrade') return 'job-completed';
  return migrationJobFailed(error) ? 'job-failed' : 'job-completed';
}

/** The report's lines on the schema after a failed upgrade (pure). */
export function schemaLines(upgrade: Upgrade, answers: Answers, outcome: MigrationOutcome, recorded: string | undefined): string[] {
  const job = `${chartFullname(answers.release)}-migrate`;
  const { from, to } = upgrade;
  if (outcome === 'job-failed') {
    return [
      `The schema: the pre-upgrade Job ${job} failed, so the release's old revision (MLflow ${from}) was left serving; the migration stopped before its end (its log says where: \`kubectl logs job/${job} --namespace ${answers.namespace}\`).`,
      `MLflow ${from} keeps starting only while the schema is still its own; if its pods stop starting, restore the backup taken before the upgrade, or fix the cause and rerun the upgrade to ${to}.`,
    ];
  }
  if (outcome === 'job-completed') {
    return [
      `The schema: the pre-upgrade Job ${job} completed: the database now belongs to MLflow ${to}${recorded ? ` (recorded as ${schemaVersionKey} in ConfigMap ${recorded})` : ''}.`,
      `A \`helm rollback\` to MLflow ${from}'s image will not start on it (MLflow refuses a schema newer than its own): fix the cause and rerun the upgrade to ${to}, or restore the backup to go back.`,
    ];
  }
  return [
    `The schema: the new server's init container migrates the SQLite file as it starts; once it ran (\`kubectl logs deployment/${chartFullname(answers.release)} --container migrate --namespace ${answers.namespace}\`), the file belongs to MLflow ${to}.`,
    `A \`helm rollback\` to MLflow ${from}'s image then will not start on it: fix the cause and rerun the upgrade to ${to}, or copy the backup back to go back.`,
  ];
}

/**
 * After a failure past the migration: the saved answers' ConfigMap (when an earlier run saved one) gets the new
 * schema version, so that a rerun with the old version is refused. Its other keys stay as the last success left them.
 */
export async function recordMigratedSchema(run: InstallRun, version: string): Promise<string | undefined> {
  const saved = run.before.savedAnswers;
  if (saved === undefined) return undefined;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: saved.location.name, namespace: saved.location.namespace, labels: installerLabels(run.answers.release) },
    data: { ...saved.data, [schemaVersionKey]: version },
  };
  try {
    await run.kubectl.apply(JSON.stringify(configMap), saved.location.namespace);
    return `${saved.location.namespace}/${savedAnswersName(run.answers.release)}`;
  } catch {
    return undefined;
  }
}
