import { shellLine } from '../cluster/display.js';
import { CommandRunner } from '../cluster/runner.js';
import { CancelledError, ExitCode, UsageError } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { connect, lifecycleTarget, readingThrough, redactorFor, verboseLog, type ClusterTools, type LifecycleTarget } from '../tasks/status/target.js';
import { executeUninstall } from '../tasks/uninstall.js';
import { formatNothingToDo, formatOutcome, formatPlan, outcomeJson, uninstallCommand } from '../tasks/uninstall/format.js';
import { createdByInstaller, otherContents, readInventory } from '../tasks/uninstall/inventory.js';
import { hasWork, planUninstall, type UninstallPlan } from '../tasks/uninstall/plan.js';
import { paletteFor } from '../ui/colors.js';
import type { Prompter } from '../wizard/prompter.js';

/** What the command reads from and writes to, so tests can drive it without a terminal. */
export interface UninstallContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stdin and stdout are a terminal: the confirmation can be asked. */
  interactive: boolean;
  /** The confirmation prompt, created only when it is needed. */
  prompter: () => Promise<Prompter>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

const quote = ([file, ...args]: readonly string[]): string => shellLine(file ?? '', args);

function rerunHint(target: LifecycleTarget, purge: boolean): string {
  return `Run \`${quote(uninstallCommand(target, purge))}\` again to finish.`;
}

async function readPlan(tools: ClusterTools, target: LifecycleTarget, purge: boolean): Promise<UninstallPlan> {
  const inventory = await readInventory(tools, target);
  const others = purge && createdByInstaller(inventory.namespace) ? await otherContents(tools.kubectl, target) : [];
  return planUninstall({ context: tools.identity, target, inventory, purge, others });
}

/** Ctrl-C before the first change: say plainly that nothing was removed. */
async function nothingRemovedOnCancel<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CancelledError) throw new CancelledError('Cancelled, nothing was removed');
    throw error;
  }
}

async function confirmed(plan: UninstallPlan, context: UninstallContext): Promise<boolean> {
  const what = plan.found ? `release ${plan.release}` : `what is left of release ${plan.release}`;
  const data = plan.purge ? ' and delete its tracking data' : '';
  const prompter = await context.prompter();
  return prompter.confirm({ message: `Uninstall ${what}${data} from namespace ${plan.namespace} in context ${plan.context.context}?`, default: false });
}

export async function runUninstall(options: GlobalOptions, context: UninstallContext): Promise<number> {
  const target = lifecycleTarget(options);
  if (!options.yes && options.json) throw new UsageError('--json needs --yes: no question can be asked while printing JSON');
  // Usage before the cluster: without a terminal the answer is no whatever the cluster holds, so it is not read.
  if (!options.yes && !context.interactive) {
    throw new UsageError(
      `not a terminal, so the uninstall cannot be confirmed: nothing was removed. Pass --yes to uninstall release ${target.release} from namespace ${target.namespace}${target.kube.context ? ` in context ${target.kube.context}` : ''}`,
    );
  }
  const palette = paletteFor(options);
  const runner = new CommandRunner({
    redactor: redactorFor(context.env),
    ...(context.signal ? { signal: context.signal } : {}),
    ...(options.verbose ? { log: verboseLog((line) => context.stderr(`${line}\n`)) } : {}),
  });
  const { tools, plan } = await nothingRemovedOnCancel(async () => {
    const tools = await connect(target, runner);
    const plan = await readingThrough(tools, `release ${target.release} in namespace ${target.namespace}`, () => readPlan(tools, target, options.purge));
    return { tools, plan };
  });
  const say = (lines: readonly string[]) => (options.json ? context.stderr : context.stdout)(`${lines.join('\n')}\n`);

  if (!hasWork(plan)) {
    if (options.json) context.stdout(`${JSON.stringify({ ...outcomeJson(plan, undefined), message: 'nothing to uninstall' }, null, 2)}\n`);
    else say(formatNothingToDo(plan, target, palette));
    return ExitCode.ok;
  }
  say(formatPlan(plan, palette));
  if (!options.yes && !(await nothingRemovedOnCancel(() => confirmed(plan, context)))) throw new CancelledError('Cancelled, nothing was removed');
  const outcome = await executeUninstall(plan, { tools, target, report: (line) => say([palette.ok(`✔ ${line}`)]), ...(context.signal ? { signal: context.signal } : {}) }, rerunHint(target, plan.purge));
  if (options.json) context.stdout(`${JSON.stringify(outcomeJson(plan, outcome), null, 2)}\n`);
  else say(formatOutcome(plan, outcome, target, palette));
  return ExitCode.ok;
}

export async function run(options: GlobalOptions): Promise<number> {
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  // `on`, not `once`: a second Ctrl-C while the running command stops must not fall back to node's default exit.
  process.on('SIGINT', onInterrupt);
  try {
    return await runUninstall(options, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      prompter: async () => (await import('../wizard/prompter.js')).inquirerPrompter({ color: paletteFor(options).enabled }),
      signal: abort.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
