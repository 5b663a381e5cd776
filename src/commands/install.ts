import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adminPasswordEnv, authSecretValues, checkAdminPasswordEnvironment, type AuthSecretValues } from '../answers/auth-secret.js';
import { equivalentCommand } from '../answers/command-line.js';
import { missingAnswers, unansweredQuestions } from '../answers/consistency.js';
import { fieldByKey, flagFor } from '../answers/fields.js';
import { mergeLayers } from '../answers/layers.js';
import { answerInputsFromFlags, resolveAnswers, type ResolvedAnswers } from '../answers/resolve.js';
import { clusterUidKey, savedAnswersLabel } from '../answers/saved.js';
import { checkSecretEnvironment, missingSecretInputs, secretSpecs, type SecretEnvironment } from '../answers/secrets.js';
import { toChartValues, type ChartValues } from '../answers/to-values.js';
import { clusterView, readClusterOnce, type ClusterReading } from '../cluster/cluster-state.js';
import { parseDuration } from '../cluster/duration.js';
import { detectHelmVersion } from '../cluster/helm.js';
import { Kubectl } from '../cluster/kubectl.js';
import { Redactor } from '../cluster/redact.js';
import { CommandRunner } from '../cluster/runner.js';
import { SharedReads } from '../cluster/shared-reads.js';
import { ExitCode, UsageError } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { checkBackupEngine, checkBackupTarget } from '../plan/backup-target.js';
import { bundledChartDir } from '../plan/chart.js';
import type { ClusterView } from '../plan/cluster-view.js';
import type { ConfirmedTarget } from '../tasks/install/confirmation.js';
import { formatPlan, formatPlanJson } from '../plan/format.js';
import { buildPlan } from '../plan/plan.js';
import { renderWithHelm } from '../plan/render.js';
import { checkVersionChange } from '../plan/upgrade.js';
import { valuesFileText, writeValuesFile } from '../values-file.js';
import { checkSavedCluster } from '../wizard/saved-cluster.js';

/** What the command reads from and writes to, so tests can run it without a terminal. */
export interface InstallContext {
  stdout: (text: string) => void;
  env: SecretEnvironment;
  /** stdin and stdout are a terminal: questions could be asked. */
  interactive: boolean;
  cwd: string;
  /** The live cluster, when a later step could read it; the plan says when it was not consulted. */
  cluster?: ClusterView;
  /** What the wizard's summary showed next to "Install now" (set once the wizard ran). */
  confirmed?: ConfirmedTarget;
}

function defaultContext(): InstallContext {
  return {
    stdout: (text) => process.stdout.write(text),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    cwd: process.cwd(),
  };
}

/** Outside a terminal no question can be asked: say which ones would have been, and how to answer them. */
function notATerminal(resolved: ResolvedAnswers): UsageError {
  const questions = unansweredQuestions(resolved.answers, resolved.origins);
  const width = Math.max(...questions.map((key) => flagFor(key).length), 0);
  const list = questions.map((key) => `  ${flagFor(key).padEnd(width)}  ${fieldByKey(key)?.description ?? ''}`);
  return new UsageError(
    [
      'not a terminal and no --yes, so no question can be asked. These would have been:',
      ...list,
      'Answer them with the flags shown (or --preset), then pass --yes to take the defaults for the rest; --dry-run shows the plan.',
    ].join('\n'),
  );
}

/**
 * The interactive questions (src/wizard, imported only when a person is there to answer them). The answers,
 * the typed passwords (in memory, as environment-like entries) and the choice: install, or values and plan only.
 */
async function runWizard(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers) {
  const { runWizard: askQuestions } = await import('../wizard/run.js');
  const outcome = await askQuestions(options, context, resolved);
  return {
    options: outcome.action === 'plan' ? { ...options, dryRun: true } : options,
    context: { ...context, env: outcome.env, confirmed: outcome.confirmed },
    resolved: outcome.resolved,
  };
}

/** The cluster as it is now, for the release and namespace the answers name (bounded in time; never throws). */
function readCluster(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers): Promise<ClusterReading> {
  const { release, namespace } = resolved.answers;
  const known = ['MLFLOW_DB_PASSWORD', 'MLFLOW_DB_MASTER_PASSWORD', adminPasswordEnv].flatMap((name) => context.env[name] ?? []);
  const target = {
    kubectl: options.kubectl,
    helm: options.helm,
    ...(options.context ? { context: options.context } : {}),
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
  };
  prefetchPreflightReads(target, known);
  return readClusterOnce(target, { release, namespace }, { secrets: known, sharedReads: readsOfThisRun });
}

/** One run of the CLI: the reads the cluster read, the preflight and the render have in common happen once. */
const readsOfThisRun = new SharedReads();

