import { shellQuote } from '../cluster/display.js';
import type { Plan } from './plan.js';

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

function section(title: string, lines: readonly string[], empty: string): string[] {
  return ['', `${title}:`, ...(lines.length > 0 ? lines.map((line) => `  ${line}`) : [`  ${empty}`])];
}

const providedBy: Record<Plan['secrets'][number]['providedBy'], string> = {
  'mlflow-install': 'created by mlflow-install from stdin',
  'secrets-store-csi-driver': 'synced by the Secrets Store CSI driver',
  existing: 'yours: must exist before the install',
};

/** The backup command as a person runs it: the newline it waits for piped in, the dump redirected to a file. */
export function backupLine(backup: { argv: readonly string[]; input?: string }, file: string): string {
  return `${backup.input ? 'echo | ' : ''}${shellCommand(backup.argv)} > ${shellQuote(file)}`;
}

/** The upgrade's consequences and the backup to take first (or the step that takes it, with --backup-to). */
export function upgradeSection(mlflow: Plan['mlflow'], backupStep?: Plan['commands'][number]): string[] {
  const backup = backupStep?.writesTo
    ? [`Step 1 backs the database up to ${backupStep.writesTo.file} first (--backup-to); nothing changes if it fails.`]
    : mlflow.backup
      ? ['Back the database up first (this command writes the dump to stdout), or pass --backup-to FILE:', `  ${backupLine(mlflow.backup, mlflow.backup.suggestedFile)}`, `  (${mlflow.backup.holds})`]
      : [];
  return section(`Upgrade of MLflow ${mlflow.upgradeFrom ?? ''} -> ${mlflow.version}`, [...mlflow.consequences, ...backup], '');
}

/** The plan as people read it. Every command is shown shell-quoted, exactly as it will run. */
export function formatPlan(plan: Plan): string {
  const action =
    plan.action === 'unknown'
      ? 'install or upgrade (the cluster was not consulted)'
      : plan.action === 'upgrade'
        ? 'upgrade of the existing release'
        : 'install (no release of that name yet)';
  const lines = [
    'Plan (dry run: nothing was changed)',
    `  Release:     ${plan.release} in namespace ${plan.namespace}`,
    `  Action:      ${action}`,
    `  Chart:       ${plan.chart.path} (helm ${plan.chart.helmVersion})`,
    `  Values file: ${plan.valuesFile} (written, mode 0600, no secret in it)`,
    `  Login:       ${plan.login}`,
    `  MLflow:      ${plan.mlflow.upgradeFrom ? `${plan.mlflow.upgradeFrom} -> ${plan.mlflow.version} (an upgrade: the database is migrated)` : plan.mlflow.version}`,
  ];
  if (plan.mlflow.upgradeFrom) lines.push(...upgradeSection(plan.mlflow, plan.commands.find((command) => command.step === 'backup')));
  if (plan.cluster.consulted) {
    const changes = plan.cluster.valuesDiff.map((change) => `${change.key}: ${show(change.before)} -> ${show(change.after)}`);
    if (plan.cluster.releaseExists) lines.push(...section('Values changed against the release', changes, 'none: the upgrade changes no value'));
  }
  lines.push(
    ...section(
      'Secrets (names and keys only; values are filled in at apply time)',
      plan.secrets.map((secret) => `${secret.name} [${secret.keys.join(', ')}]: ${providedBy[secret.providedBy]}; ${secret.source}`),
      'none',
    ),
    ...section(
      'Volumes the chart creates',
      plan.volumes.map(
        (volume) =>
          `PersistentVolumeClaim ${volume.name}: ${volume.size}, ${volume.storageClass ? `StorageClass ${volume.storageClass}` : "the cluster's default StorageClass"}, ${volume.accessModes.join(', ')}${volume.kept ? ', kept on uninstall' : ''}`,
      ),
      'none',
    ),
    ...section(
      `Resources rendered (${plan.resources.length})`,
      plan.resources.map((resource) => `${resource.kind} ${resource.name}${resource.hook ? ` (hook: ${resource.hook})` : ''}`),
      'none',
    ),
    '',
    'Commands, in order:',
  );
  plan.commands.forEach((command, index) => {
    lines.push(`  ${index + 1}. ${command.title}${command.when ? ` (${command.when})` : ''}`);
    const redirect = command.writesTo ? ` > ${shellQuote(command.writesTo.file)}` : '';
    lines.push(`     ${shellCommand(command.argv)}${redirect}${command.stdin ? `   < stdin: ${command.stdin}` : ''}`);
  });
  lines.push(
    '',
    `The answers are saved after success in ConfigMap ${plan.savedAnswers.configMap} (${plan.savedAnswers.keys.join(', ')}).`,
  );
  if (plan.notes.length > 0) lines.push(...section('Notes', plan.notes, ''));
  lines.push('', 'To install with these answers:', `  ${shellCommand(plan.equivalentCommand)}`);
  return `${lines.join('\n')}\n`;
}

export function formatPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
