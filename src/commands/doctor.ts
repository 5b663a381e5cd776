import { CommandRunner } from '../cluster/runner.js';
import { SharedReads } from '../cluster/shared-reads.js';
import { ExitCode } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { failed, doctorJson, formatDoctor } from '../tasks/doctor/report.js';
import { runDoctor } from '../tasks/doctor/run.js';
import { lifecycleTarget, redactorFor, verboseLog } from '../tasks/status/target.js';
import { paletteFor } from '../ui/colors.js';

/** `mlflow-install doctor`: exit 0 when no check fails, 1 when one does, 2 for bad usage (checked before any read). */
export async function run(options: GlobalOptions): Promise<number> {
  const target = lifecycleTarget(options);
  const runner = new CommandRunner({
    redactor: redactorFor(process.env),
    sharedReads: new SharedReads(),
    ...(options.verbose ? { log: verboseLog((line) => process.stderr.write(`${line}\n`)) } : {}),
  });
  const report = await runDoctor(target, runner);
  process.stdout.write(options.json ? doctorJson(report) : formatDoctor(report, paletteFor(options)));
  return failed(report) ? ExitCode.failed : ExitCode.ok;
}
