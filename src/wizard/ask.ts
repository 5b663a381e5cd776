import { answerFromText } from '../answers/layers.js';
import { fieldByKey } from '../answers/fields.js';
import type { Palette } from '../ui/colors.js';
import { within, type ClusterLookups, type Lookup } from './lookups.js';
import type { Choice, Prompter } from './prompter.js';
import { answerValue, type WizardState } from './state.js';

/** What a question needs: the prompts, a place for explanations, the cluster look-ups. */
export interface WizardIO {
  prompter: Prompter;
  /** Writes one line of explanation (a newline is added). */
  say(line: string): void;
  palette: Palette;
  lookups: ClusterLookups;
  /** How long a question waits for a cluster look-up before it falls back to free text. */
  lookupWaitMs: number;
}

/** The one-line explanation above a question: the schema's description of the answer. */
export function explain(io: WizardIO, text: string): void {
  io.say(io.palette.dim(`  ${text}`));
}

/** Validates typed text exactly as `--set` would, with the schema's message; empty is refused when required. */
export function validatorFor(key: string, required: boolean, extra?: (value: unknown) => string | undefined) {
  return (text: string): true | string => {
    if (required && text.trim() === '') return `${key}: required; expected ${fieldByKey(key)?.accepts ?? resolvedAccepts(key)}`;
    try {
      const value = answerFromText(key, text);
      return extra?.(value) ?? true;
    } catch (error) {
      return (error as Error).message;
    }
  };
}

function resolvedAccepts(key: string): string {
  const group = key.split('.').slice(0, 2).join('.');
  return fieldByKey(group)?.accepts ?? 'a value';
}

export interface TextQuestion {
  key: string;
  message: string;
  required?: boolean;
  /** Shown instead of the schema's description. */
  help?: string;
  /** The default offered; the current answer otherwise. */
  default?: string;
  /** Offered when no source gave an answer yet (the earlier run's answer wins over it). */
  suggestion?: string;
  extra?: (value: unknown) => string | undefined;
}

/** A free-text answer, checked as typed; returns the value as its field wants it. */
export async function askText(io: WizardIO, state: WizardState, question: TextQuestion): Promise<unknown> {
  const current = answerValue(state, question.key);
  const known = current === undefined || current === null ? '' : String(current);
  const fallback = question.default ?? (known === '' ? (question.suggestion ?? '') : known);
  explain(io, question.help ?? fieldByKey(question.key)?.description ?? '');
  const text = await io.prompter.input({
    message: question.message,
    ...(fallback === '' ? {} : { default: fallback }),
    validate: validatorFor(question.key, question.required ?? false, question.extra),
  });
  const value = answerFromText(question.key, text);
  state.typed.set(question.key, value);
  return value;
}

export async function askYesNo(io: WizardIO, state: WizardState, key: string, message: string, help?: string): Promise<boolean> {
  explain(io, help ?? fieldByKey(key)?.description ?? '');
  const value = await io.prompter.confirm({ message, default: answerValue(state, key) === true });
  state.typed.set(key, value);
  return value;
}

export async function askChoice<V extends string>(io: WizardIO, state: WizardState, key: string, message: string, choices: readonly Choice<V>[], help?: string): Promise<V> {
  explain(io, help ?? fieldByKey(key)?.description ?? '');
  const current = answerValue(state, key);
  const known = choices.find((choice) => choice.value === current);
  const value = await io.prompter.select<V>({ message, choices, ...(known ? { default: known.value } : {}) });
  state.typed.set(key, value);
  return value;
}

/** A look-up the question needs, waited for a little; says so while it waits. */
export async function awaitLookup<T>(io: WizardIO, what: string, lookup: () => Promise<Lookup<T>>): Promise<Lookup<T>> {
  const first = await within(lookup(), 0);
  if (first.state !== 'pending') return first;
  io.say(io.palette.dim(`  Asking the cluster for ${what}...`));
  return within(lookup(), io.lookupWaitMs);
}

/** Why a list the cluster would give is missing: the question becomes free text. */
export function whyNoList(io: WizardIO, what: string, lookup: Lookup<unknown>): void {
  const reason = lookup.state === 'failed' ? lookup.reason : `the cluster did not answer within ${Math.round(io.lookupWaitMs / 1000)}s`;
  io.say(io.palette.warn(`  No list of ${what}: ${reason}. Type the name instead.`));
}