/**
 * The preflight's reads that no answer changes (the versions of kubectl, the API server and helm) start with the
 * cluster read, not after it: the preflight then finds them answered.
 */
function prefetchPreflightReads(target: { kubectl: string; helm: string; context?: string; kubeconfig?: string }, secrets: readonly string[]): void {
  // The redactor knows the passwords: the runner keeps every variable holding one out of its children's environment.
  const redactor = new Redactor();
  for (const secret of secrets) redactor.add(secret);
  const runner = new CommandRunner({ sharedReads: readsOfThisRun, killGraceMs: 500, redactor });
  const kube = { ...(target.context ? { context: target.context } : {}), ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}) };
  void new Kubectl(runner, { binary: target.kubectl, namespace: 'default', ...kube }).versionReport().catch(() => undefined);
  void detectHelmVersion(runner, target.helm).catch(() => undefined);
}

/** A downgrade below the version that last migrated the database is refused here, before anything changes. */
function refuseDowngrade(resolved: ResolvedAnswers, cluster: ClusterReading): void {
  if (!cluster.reachable) return;
  const versions = clusterView(cluster.state).versions;
  if (versions) checkVersionChange(resolved.answers, versions, resolved.origins);
}

interface EarlierRun {
  resolved: ResolvedAnswers;
  cluster: ClusterReading;
  notes: string[];
}

/**
 * Without the wizard (--yes, --dry-run): the cluster is read for the release the answers name, and the answers
 * an earlier run saved there come in beneath the flags and the preset. With --yes, answers saved on another
 * cluster are refused unless --context names the cluster; a dry run leaves them out and says so.
 */
async function withEarlierRun(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers): Promise<EarlierRun> {
  const cluster = await readCluster(options, context, resolved);
  const saved = cluster.reachable ? cluster.state.savedAnswers : undefined;
  if (!cluster.reachable || saved === undefined) {
    refuseDowngrade(resolved, cluster);
    return { resolved, cluster, notes: [] };
  }
  const where = savedAnswersLabel(saved.location);
  const savedUid = saved.data[clusterUidKey];
  const match = checkSavedCluster({
    yes: options.yes,
    contextGiven: options.context !== undefined,
    where,
    ...(savedUid ? { savedUid } : {}),
    ...(cluster.state.clusterUid ? { clusterUid: cluster.state.clusterUid } : {}),
  });
  if (match.kind === 'other' && !options.yes) {
    return { resolved, cluster, notes: [`the answers saved in ${where} were saved on another cluster: they are left out of this plan`] };
  }
  const again = resolveAnswers({ ...answerInputsFromFlags(options, context.cwd), savedAnswers: saved });
  refuseDowngrade(again, cluster);
  return { resolved: again, cluster, notes: [`the answers of the ${where} are used beneath the flags and the preset`] };
}

/** The values file, written (0600) with the command that gives the same answers; that command is returned. */
function writeValues(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers, values: ChartValues): string[] {
  const kube = { ...(options.context ? { context: options.context } : {}), ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) };
  const flags = {
    ...kube,
    valuesFile: options.valuesFile,
    ...(options.chart ? { chart: options.chart } : {}),
    ...(options.preset ? { preset: options.preset } : {}),
  };
  const command = equivalentCommand(resolved.answers, flags, resolved.preset ? mergeLayers([resolved.preset.layer]).answers : undefined);
  writeValuesFile(resolve(context.cwd, options.valuesFile), valuesFileText(values, command));
  return command;
}

/** The install itself: checks, the plan's steps, next steps (src/tasks/install.ts, loaded only for a real install). */
async function runInstallPipeline(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers, values: ChartValues, earlier: EarlierRun | undefined, auth: AuthSecretValues | undefined): Promise<number> {
  const chart = chartPath(options, context.cwd);
  const cluster = earlier?.cluster ?? (await readCluster(options, context, resolved));
  refuseDowngrade(resolved, cluster);
  const command = writeValues(options, context, resolved, values);
  for (const note of earlier?.notes ?? []) context.stdout(`Note: ${note}.\n`);
  // The same command to rerun: the answers, and the flags that are not answers when they are not the defaults.
  const rerun = [
    ...command,
    ...(options.timeout === '5m' ? [] : ['--timeout', options.timeout]),
    ...(options.helm === 'helm' ? [] : ['--helm', options.helm]),
    ...(options.kubectl === 'kubectl' ? [] : ['--kubectl', options.kubectl]),
  ];
  const { runInstallPipeline: install } = await import('../tasks/install.js');
  return install({
    options,
    resolved,
    values,
    chart,
    valuesFile: options.valuesFile,
    cwd: context.cwd,
    cluster,
    equivalentCommand: command,
    rerunCommand: rerun,
    sharedReads: readsOfThisRun,
    ...(auth ? { auth } : {}),
    ...(context.confirmed ? { confirmed: context.confirmed } : {}),
    io: {
      stdout: context.stdout,
      stderr: (text) => process.stderr.write(text),
      isTTY: process.stdout.isTTY === true,
      interactive: context.interactive,
      env: context.env,
    },
  });
}

