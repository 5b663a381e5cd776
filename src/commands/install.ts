import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { equivalentCommand } from '../answers/command-line.js';
import { missingAnswers, unansweredQuestions } from '../answers/consistency.js';
import { fieldByKey, flagFor } from '../answers/fields.js';
import { mergeLayers } from '../answers/layers.js';
import { resolveAnswers, type ResolvedAnswers } from '../answers/resolve.js';
import { checkSecretEnvironment, missingSecretInputs, secretSpecs, type SecretEnvironment } from '../answers/secrets.js';
import { toChartValues, type ChartValues } from '../answers/to-values.js';
import { parseDuration } from '../cluster/duration.js';
import { ExitCode, UsageError } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { bundledChartDir } from '../plan/chart.js';
import type { ClusterView } from '../plan/cluster-view.js';
import { formatPlan, formatPlanJson } from '../plan/format.js';
import { buildPlan } from '../plan/plan.js';
import { renderWithHelm } from '../plan/render.js';
import { valuesFileText, writeValuesFile } from '../values-file.js';

/** What the command reads from and writes to, so tests can run it without a terminal. */
export interface InstallContext {
  stdout: (text: string) => void;
  env: SecretEnvironment;
  /** stdin and stdout are a terminal: questions could be asked. */
  interactive: boolean;
  cwd: string;
  /** The live cluster, when a later step could read it; the plan says when it was not consulted. */
  cluster?: ClusterView;
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
    context: { ...context, env: outcome.env },
    resolved: outcome.resolved,
  };
}

/** The real install (preflight, Secrets, helm, rollout, checks) comes with the install pipeline. */
function runInstallPipeline(): never {
  throw new UsageError('the install pipeline is not available in this version yet; use --dry-run to write the values file and see the plan');
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

async function dryRun(options: GlobalOptions, context: InstallContext, resolved: ResolvedAnswers, values: ChartValues): Promise<number> {
  const { answers } = resolved;
  const chart = chartPath(options, context.cwd);
  const kube = { ...(options.context ? { context: options.context } : {}), ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) };
  const flags = {
    ...kube,
    valuesFile: options.valuesFile,
    ...(options.chart ? { chart: options.chart } : {}),
    ...(options.preset ? { preset: options.preset } : {}),
  };
  const command = equivalentCommand(answers, flags, resolved.preset ? mergeLayers([resolved.preset.layer]).answers : undefined);
  const valuesFile = options.valuesFile;
  writeValuesFile(resolve(context.cwd, valuesFile), valuesFileText(values, command));
  const rendered = await renderWithHelm({
    helm: options.helm,
    chart: resolve(context.cwd, chart),
    release: answers.release,
    namespace: answers.namespace,
    valuesFile: resolve(context.cwd, valuesFile),
  });
  const plan = buildPlan({
    answers,
    values,
    ignored: resolved.ignored,
    valuesFile,
    chart,
    tools: { helm: options.helm, kubectl: options.kubectl, helmMajor: rendered.version.major, helmVersion: rendered.version.text },
    kube,
    timeout: options.timeout,
    manifests: rendered.manifests,
    ...(context.cluster ? { cluster: context.cluster } : {}),
    env: context.env,
    equivalentCommand: command,
  });
  context.stdout(options.json ? formatPlanJson(plan) : formatPlan(plan));
  return ExitCode.ok;
}

export async function runInstall(options: GlobalOptions, context: InstallContext): Promise<number> {
  checkTimeout(options.timeout);
  let resolved = resolveAnswers({
    set: options.set,
    ...(options.preset === undefined ? {} : { preset: options.preset }),
    ...(options.release === undefined ? {} : { release: options.release }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    cwd: context.cwd,
  });
  if (!options.yes && !options.dryRun) {
    if (!context.interactive) throw notATerminal(resolved);
    ({ options, context, resolved } = await runWizard(options, context, resolved));
  }
  const missing = missingAnswers(resolved.answers, resolved.presetRequired);
  if (missing.length > 0) {
    throw new UsageError(`missing answers (with --yes nothing is asked): ${missing.map((answer) => answer.flag).join(' ')}`);
  }
  const specs = secretSpecs(resolved.answers);
  checkSecretEnvironment(specs, context.env);
  const values = toChartValues(resolved.answers);
  if (options.dryRun) return dryRun(options, context, resolved, values);
  const unprovided = missingSecretInputs(specs, context.env);
  if (unprovided.length > 0) {
    throw new UsageError(`missing passwords (with --yes nothing is asked): set ${unprovided.map((input) => input.env).join(' and ')} in the environment`);
  }
  return runInstallPipeline();
}

export async function run(options: GlobalOptions): Promise<number> {
  return runInstall(options, defaultContext());
}
