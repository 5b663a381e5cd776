import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnswersSchema } from '../../src/answers/schema.js';
import { backupProblem } from '../../src/plan/backup-check.js';
import { checkBackupEngine, checkBackupTarget } from '../../src/plan/backup-target.js';

const dir = mkdtempSync(join(tmpdir(), 'backup-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A tar made by the system's tar of files with these names. */
function tarOf(name: string, members: string[]): string {
  const folder = mkdtempSync(join(dir, 'members-'));
  for (const member of members) writeFileSync(join(folder, member), `contents of ${member}`);
  const path = join(dir, name);
  expect(spawnSync('tar', ['--format=ustar', '-cf', path, '-C', folder, ...members]).status).toBe(0);
  return path;
}

describe('whether a backup is whole', () => {
  it('a dump is whole when it ends with its tool\'s own last line', () => {
    expect(backupProblem('postgres-sql', file('pg.sql', 'CREATE TABLE runs ();\n--\n-- PostgreSQL database dump complete\n--\n\n'))).toBeUndefined();
    expect(backupProblem('postgres-sql', file('pg-cut.sql', 'CREATE TABLE runs ();\nCOPY public.runs (run_uuid) FROM stdin;\nab'))).toBe('the dump does not end with "-- PostgreSQL database dump complete": it was cut short');
    expect(backupProblem('mysql-sql', file('my.sql', 'INSERT INTO runs VALUES (1);\n-- Dump completed on 2026-12-03 10:00:00\n'))).toBeUndefined();
    expect(backupProblem('mysql-sql', file('my-cut.sql', 'INSERT INTO runs VALUES (1'))).toMatch(/cut short/);
    expect(backupProblem('postgres-sql', file('empty.sql', ''))).toBe('the backup is empty');
  });

  it('a tar is whole when it holds mlflow.db and reaches its end-of-archive block', () => {
    expect(backupProblem('sqlite-tar', tarOf('whole.tar', ['mlflow.db', 'basic_auth.db']))).toBeUndefined();
    expect(backupProblem('sqlite-tar', tarOf('other.tar', ['basic_auth.db']))).toBe('the tar holds no mlflow.db (it holds: basic_auth.db)');
    const whole = tarOf('to-cut.tar', ['mlflow.db']);
    const cut = file('cut.tar', spawnSync('head', ['-c', '1024', whole]).stdout);
    expect(backupProblem('sqlite-tar', cut)).toBe('the tar ends before its end-of-archive block: it was cut short');
    expect(backupProblem('sqlite-tar', file('text.tar', 'x'.repeat(2048)))).toBe('the backup is not a tar (no ustar header at byte 0)');
  });
});

describe('--backup-to, checked before the cluster is read', () => {
  it('takes a new file in a writable folder, as an absolute path', () => {
    mkdirSync(join(dir, 'first'));
    expect(checkBackupTarget('first/new.tar', dir)).toBe(join(dir, 'first', 'new.tar'));
    expect(checkBackupTarget(join(dir, 'first', 'abs.tar'), '/')).toBe(join(dir, 'first', 'abs.tar'));
  });

  it('refuses a file that exists, a missing folder and a folder it may not write, naming what is accepted', () => {
    mkdirSync(join(dir, 'backups'), { recursive: true });
    expect(checkBackupTarget('backups/new.tar', dir)).toBe(join(dir, 'backups', 'new.tar'));
    file('backups/old.tar', 'kept');
    expect(() => checkBackupTarget('backups/old.tar', dir)).toThrow('--backup-to backups/old.tar: the file exists; a backup never overwrites a file, so name a new one');
    file('backups/cut.tar.partial', 'an unfinished backup');
    expect(() => checkBackupTarget('backups/cut.tar', dir)).toThrow(`--backup-to backups/cut.tar: ${join(dir, 'backups', 'cut.tar')}.partial exists (left by a backup that did not finish?); it is not touched: remove it, or name a new file`);
    expect(() => checkBackupTarget('nowhere/new.tar', dir)).toThrow(`--backup-to nowhere/new.tar: the folder ${join(dir, 'nowhere')} does not exist; create it or name a file in an existing folder`);
    expect(() => checkBackupTarget(' ', dir)).toThrow('--backup-to: expected the path of a new file for the backup');
    if (process.getuid?.() !== 0) {
      mkdirSync(join(dir, 'locked'));
      chmodSync(join(dir, 'locked'), 0o500);
      expect(() => checkBackupTarget('locked/new.tar', dir)).toThrow(`--backup-to locked/new.tar: the folder ${join(dir, 'locked')} is not writable by this user; name a file in a folder you can write`);
    }
  });

  it('refuses SQL Server, which it cannot back up, and takes the others', () => {
    expect(() => checkBackupEngine(AnswersSchema.parse({ backend: { type: 'mssql', db: { host: 'db', name: 'mlflow', user: 'mlflow' } } }))).toThrow(/cannot back up SQL Server/);
    for (const type of ['postgres', 'mysql'] as const) expect(() => checkBackupEngine(AnswersSchema.parse({ backend: { type, db: { host: 'db', name: 'mlflow', user: 'mlflow' } } }))).not.toThrow();
    expect(() => checkBackupEngine(AnswersSchema.parse({}))).not.toThrow();
  });
});
