import { basename } from 'node:path';

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell would need it typed: for showing a command, never for running one. */
export function shellQuote(word: string): string {
  if (word.length === 0) return "''";
  if (safeWord.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ');
}

/** "helm upgrade", "kubectl rollout status deployment/mlflow": the tool and the words before the first flag. */
export function shortCommand(file: string, args: readonly string[], maxWords = 3): string {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-') || words.length === maxWords) break;
    words.push(arg);
  }
  return [basename(file), ...words].join(' ');
}

/** The last non-empty lines of some output. */
export function tailLines(text: string, count: number): string[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  return lines.slice(-count);
}

/** A size in bytes for people: 812 B, 3.4 KiB, 120 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'TiB'}`;
}
