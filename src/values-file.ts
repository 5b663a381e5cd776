import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from './errors.js';
import { shellCommand } from './plan/format.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The chart values as a file: a header naming the command that gives the same answers, then the values. */
export function valuesFileText(values: unknown, equivalentCommand: readonly string[]): string {
  const header = [
    `# Values for the mlflow chart, written by mlflow-install ${packageVersion()}.`,
    '# No secret is in this file: passwords live in the Kubernetes Secrets it names.',
    '# The same answers without questions (database passwords, if any, from MLFLOW_DB_PASSWORD and MLFLOW_DB_MASTER_PASSWORD):',
    `#   ${shellCommand(equivalentCommand)}`,
  ];
  return `${header.join('\n')}\n${valuesYaml(values)}`;
}

/**
 * YAML that helm reads back exactly: helm parses YAML 1.1, where a plain `n`, `yes` or `on` is a boolean,
 * so every string is double-quoted and keys are quoted wherever 1.1 would misread them.
 */
export function valuesYaml(values: unknown): string {
  return stringify(values, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}

/** Writes the file readable by its owner only (0600), replacing it whole so no reader sees half of it. */
export function writeValuesFile(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--values-file ${path}: cannot write it (${code}); expected a writable file path`);
  }
}