/** The chart to install: the bundled one, or --chart (as given, for the commands shown). */
function chartPath(options: GlobalOptions, cwd: string): string {
  if (options.chart === undefined) return bundledChartDir;
  const path = resolve(cwd, options.chart);
  const packaged = options.chart.endsWith('.tgz') && existsSync(path);
  if (!packaged && !existsSync(join(path, 'Chart.yaml'))) {
    throw new UsageError(`--chart ${options.chart}: no Chart.yaml there; expected the directory (or .tgz) of the mlflow chart`);
  }
  return options.chart;
}

function checkTimeout(timeout: string): void {
  if (parseDuration(timeout) === undefined) throw new UsageError(`--timeout ${timeout}: expected a duration such as 90s, 5m or 1h`);
}

async function dryRun(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers, values: ChartValues, earlier: EarlierRun | undefined): Promise<number> {
  const { answers } = resolved;
  const chart = chartPath(options, context.cwd);
  const kube = { ...(options.context ? { context: options.context } : {}), ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) };
  const command = writeValues(options, context, resolved, values);
  const valuesFile = options.valuesFile;
  const [rendered, cluster] = await Promise.all([
    renderWithHelm({
      helm: options.helm,
      chart: resolve(context.cwd, chart),
      release: answers.release,
      namespace: answers.namespace,
      valuesFile: resolve(context.cwd, valuesFile),
    }),
    context.cluster ? undefined : (earlier?.cluster ?? readCluster(options, context, resolved)),
  ]);
  const view = context.cluster ?? (cluster?.reachable ? clusterView(cluster.state) : undefined);
  const plan = buildPlan({
    answers,
    values,
    ignored: resolved.ignored,
    valuesFile,
    chart,
    tools: { helm: options.helm, kubectl: options.kubectl, helmMajor: rendered.version.major, helmVersion: rendered.version.text },
    kube,
    timeout: options.timeout,
    ...(options.backupTo ? { backupTo: options.backupTo } : {}),
    manifests: rendered.manifests,
    ...(view ? { cluster: view } : {}),
    ...(cluster && !cluster.reachable ? { clusterNote: cluster.reason } : {}),
    notes: earlier?.notes ?? [],
    env: context.env,
    equivalentCommand: command,
  });
  context.stdout(options.json ? formatPlanJson(plan) : formatPlan(plan));
  return ExitCode.ok;
}

export async function runInstall(options: GlobalOptions, context: InstallContext): Promise<number> {
  checkTimeout(options.timeout);
  if (options.backupTo !== undefined) options = { ...options, backupTo: checkBackupTarget(options.backupTo, context.cwd) };
  checkAdminPasswordEnvironment(context.env);
  const givenAdminPassword = context.env[adminPasswordEnv] !== undefined;
  chartPath(options, context.cwd); // a --chart that is no chart is bad usage, said before the cluster is read
  let resolved = resolveAnswers(answerInputsFromFlags(options, context.cwd));
  let earlier: EarlierRun | undefined;
  if (!options.yes && !options.dryRun) {
    if (!context.interactive) throw notATerminal(resolved);
    ({ options, context, resolved } = await runWizard(options, context, resolved));
  } else {
    earlier = await withEarlierRun(options, context, resolved);
    resolved = earlier.resolved;
  }
  const missing = missingAnswers(resolved.answers, resolved.presetRequired);
  if (missing.length > 0) {
    throw new UsageError(`missing answers (with --yes nothing is asked): ${missing.map((answer) => answer.flag).join(' ')}`);
  }
  if (options.backupTo !== undefined) checkBackupEngine(resolved.answers);
  const specs = secretSpecs(resolved.answers);
  checkSecretEnvironment(specs, context.env);
  const values = toChartValues(resolved.answers);
  if (options.dryRun) return dryRun(options, context, resolved, values, earlier);
  const unprovided = missingSecretInputs(specs, context.env);
  if (unprovided.length > 0) {
    throw new UsageError(`missing passwords (with --yes nothing is asked): set ${unprovided.map((input) => input.env).join(' and ')} in the environment`);
  }
  const auth = resolved.answers.auth.enabled ? authSecretValues(context.env, !givenAdminPassword) : undefined;
  return runInstallPipeline(options, context, resolved, values, earlier, auth);
}

export async function run(options: GlobalOptions): Promise<number> {
  return runInstall(options, defaultContext());
}
