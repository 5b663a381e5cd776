import { resolve } from 'node:path';
import type { ListrTask } from 'listr2';
import { adminPasswordEnv, readPasswordCommand, type AuthSecretValues } from '../answers/auth-secret.js';
import type { ResolvedAnswers } from '../answers/resolve.js';
import { clusterUidKey } from '../answers/saved.js';
import { secretNames } from '../answers/secrets.js';
import type { SecretEnvironment } from '../answers/secrets.js';
import type { SharedReads } from '../cluster/shared-reads.js';
import type { ChartValues } from '../answers/to-values.js';
import { clusterView, type ClusterReading } from '../cluster/cluster-state.js';
import { parseDuration } from '../cluster/duration.js';
import type { KubeAccess } from '../cluster/helm.js';
import { Kubectl } from '../cluster/kubectl.js';
import { Redactor } from '../cluster/redact.js';
import { CommandRunner } from '../cluster/runner.js';
import { CancelledError, ExitCode, ReportedFailure } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { chartFullname } from '../plan/chart.js';
import type { PlannedCommand } from '../plan/commands.js';
import type { Manifest } from '../plan/manifests.js';
import { buildPlan, type Plan } from '../plan/plan.js';
import { upgradeConsequences, versionChange } from '../plan/upgrade.js';
import { createPalette, colorsEnabled, type Palette } from '../ui/colors.js';
import { nextSteps } from '../ui/next-steps.js';
import { noLoginWarning } from '../answers/auth-secret.js';
import { checkTasks, fixLines, type Checked } from './install/checks-phase.js';
import { confirmationQuestion, type ConfirmedTarget } from './install/confirmation.js';
import { trapInterrupt, type InterruptTrap } from './install/interrupt.js';
import type { InstallRun } from './install/install-run.js';
import { Ledger } from './install/ledger.js';
import { refuseClashingPasswords } from './install/password-clash.js';
import { cancelReport, failureReport } from './install/outcome.js';
import { preflightInput } from './install/preflight-input.js';
import { executorFor } from './install/steps.js';
import { taskList, wantsPlainOutput, type TaskListLook } from './install/task-list.js';

export interface PipelineIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: the task list redraws in place. */
  isTTY: boolean;
  /** A person can answer: the cluster is confirmed before anything changes (unless --yes). */
  interactive: boolean;
  env: SecretEnvironment;
}

export interface PipelineInput {
  options: GlobalOptions;
  resolved: ResolvedAnswers;
  values: ChartValues;
  /** The chart as the commands name it (the bundled one, or --chart as given). */
  chart: string;
  /** The values file as the commands name it, already written. */
  valuesFile: string;
  cwd: string;
  /** The cluster as read before the answers were settled. */
  cluster: ClusterReading;
  /** The command that gives the same answers (the plan shows it). */
  equivalentCommand: string[];
  /** How to rerun: the same answers and the same --timeout, --helm and --kubectl. */
  rerunCommand: string[];
  io: PipelineIO;
  /** The reads this run already made or started (the cluster read's), for the preflight to reuse. */
  sharedReads?: SharedReads;
  /** The login's Secret values, when the answers want a login (in memory only). */
  auth?: AuthSecretValues;
  /** What the wizard's summary showed when the person chose "Install now"; undefined without the wizard. */
  confirmed?: ConfirmedTarget;
}

const passwordVariables = ['MLFLOW_DB_PASSWORD', 'MLFLOW_DB_MASTER_PASSWORD', adminPasswordEnv] as const;

function redactorFor(env: SecretEnvironment, auth: AuthSecretValues | undefined): Redactor {
  const redactor = new Redactor();
  for (const name of passwordVariables) redactor.add(env[name] ?? '');
  if (auth) redactor.add(auth.adminPassword).add(auth.flaskSecretKey);
  return redactor;
}

function kubeAccess(options: GlobalOptions): KubeAccess {
  return { ...(options.context ? { context: options.context } : {}), ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) };
}

