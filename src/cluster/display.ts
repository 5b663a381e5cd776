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
