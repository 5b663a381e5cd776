import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { answerFields, fieldByKey, isGroupKey, resolveKey, type AnswerField } from './fields.js';
import { badValue, isPasswordLikeKey, problem, where, type Origin } from './origin.js';
import { AnswersSchema, type Answers } from './schema.js';

/** The answers one source gives, by field key, each already checked against its field. */
export type AnswerLayer = Map<string, { value: unknown; origin: Origin }>;

export interface MergedAnswers {
  answers: Answers;
  /** The source of every answer some layer gave; the others are the schema's defaults. */
  origins: Map<string, Origin>;
}

const passwordEnv = (key: string): string => (/master/i.test(key) ? 'MLFLOW_DB_MASTER_PASSWORD' : 'MLFLOW_DB_PASSWORD');

function passwordRefused(where: string, key: string): UsageError {
  const instead = key.startsWith('auth.')
    ? 'type it at the prompt, set MLFLOW_ADMIN_PASSWORD, or leave both out to have one generated'
    : key.startsWith('backend.')
    ? `type it at the prompt or set ${passwordEnv(key)}`
    : 'keep it in the secret store or a Kubernetes Secret and give its name instead';
  return new UsageError(
    `${where}: a password is never taken from flags or files (it would stay in shell history, process lists and files); ${instead}`,
  );
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function unknownKeyHint(key: string): string {
  const closest = answerFields
    .map((field) => ({ key: field.key, distance: editDistance(key.toLowerCase(), field.key.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (closest && closest.distance <= 3) return `did you mean ${closest.key}?`;
  const groups = [...new Set(answerFields.map((field) => (field.path.length > 1 ? `${field.path[0]}.*` : field.key)))];
  return `the answers are ${groups.join(', ')}`;
}

function unknownKey(where: string, key: string): UsageError {
  return new UsageError(`${where}: unknown answer ${key}; ${unknownKeyHint(key)}`);
}

/** Checks a value against its field; a map's bad entry is named by its own key. */
function checkedValue(field: AnswerField, value: unknown, origin: Origin): unknown {
  const result = field.schema.safeParse(value);
  if (result.success) {
    // A map entry named like a password would put a secret into the values file: refused like any password.
    const secretEntry = field.kind === 'map' ? Object.keys(result.data as object).find((entry) => isPasswordLikeKey(entry)) : undefined;
    if (secretEntry !== undefined) {
      const key = `${field.key}.${secretEntry}`;
      throw passwordRefused(origin.kind === 'flag' ? origin.text : `${where(origin, key)}`, key);
    }
    return result.data;
  }
  const issue = result.error.issues[0];
  if (field.kind !== 'map' || !issue || issue.path.length === 0) throw badValue(origin, field.key, value, field.accepts);
  const entry = String(issue.path[0]);
  const what = issue.code === 'invalid_key' ? `the key ${JSON.stringify(entry)} is not valid; expected` : 'expected';
  if (origin.kind === 'flag') throw problem(origin, field.key, `${what} ${field.accepts}`);
  const entryValue = (value as Record<string, unknown>)[entry];
  throw problem(origin, `${field.key}.${entry}`, `got ${JSON.stringify(entryValue)}, ${what} ${field.accepts}`);
}

/** A nested answers document (a preset file, the answers an earlier run saved), checked key by key. */
export function layerFromDocument(document: unknown, label: string, ignoredKeys: readonly string[] = []): AnswerLayer {
  const layer: AnswerLayer = new Map();
  const origin: Origin = { kind: 'file', label };
  const visit = (node: unknown, prefix: string[]): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      const key = prefix.join('.');
      throw new UsageError(`${label}${key ? `: ${key}` : ''}: expected a map of answers, got ${JSON.stringify(node)}`);
    }
    for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
      const path = [...prefix, name];
      const key = path.join('.');
      if (prefix.length === 0 && ignoredKeys.includes(name)) continue;
      const field = fieldByKey(key);
      if (field) {
        layer.set(key, { value: checkedValue(field, value, origin), origin });
      } else if (isGroupKey(key)) {
        visit(value, path);
      } else if (isPasswordLikeKey(key)) {
        throw passwordRefused(`${label}: ${key}`, key);
      } else {
        throw unknownKey(label, key);
      }
    }
  };
  visit(document, []);
  return layer;
}

function unquoted(text: string): string {
  if (/^(".*"|'.*')$/s.test(text)) {
    const value: unknown = parseYaml(text);
    if (typeof value === 'string') return value;
  }
  return text;
}

/** A list as text: comma-separated names (`a,b`, empty for none), or a YAML flow sequence (`[a, b]`). */
function parseList(text: string): unknown {
  if (text.trim().startsWith('[')) {
    try {
      return parseYaml(text) as unknown;
    } catch {
      return text;
    }
  }
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** A `--set` value as its field wants it: text for strings (so `0123` stays `0123`), a YAML scalar otherwise. */
function parseSetValue(field: AnswerField, entry: string | undefined, text: string): unknown {
  if (field.kind === 'list' && entry === undefined) return parseList(text);
  if (entry !== undefined || field.kind === 'string' || field.kind === 'enum') return unquoted(text);
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

/** The `--set key=value` flags, in order (a later flag for the same key wins, as with helm). */
export function layerFromSetFlags(flags: readonly string[]): AnswerLayer {
  const layer: AnswerLayer = new Map();
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    const key = equals === -1 ? flag : flag.slice(0, equals);
    const text = equals === -1 ? '' : flag.slice(equals + 1);
    if (equals <= 0 || key.trim() !== key) {
      throw new UsageError(`--set ${flag}: expected key=value, e.g. --set backend.type=postgres`);
    }
    const shown = isPasswordLikeKey(key) ? `--set ${key}=...` : `--set ${flag}`;
    const resolved = resolveKey(key);
    if (!resolved) {
      if (isPasswordLikeKey(key)) throw passwordRefused(shown, key);
      if (isGroupKey(key)) throw new UsageError(`${shown}: ${key} is a group of answers; set one of its keys, e.g. ${answerFields.find((f) => f.key.startsWith(`${key}.`))?.key}=...`);
      throw unknownKey(shown, key);
    }
    const origin: Origin = { kind: 'flag', text: shown };
    const { field, entry } = resolved;
    const value = parseSetValue(field, entry, text);
    if (entry === undefined) {
      layer.set(field.key, { value: checkedValue(field, value, origin), origin });
    } else {
      const earlier = layer.get(field.key)?.value as Record<string, string> | undefined;
      const merged = { ...earlier, [entry]: value };
      checkedValue(field, { [entry]: value }, origin);
      layer.set(field.key, { value: merged, origin });
    }
  }
  return layer;
}

/**
 * One answer typed as text (a wizard prompt, a `--set` value), checked like `--set` checks it: the value
 * as its field wants it, or a UsageError `<key>: expected <what is accepted>`.
 */
export function answerFromText(key: string, text: string): unknown {
  const resolved = resolveKey(key);
  if (!resolved) throw unknownKey(key, key);
  const origin: Origin = { kind: 'flag', text: key };
  const value = parseSetValue(resolved.field, resolved.entry, text);
  if (resolved.entry === undefined) return checkedValue(resolved.field, value, origin);
  checkedValue(resolved.field, { [resolved.entry]: value }, origin);
  return value;
}

/** `--release` / `--namespace`: the same answers as `--set release=`, named by their own flag. */
export function layerFromNameFlags(flags: { release?: string; namespace?: string }, sets: AnswerLayer): AnswerLayer {
  const layer: AnswerLayer = new Map();
  for (const [key, flag] of [
    ['release', '--release'],
    ['namespace', '--namespace'],
  ] as const) {
    const value = flags[key];
    if (value === undefined) continue;
    const origin: Origin = { kind: 'flag', text: `${flag} ${value}` };
    const field = fieldByKey(key);
    if (!field) continue;
    const given = sets.get(key);
    if (given && given.value !== value) {
      throw new UsageError(`${flag} ${value} conflicts with ${given.origin.kind === 'flag' ? given.origin.text : `${key}=${String(given.value)}`}; give one`);
    }
    layer.set(key, { value: checkedValue(field, value, origin), origin });
  }
  return layer;
}

function setAt(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined || next === null || typeof next !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Layers from the highest precedence to the lowest; map answers merge entry by entry, the rest are replaced. */
export function mergeLayers(layers: readonly AnswerLayer[]): MergedAnswers {
  const tree: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const field of answerFields) {
    const givers = layers.map((layer) => layer.get(field.key)).filter((given) => given !== undefined);
    const top = givers[0];
    if (!top) continue;
    const value =
      field.kind === 'map'
        ? Object.assign({}, ...givers.map((given) => given.value as Record<string, unknown>).reverse())
        : top.value;
    setAt(tree, field.path, value);
    origins.set(field.key, top.origin);
  }
  const result = AnswersSchema.safeParse(tree);
  if (!result.success) {
    throw new Error(`answers that passed their own checks do not form valid Answers: ${result.error.issues[0]?.message}`);
  }
  return { answers: result.data, origins };
}