function serviceOf(manifests: readonly Manifest[], release: string): { name: string; port: number } {
  const service = manifests.find((manifest) => manifest.kind === 'Service' && manifest.metadata.annotations?.['helm.sh/hook'] === undefined);
  const ports = (service?.spec?.ports ?? []) as { port?: number }[];
  return { name: service?.metadata.name ?? chartFullname(release), port: ports[0]?.port ?? 5000 };
}

/** One install: checks, then the plan's steps, then the next steps; or what went wrong and how to go on. */
class Pipeline {
  private readonly palette: Palette;
  private readonly look: TaskListLook;
  private readonly trap: InterruptTrap;
  private readonly run: InstallRun;
  private current: PlannedCommand | undefined;

  constructor(private readonly input: PipelineInput) {
    const { options, io } = input;
    this.palette = createPalette(colorsEnabled({ color: options.color, env: { ...io.env }, isTTY: io.isTTY }));
    this.look = { plain: wantsPlainOutput({ isTTY: io.isTTY, env: io.env, verbose: options.verbose }), write: io.stdout, palette: this.palette };
    this.trap = trapInterrupt((line) => io.stderr(`${line}\n`));
    const timeoutMs = parseDuration(options.timeout) ?? 300_000;
    const runner = new CommandRunner({
      redactor: redactorFor(io.env, input.auth),
      signal: this.trap.signal,
      // helm cleans up after SIGTERM (its rollback waits up to --timeout): give it that long before SIGKILL.
      killGraceMs: timeoutMs + 30_000,
      ...(input.sharedReads ? { sharedReads: input.sharedReads } : {}),
      ...(options.verbose ? { log: (event) => event.type === 'start' && io.stderr(`${this.palette.dim(`$ ${event.command}`)}\n`) } : {}),
    });
    const answers = input.resolved.answers;
    const kube = kubeAccess(options);
    const before = input.cluster.reachable ? input.cluster.state : {};
    this.run = {
      runner,
      kubectl: new Kubectl(runner, { binary: options.kubectl, namespace: answers.namespace, ...kube }),
      tools: { helm: options.helm, kubectl: options.kubectl },
      kube,
      answers,
      env: io.env,
      timeout: options.timeout,
      before,
      ledger: new Ledger(),
      ...(input.auth ? { auth: input.auth } : {}),
    };
  }

  async execute(): Promise<number> {
    try {
      this.refuseClashingPasswords();
      const checked = await this.check();
      await this.confirm(checked);
      const plan = this.plan(checked);
      await this.change(plan);
      this.finish(checked);
      return ExitCode.ok;
    } finally {
      this.trap.release();
    }
  }

  /** Before anything runs: every argument the install will pass, against the passwords (with any helm major: the words are the same). */
  private refuseClashingPasswords(): void {
    const provisional = this.buildPlan(3, 'unknown', []);
    const argv = provisional.commands.flatMap((command) => command.argv);
    refuseClashingPasswords(this.input.io.env, passwordVariables, argv, preflightInput(this.run.answers));
  }

  private async check(): Promise<Checked> {
    const { options, resolved, io } = this.input;
    const answers = resolved.answers;
    const checked: Checked = { results: [], ok: false };
    const tasks = checkTasks<object>(
      {
        runner: this.run.runner,
        kubectl: this.run.kubectl,
        helmBinary: options.helm,
        kube: this.run.kube,
        preflight: preflightInput(answers),
        render: { helm: options.helm, chart: resolve(this.input.cwd, this.input.chart), release: answers.release, namespace: answers.namespace, valuesFile: resolve(this.input.cwd, this.input.valuesFile) },
        reading: this.input.cluster,
        release: answers.release,
      },
      checked,
    );
    const list: ListrTask<object>[] = [
      { title: 'Preflight checks', task: (_ctx, task) => task.newListr(tasks, { concurrent: true, exitOnError: true }) },
    ];
    try {
      await taskList(list, this.look).run({});
    } catch (error) {
      if (this.trap.interrupted) throw await this.cancelled();
      if (checked.ok || checked.results.length === 0) throw error;
    }
    if (this.trap.interrupted) throw await this.cancelled();
    if (!checked.ok) {
      io.stderr(['', 'Preflight found problems; nothing was changed in the cluster.', ...fixLines(checked.results, 'fail'), ''].join('\n'));
      const failed = checked.results.filter((result) => result.status === 'fail').map((result) => result.title);
      throw new ReportedFailure(`preflight failed (${failed.join(', ')}); nothing was changed`);
    }
    const warnings = fixLines(checked.results, 'warn');
    if (warnings.length > 0) io.stdout(`${['Warnings:', ...warnings].join('\n')}\n`);
    return checked;
  }

