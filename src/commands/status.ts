import { CommandRunner } from '../cluster/runner.js';
import { ExitCode } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { readStatus } from '../tasks/status.js';
import { formatStatus, formatStatusJson } from '../tasks/status/format.js';
import { connect, lifecycleTarget, readingThrough, redactorFor, verboseLog } from '../tasks/status/target.js';
import { paletteFor } from '../ui/colors.js';

/** `mlflow-install status`: exit 0 healthy, 1 not, 2 when there is no such release. */
export async function run(options: GlobalOptions): Promise<number> {
  const target = lifecycleTarget(options);
  const runner = new CommandRunner({
    redactor: redactorFor(process.env),
    ...(options.verbose ? { log: verboseLog((line) => process.stderr.write(`${line}\n`)) } : {}),
  });
  const tools = await connect(target, runner);
  const status = await readingThrough(tools, `release ${target.release} in namespace ${target.namespace}`, () => readStatus(tools, target));
  process.stdout.write(options.json ? formatStatusJson(status) : formatStatus(status, paletteFor(options)));
  if (!status.found) return ExitCode.usage;
  return status.healthy ? ExitCode.ok : ExitCode.failed;
}
