import { existsSync, linkSync, rmSync, statSync } from 'node:fs';
import { formatBytes } from '../../cluster/display.js';
import { formatDuration } from '../../cluster/duration.js';
import { kubectlTool, runTool } from '../../cluster/tool-errors.js';
import { backupProblem } from '../../plan/backup-check.js';
import type { PlannedCommand } from '../../plan/commands.js';
import { runnerTimeoutMs, type InstallRun, type StepReport } from './install-run.js';

/** The backup was written but is not whole (the dump stopped early): it is removed and nothing else runs. */
export class IncompleteBackupError extends Error {
  override readonly name = 'IncompleteBackupError';
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * --backup-to: the dump goes into FILE.partial (0600) with its size shown as it grows; once it is whole it takes the
 * name FILE (a hard link, so that a file created there meanwhile is never replaced). On any failure it is removed.
 */
export async function backupDatabase(run: InstallRun, command: PlannedCommand, report: StepReport): Promise<void> {
  const target = command.writesTo;
  if (target === undefined) throw new Error('the backup step names no file to write');
  const partial = `${target.file}.partial`;
  const [file = '', ...args] = command.argv;
  const started = Date.now();
  if (existsSync(partial)) throw new IncompleteBackupError(`${partial} exists (left by a backup that did not finish?): it is not touched; remove it, then rerun`);
  const progress = setInterval(() => report.output(`${formatBytes(sizeOf(partial))} written in ${formatDuration(Date.now() - started)}`), 1000);
  try {
    await runTool(run.runner, kubectlTool, {
      file,
      args,
      ...(command.stdin ? { input: '\n' } : {}),
      stdoutFile: partial,
      timeoutMs: runnerTimeoutMs('wait', run.timeout),
    });
    const problem = backupProblem(target.format, partial);
    if (problem !== undefined) throw new IncompleteBackupError(`the backup is not whole: ${problem}`);
    if (existsSync(target.file)) throw new IncompleteBackupError(`${target.file} appeared while the backup ran; the backup is not put in its place`);
    linkSync(partial, target.file);
  } finally {
    clearInterval(progress);
    rmSync(partial, { force: true });
  }
  const bytes = sizeOf(target.file);
  run.backup = { file: target.file, bytes };
  report.title(`Backed the database up to ${target.file} (${formatBytes(bytes)} in ${formatDuration(Date.now() - started)})`);
}