  private target(): string {
    const { answers, before } = this.run;
    const where = before.context ? `context ${before.context}${before.server ? ` at ${before.server}` : ''}` : 'the current context';
    const release = before.release?.deployed ? `upgrades release ${answers.release} (now at revision ${before.release.deployed.revision})` : `installs release ${answers.release}`;
    return `${where}, namespace ${answers.namespace}; ${release}`;
  }

  /** The MLflow upgrade this run makes, when the release runs another version. */
  private upgrade(): { from: string; to: string } | undefined {
    const versions = clusterView(this.run.before).versions;
    const change = versions ? versionChange(this.run.answers.mlflow.version, versions) : undefined;
    return change?.kind === 'upgrade' ? change : undefined;
  }

  /**
   * In a terminal, without --yes: one confirmation before anything changes. After the wizard, whose summary named
   * the context and namespace next to "Install now", only when the preflight found what that summary did not show.
   */
  private async confirm(checked: Checked): Promise<void> {
    const { options, io } = this.input;
    const { before, answers } = this.run;
    io.stdout(`Target: ${this.target()}\n`);
    if (options.backupTo !== undefined && !clusterView(before).releaseExists) {
      io.stdout(`Note: --backup-to ${options.backupTo}: release ${answers.release} does not exist yet, so there is no database to back up.\n`);
    }
    const upgrade = this.upgrade();
    if (upgrade) {
      const consequences = upgradeConsequences({ kind: 'upgrade', ...upgrade }, answers);
      io.stdout(`${[`MLflow upgrade ${upgrade.from} -> ${upgrade.to}:`, ...consequences.map((line) => `  ${line}`)].join('\n')}\n`);
    }
    const message = confirmationQuestion({
      interactive: io.interactive,
      yes: options.yes,
      ...(this.input.confirmed ? { confirmed: this.input.confirmed } : {}),
      ...(before.context ? { context: before.context } : {}),
      namespace: answers.namespace,
      warnings: checked.results.filter((result) => result.status === 'warn').map((result) => result.title),
      ...(before.savedAnswers?.data[clusterUidKey] ? { savedUid: before.savedAnswers.data[clusterUidKey] } : {}),
      ...(before.clusterUid ? { clusterUid: before.clusterUid } : {}),
      ...(upgrade ? { upgrade } : {}),
    });
    if (message === undefined) return;
    const { inquirerPrompter } = await import('../wizard/prompter.js');
    const prompter = await inquirerPrompter({ color: this.palette.enabled });
    const go = await prompter.confirm({ message, default: true });
    if (!go) throw new CancelledError('cancelled, nothing was changed');
  }

  private plan(checked: Checked): Plan {
    const rendered = checked.rendered;
    const helmVersion = rendered?.version ?? checked.helm?.version;
    if (helmVersion === undefined) throw new Error('the checks passed without finding the helm version');
    return this.buildPlan(helmVersion.major, helmVersion.text, rendered?.manifests ?? []);
  }

  private buildPlan(helmMajor: 3 | 4, helmVersion: string, manifests: readonly Manifest[]): Plan {
    const { options, resolved, values, io } = this.input;
    return buildPlan({
      answers: resolved.answers,
      values,
      ignored: resolved.ignored,
      valuesFile: this.input.valuesFile,
      chart: this.input.chart,
      tools: { helm: options.helm, kubectl: options.kubectl, helmMajor, helmVersion },
      kube: this.run.kube,
      timeout: options.timeout,
      ...(options.backupTo ? { backupTo: options.backupTo } : {}),
      manifests,
      cluster: clusterView(this.run.before),
      env: io.env,
      equivalentCommand: this.input.equivalentCommand,
    });
  }

