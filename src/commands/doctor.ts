import { CommandRunner } from '../cluster/runner.js';
import { SharedReads } from '../cluster/shared-reads.js';
import { ExitCode } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { doctorReads, startReads } from '../tasks/doctor/reads.js';
import { lifecycleTarget, redactorFor, verboseLog } from '../tasks/status/target.js';
import { paletteFor } from '../ui/colors.js';

/**
 * `mlflow-install doctor`: exit 0 when no check fails, 1 when one does, 2 for bad usage (checked before any read).
 * The cluster reads start first; the checks and the report load while kubectl and helm answer.
 */
export async function run(options: GlobalOptions): Promise<number> {
  const target = lifecycleTarget(options);
  const runner = new CommandRunner({
    redactor: redactorFor(process.env),
    sharedReads: new SharedReads(),
    ...(options.verbose ? { log: verboseLog((line) => process.stderr.write(`${line}\n`)) } : {}),
  });
  const startedAt = performance.now();
  const reads = doctorReads(target, runner);
  startReads(reads);
  const [{ runDoctor }, { failed, doctorJson, formatDoctor }] = await Promise.all([import('../tasks/doctor/run.js'), import('../tasks/doctor/report.js')]);
  const report = await runDoctor(reads, startedAt);
  process.stdout.write(options.json ? doctorJson(report) : formatDoctor(report, paletteFor(options)));
  return failed(report) ? ExitCode.failed : ExitCode.ok;
}
