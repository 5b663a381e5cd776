import { UsageError } from '../errors.js';

/** Where an answer came from, so that every complaint about it names its source. */
export type Origin =
  | { kind: 'flag'; text: string }
  | { kind: 'file'; label: string }
  | { kind: 'default' };

export const defaultOrigin: Origin = { kind: 'default' };

/** Keys that look like a password: their values are never echoed back, in case they are one. */
export function isPasswordLikeKey(key: string): boolean {
  return /passw(or)?d|token/i.test(key.split('.').pop() ?? key);
}

export function describeValue(key: string, value: unknown): string {
  if (isPasswordLikeKey(key)) return '(value not shown)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `--set backend.db.port=x` for a flag; `preset postgres (presets/postgres.yaml): backend.db.port` for a file. */
export function where(origin: Origin, key: string): string {
  switch (origin.kind) {
    case 'flag':
      return origin.text;
    case 'file':
      return `${origin.label}: ${key}`;
    case 'default':
      return `the default of ${key}`;
  }
}

/** The one-line complaint about a bad value: the source, the value (files only: a flag shows it already), what is accepted. */
export function badValue(origin: Origin, key: string, value: unknown, accepts: string): UsageError {
  const got = origin.kind === 'flag' ? '' : `got ${describeValue(key, value)}, `;
  return new UsageError(`${where(origin, key)}: ${got}expected ${accepts}`);
}

export function problem(origin: Origin, key: string, message: string): UsageError {
  return new UsageError(`${where(origin, key)}: ${message}`);
}
