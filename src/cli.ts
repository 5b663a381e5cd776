import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, exitCodeOf, UsageError } from './errors.js';
import type { GlobalOptions } from './options.js';

// Command modules are imported only when their command runs, so `--help` and the first prompt stay fast.
type CommandModule = { run: (options: GlobalOptions) => Promise<number> };
const commands: Record<string, () => Promise<CommandModule>> = {
  install: () => import('./commands/install.js'),
  status: () => import('./commands/status.js'),
  doctor: () => import('./commands/doctor.js'),
  uninstall: () => import('./commands/uninstall.js'),
  presets: () => import('./commands/presets.js'),
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function addCommonOptions(command: Command): Command {
  return command
    .option('-n, --namespace <name>', 'Kubernetes namespace (default: mlflow)')
    .option('--release <name>', 'Helm release name (default: mlflow)')
    .option('--context <name>', 'kube context to use (default: the current context)')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--timeout <duration>', 'how long to wait for each rollout, e.g. 90s, 5m', '5m')
    .option('--helm <path>', 'helm binary (helm 3.12+ or 4)', 'helm')
    .option('--kubectl <path>', 'kubectl binary', 'kubectl')
    .option('--json', 'print machine-readable JSON', false)
    .option('-y, --yes', 'answer every question with its default or given value; never prompt', false)
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .option('--verbose', 'show every command and full errors', false);
}

function buildProgram(run: (name: string, options: GlobalOptions) => Promise<void>, onUsageError: (message: string) => void = () => undefined): Command {
  const program = new Command('mlflow-install')
    .description('Install a production-grade MLflow tracking server on any Kubernetes cluster.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // One width everywhere: bin/ prints the help prebuilt at build time (dist/help.txt) without loading this module.
    .configureHelp({ helpWidth: 80 })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  // Before the commands are added, so that each inherits them: a bad flag of `doctor` is exit 2 too.
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => {
      onUsageError(text.replace(/^error: /, '').trim());
      write(text.replace(/^error: /, 'mlflow-install: '));
    },
  });

  addCommonOptions(program)
    .option('--preset <name|path>', 'start from a preset (see `mlflow-install presets`) or a preset file')
    .option('--set <key=value>', 'set any answer, e.g. --set backend.type=postgres (repeatable)', collect, [])
    .option('--values-file <path>', 'where to write the chart values', './mlflow-values.yaml')
    .option('--chart <path>', 'chart to install (default: the bundled chart)')
    .option('--dry-run', 'write the values file and print the plan; change nothing', false)
    .option('--backup-to <path>', 'before an existing release changes, back its database up to this new file')
    .addHelpText(
      'after',
      `
Examples:
  $ npx mlflow-install                                  answer a few questions, then install
  $ npx mlflow-install --preset aws-aurora              start from a preset
  $ npx mlflow-install --yes --preset postgres --set backend.db.host=db.internal
                                                        no questions (the password comes from MLFLOW_DB_PASSWORD)
  $ npx mlflow-install --dry-run                        write the values and print the plan only

Exit codes: 0 done, 1 failed, 2 bad usage or input, 130 cancelled.`,
    )
    .action(async (_args: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      // An install prints its progress for people: only its plan is a JSON document.
      if (options.json && !options.dryRun) throw new UsageError('--json prints the plan and needs --dry-run; after an install, `status --json` and `doctor --json` describe the release');
      await run('install', options);
    });

  addCommonOptions(program.command('status').description('show the release, its pods and its URL'))
    .action(async (_args: unknown, command: Command) => run('status', command.optsWithGlobals<GlobalOptions>()));

  addCommonOptions(
    program
      .command('doctor')
      .description('check the cluster, the release, its pods, volume, database, ingress, login and version; changes nothing'),
  )
    .addHelpText('after', '\nExit codes: 0 nothing failed (warnings may be), 1 a check failed, 2 bad usage.')
    .action(async (_args: unknown, command: Command) => run('doctor', command.optsWithGlobals<GlobalOptions>()));

  addCommonOptions(
    program.command('uninstall').description('remove the release; keeps tracking data unless --purge'),
  )
    .option('--purge', 'also delete the tracking data (volume, secrets) and the namespace the installer created', false)
    .action(async (_args: unknown, command: Command) => run('uninstall', command.optsWithGlobals<GlobalOptions>()));

  program
    .command('presets')
    .description('list the presets, one line each')
    .addOption(new Option('--json', 'print machine-readable JSON').default(false))
    .action(async (_args: unknown, command: Command) => run('presets', command.optsWithGlobals<GlobalOptions>()));

  return program;
}

const exitMeanings: Record<number, string> = {
  [ExitCode.failed]: 'failed',
  [ExitCode.usage]: 'bad usage or input',
  [ExitCode.cancelled]: 'cancelled',
};

/** What a --json run prints when it ends in an error: still one JSON document, saying why (pure). */
export function errorDocument(exitCode: number, message: string): string {
  return `${JSON.stringify({ ok: false, error: { exitCode, meaning: exitMeanings[exitCode] ?? 'failed', message } }, null, 2)}\n`;
}

/** --json among the arguments before a `--` (commander may have refused the rest of them). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let verbose = argv.includes('--verbose');
  const json = wantsJson(argv);
  let usageMessage = '';
  const program = buildProgram(
    async (name, options) => {
      verbose = options.verbose;
      const load = commands[name];
      if (!load) throw new UsageError(`unknown command: ${name}`);
      exitCode = await (await load()).run(options);
    },
    (message) => {
      usageMessage = message;
    },
  );
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    const commanderCode = (error as { code?: string }).code;
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') {
      return ExitCode.ok;
    }
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
      if (json) process.stdout.write(errorDocument(ExitCode.usage, usageMessage || (error instanceof Error ? error.message : String(error))));
      return ExitCode.usage;
    }
    exitCode = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    // The document is the only thing on stdout: nothing was written there before an error was thrown.
    if (json) process.stdout.write(errorDocument(exitCode, message || exitMeanings[exitCode] || 'failed'));
    if (exitCode !== ExitCode.cancelled || !(error instanceof Error && error.message === '')) {
      process.stderr.write(`mlflow-install: ${message}\n`);
    }
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  return exitCode;
}

