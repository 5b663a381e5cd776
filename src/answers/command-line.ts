import { answerFields, defaultAnswers, valueAt } from './fields.js';
import type { Answers } from './schema.js';

/** The flags of a run that are not answers but change what the command does. */
export interface RunFlags {
  /** `--preset` as given; its answers are then left out of the `--set` flags. */
  preset?: string;
  context?: string;
  kubeconfig?: string;
  valuesFile?: string;
  chart?: string;
}

export const defaultValuesFile = './mlflow-values.yaml';

function setFlag(key: string, value: unknown): string[] {
  // A text that is itself quoted would lose its quotes when read back as a YAML scalar: quote it once more.
  const text = typeof value === 'string' && /^(".*"|'.*')$/s.test(value) ? JSON.stringify(value) : String(value);
  return ['--set', `${key}=${text}`];
}

/**
 * The non-interactive command that gives the same answers: the preset, then every answer that differs
 * from what the preset and the defaults give (`baseline`), as `--release`, `--namespace` and `--set`.
 * Passwords are never answers, so never in it.
 */
export function equivalentCommand(answers: Answers, flags: RunFlags = {}, baseline: Answers = defaultAnswers()): string[] {
  const argv = ['npx', 'mlflow-install', '--yes'];
  if (flags.preset) argv.push('--preset', flags.preset);
  if (answers.release !== baseline.release) argv.push('--release', answers.release);
  if (answers.namespace !== baseline.namespace) argv.push('--namespace', answers.namespace);
  for (const field of answerFields) {
    if (field.key === 'release' || field.key === 'namespace') continue;
    const value = valueAt(answers, field.path);
    const base = valueAt(baseline, field.path);
    if (value === undefined || value === base) continue;
    if (field.kind === 'list') {
      const items = value as readonly string[];
      if (JSON.stringify(items) !== JSON.stringify(base ?? [])) argv.push('--set', `${field.key}=${items.join(',')}`);
    } else if (field.kind === 'map') {
      const baseEntries = (base ?? {}) as Record<string, unknown>;
      for (const [entry, entryValue] of Object.entries(value as Record<string, unknown>)) {
        if (baseEntries[entry] !== entryValue) argv.push(...setFlag(`${field.key}.${entry}`, entryValue));
      }
    } else {
      argv.push(...setFlag(field.key, value));
    }
  }
  if (flags.context) argv.push('--context', flags.context);
  if (flags.kubeconfig) argv.push('--kubeconfig', flags.kubeconfig);
  if (flags.valuesFile && flags.valuesFile !== defaultValuesFile) argv.push('--values-file', flags.valuesFile);
  if (flags.chart) argv.push('--chart', flags.chart);
  return argv;
}
