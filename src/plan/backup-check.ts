import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { BackupFormat } from './backup.js';

/**
 * Whether a backup file is whole, or what is wrong with it. A dump cut short (a dropped connection, a killed pod)
 * can still end with exit 0 from kubectl: the dump tools' own last line, and the tar's end, say it finished.
 */
export function backupProblem(format: BackupFormat, file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'the backup is empty';
    if (format === 'sqlite-tar') return tarProblem(fd, size);
    const tail = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const text = tail.toString('utf8');
    const marker = format === 'postgres-sql' ? '-- PostgreSQL database dump complete' : '-- Dump completed';
    return text.includes(marker) ? undefined : `the dump does not end with "${marker}": it was cut short`;
  } finally {
    closeSync(fd);
  }
}

const BLOCK = 512;

/** A tar (ustar) that holds mlflow.db and ends with its end-of-archive block. */
function tarProblem(fd: number, size: number): string | undefined {
  const header = Buffer.alloc(BLOCK);
  const names: string[] = [];
  for (let offset = 0; offset + BLOCK <= size; ) {
    readSync(fd, header, 0, BLOCK, offset);
    if (header.every((byte) => byte === 0)) {
      return names.includes('mlflow.db') ? undefined : `the tar holds no mlflow.db (it holds: ${names.join(', ') || 'nothing'})`;
    }
    if (header.toString('latin1', 257, 262) !== 'ustar') return `the backup is not a tar (no ustar header at byte ${offset})`;
    names.push(header.toString('latin1', 0, 100).replace(/\0.*$/s, ''));
    const length = Number.parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    offset += BLOCK + Math.ceil(length / BLOCK) * BLOCK;
  }
  return 'the tar ends before its end-of-archive block: it was cut short';
}