  private async change(plan: Plan): Promise<void> {
    const run = this.run;
    if (plan.cluster.consulted && plan.cluster.releaseExists) run.valuesDiff = plan.cluster.valuesDiff;
    const tasks: ListrTask<object>[] = plan.commands.map((command) => {
      const executor = executorFor(command.step);
      return {
        title: command.title,
        task: async (_ctx, task) => {
          this.current = command;
          await executor(run, command, {
            title: (text) => {
              task.title = text;
            },
            output: (text) => {
              task.output = text;
            },
          });
        },
      };
    });
    try {
      await taskList(tasks, this.look).run({});
    } catch (error) {
      if (this.trap.interrupted || error instanceof CancelledError) throw await this.cancelled();
      const step = this.current;
      if (step === undefined) throw error;
      const { lines, explanation } = await failureReport(run, step, error, this.input.rerunCommand, this.palette);
      this.input.io.stderr(`${lines.join('\n')}\n`);
      throw new ReportedFailure(`install failed: ${explanation.cause}`);
    }
  }

  private async cancelled(): Promise<CancelledError> {
    const lines = await cancelReport(this.run, this.current, this.input.rerunCommand);
    this.input.io.stderr(`${lines.join('\n')}\n`);
    return new CancelledError(this.current === undefined ? 'cancelled, nothing was changed' : 'cancelled; rerun the same command to resume');
  }

  /** How to log in, and where the password is; or the warning that there is no login. Never the password. */
  private loginLines(): string[] {
    const { answers, auth, authSecretKept } = this.run;
    if (!answers.auth.enabled || auth === undefined) return [this.palette.warn(`Login: not required. Warning: ${noLoginWarning}.`)];
    const where = readPasswordCommand(secretNames(answers.release).auth, answers.namespace, this.input.options.context);
    const said = authSecretKept
      ? `the admin password is the one kept in its Secret from the first install${auth.passwordFrom === 'generated' ? '' : ` (${auth.passwordFrom === 'prompt' ? 'the one typed now' : adminPasswordEnv} is not applied: change it through MLflow)`}`
      : auth.passwordFrom === 'generated'
        ? 'the admin password was generated and is kept only in its Secret'
        : `the admin password (${auth.passwordFrom === 'prompt' ? 'typed at the prompt' : `from ${adminPasswordEnv}`}) is kept only in its Secret`;
    return [
      `Login: required (admin ${answers.auth.adminUser}); ${said}. Log in with:`,
      `  export MLFLOW_TRACKING_USERNAME=${answers.auth.adminUser}`,
      `  export MLFLOW_TRACKING_PASSWORD=$(${where})`,
    ];
  }

  private finish(checked: Checked): void {
    const { answers } = this.run;
    const service = serviceOf(checked.rendered?.manifests ?? [], answers.release);
    const steps = nextSteps({
      release: answers.release,
      namespace: answers.namespace,
      serviceName: service.name,
      servicePort: service.port,
      ...(answers.ingress.enabled && answers.ingress.host ? { ingressHost: answers.ingress.host, tls: answers.ingress.tls.enabled } : {}),
      ...(this.input.options.context ? { context: this.input.options.context } : {}),
    });
    const revision = this.run.installedRevision === undefined ? '' : ` (revision ${this.run.installedRevision})`;
    const lines = ['', this.palette.ok(`MLflow is running: release ${answers.release}${revision} in namespace ${answers.namespace}.`), ...this.loginLines(), ...steps.lines];
    this.input.io.stdout(`${lines.join('\n')}\n`);
  }
}

/**
 * The install itself, after the answers: preflight checks (at once) with the chart rendered, the cluster shown
 * (and confirmed in a terminal), then the plan's steps in order through the one runner, then the next steps.
 * Exit 1 after a failure is explained, 130 after Ctrl-C (the running command is stopped and the state said).
 */
export function runInstallPipeline(input: PipelineInput): Promise<number> {
  return new Pipeline(input).execute();
}
