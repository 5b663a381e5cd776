import { resolveKey, valueAt } from '../answers/fields.js';
import type { ResolvedAnswers } from '../answers/resolve.js';
import type { Answers } from '../answers/schema.js';
import type { PasswordRole, SecretEnvironment, SecretInput } from '../answers/secrets.js';

/** Where a database password comes from, as the person chose it. */
export type PasswordSource = 'typed' | 'existing' | 'store';

export type PasswordEnv = SecretInput['env'] | 'MLFLOW_ADMIN_PASSWORD';

/** Everything the questions know: the sources' answers, what the person answered, and the typed passwords. */
export interface WizardState {
  /** The answers from --set, --preset, the earlier run and the defaults. */
  base: ResolvedAnswers;
  /** What the person answered, by answer key (map entries by their full key). */
  typed: Map<string, unknown>;
  /** Steps answered in this run. */
  done: Set<string>;
  passwordSource: Partial<Record<PasswordRole, PasswordSource>>;
  /** Passwords typed at a prompt: kept in memory only, handed to the install like environment variables. */
  passwords: Partial<Record<PasswordEnv, string>>;
  env: SecretEnvironment;
  /** Where the chosen IngressClass's controller runs, when the cluster said (the NetworkPolicy's default). */
  ingressNamespace?: string;
  /** The person was told the saved answers belong to another cluster (the install need not say it again). */
  toldOtherCluster?: boolean;
  /** The MLflow version the earlier install's database belongs to (its saved schema-version or mlflow.version). */
  releaseVersion?: string;
}

export function newState(base: ResolvedAnswers, env: SecretEnvironment): WizardState {
  return { base, typed: new Map(), done: new Set(), passwordSource: {}, passwords: {}, env };
}

function setAt(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

/** The sources' answers with the person's answers on top. */
export function currentAnswers(state: WizardState): Answers {
  const answers = structuredClone(state.base.answers);
  for (const [key, value] of state.typed) {
    const resolved = resolveKey(key);
    if (!resolved) continue;
    const { field, entry } = resolved;
    if (entry === undefined) {
      setAt(answers, field.path, value);
    } else {
      const map = { ...(valueAt(answers, field.path) as Record<string, unknown>) };
      if (value === '') delete map[entry];
      else map[entry] = value;
      setAt(answers, field.path, map);
    }
  }
  return answers;
}

export function answerValue(state: WizardState, key: string): unknown {
  const resolved = resolveKey(key);
  if (!resolved) return undefined;
  const value = valueAt(currentAnswers(state), resolved.field.path);
  return resolved.entry === undefined ? value : (value as Record<string, unknown> | undefined)?.[resolved.entry];
}

/** Answered by --set, --release/--namespace or the preset: not asked. The earlier run's answers are only defaults. */
export function givenBySource(state: WizardState, key: string): boolean {
  const resolved = resolveKey(key);
  if (!resolved) return false;
  const origin = state.base.origins.get(resolved.field.key);
  if (origin === undefined) return false;
  const fromSource = origin.kind === 'flag' || (origin.kind === 'file' && origin.label === state.base.preset?.label);
  if (!fromSource) return false;
  if (resolved.entry === undefined) return true;
  const map = valueAt(state.base.answers, resolved.field.path) as Record<string, unknown> | undefined;
  return map?.[resolved.entry] !== undefined;
}

/** Where an answer came from, for the summary. */
export function sourceOf(state: WizardState, key: string): string {
  if (state.typed.has(key)) return 'you';
  const resolved = resolveKey(key);
  const origin = resolved ? state.base.origins.get(resolved.field.key) : undefined;
  if (origin === undefined) return 'default';
  if (origin.kind === 'flag') return origin.text.split('=')[0] ?? origin.text;
  if (origin.kind === 'file' && origin.label === state.base.preset?.label) return `preset ${state.base.preset.name}`;
  if (origin.kind === 'file') return 'earlier run';
  return 'default';
}
