import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Answers } from '../answers/schema.js';
import { UsageError } from '../errors.js';

/**
 * --backup-to, checked before the cluster is read: a new file in a folder this user may write. A backup never
 * overwrites a file (the one there may be the only copy of an earlier state). Returns the absolute path.
 */
export function checkBackupTarget(path: string, cwd: string): string {
  const flag = `--backup-to ${path}`;
  if (path.trim() === '') throw new UsageError('--backup-to: expected the path of a new file for the backup');
  const absolute = resolve(cwd, path);
  if (existsSync(absolute)) throw new UsageError(`${flag}: the file exists; a backup never overwrites a file, so name a new one`);
  if (existsSync(`${absolute}.partial`)) throw new UsageError(`${flag}: ${absolute}.partial exists (left by a backup that did not finish?); it is not touched: remove it, or name a new file`);
  const folder = dirname(absolute);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`${flag}: the folder ${folder} does not exist; create it or name a file in an existing folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`${flag}: the folder ${folder} is not writable by this user; name a file in a folder you can write`);
  }
  return absolute;
}

/** SQL Server has no dump command here: a --backup-to that cannot be honoured is refused before anything changes. */
export function checkBackupEngine(answers: Answers): void {
  if (answers.backend.type === 'mssql') {
    throw new UsageError('--backup-to: mlflow-install cannot back up SQL Server; back it up with its own tools (BACKUP DATABASE, or your provider\'s snapshot) and rerun without --backup-to');
  }
}
