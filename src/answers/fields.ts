import type { z } from 'zod';
import { answerMeta, AnswersSchema, type Answers } from './schema.js';

/** One answer the person can give: a leaf of the schema, addressed by its dotted key. */
export interface AnswerField {
  key: string;
  path: readonly string[];
  kind: 'string' | 'integer' | 'boolean' | 'enum' | 'map' | 'list';
  description: string;
  accepts: string;
  /** The schema's default; undefined when the answer has none (an optional port). */
  defaultValue: unknown;
  /** The choices of an enum, the empty "not set" choice left out. */
  options: readonly string[];
  /** Validates a value given for this answer alone. */
  schema: z.ZodType;
}

interface Definition {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
}

function definitionOf(schema: z.ZodType): Definition {
  return (schema as unknown as { def: Definition }).def;
}

/** The schema under its default / prefault / optional wrappers. */
function core(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = definitionOf(current);
    if ((def.type === 'default' || def.type === 'prefault' || def.type === 'optional') && def.innerType) {
      current = def.innerType;
    } else {
      return current;
    }
  }
}

const kinds: Record<string, AnswerField['kind']> = {
  string: 'string',
  number: 'integer',
  boolean: 'boolean',
  enum: 'enum',
  record: 'map',
  array: 'list',
};

export function valueAt(tree: unknown, path: readonly string[]): unknown {
  let current = tree;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function collect(schema: z.ZodType, path: string[], defaults: Answers, out: AnswerField[]): void {
  const def = definitionOf(core(schema));
  if (def.type === 'object' && def.shape) {
    for (const [name, child] of Object.entries(def.shape)) collect(child, [...path, name], defaults, out);
    return;
  }
  const kind = kinds[def.type];
  const meta = answerMeta.get(schema);
  if (!kind || !meta || !schema.description) throw new Error(`answer ${path.join('.')} lacks a kind, description or accepts`);
  out.push({
    key: path.join('.'),
    path,
    kind,
    description: schema.description,
    accepts: meta.accepts,
    defaultValue: valueAt(defaults, path),
    options: kind === 'enum' ? Object.values(def.entries ?? {}).filter((option) => option !== '') : [],
    schema,
  });
}

function collectFields(): AnswerField[] {
  const fields: AnswerField[] = [];
  collect(AnswersSchema, [], AnswersSchema.parse({}), fields);
  return fields;
}

/** Every answer, in the schema's order (the order the wizard asks them in). */
export const answerFields: readonly AnswerField[] = collectFields();

const byKey = new Map(answerFields.map((field) => [field.key, field]));

export function fieldByKey(key: string): AnswerField | undefined {
  return byKey.get(key);
}

/** The answer a dotted key names: a field itself, or an entry of a map field (`serviceAccount.annotations.x/y`). */
export function resolveKey(key: string): { field: AnswerField; entry?: string } | undefined {
  const exact = byKey.get(key);
  if (exact) return { field: exact };
  for (const field of answerFields) {
    if (field.kind === 'map' && key.startsWith(`${field.key}.`) && key.length > field.key.length + 1) {
      return { field, entry: key.slice(field.key.length + 1) };
    }
  }
  return undefined;
}

/** The groups (`backend`, `backend.db`, ...) that hold answers but are not answers themselves. */
export function isGroupKey(key: string): boolean {
  return answerFields.some((field) => field.key.startsWith(`${key}.`));
}

export function defaultAnswers(): Answers {
  return AnswersSchema.parse({});
}

/** The flag that gives an answer: `--set backend.type=file|postgres|mysql|mssql`, `--release NAME`, ... */
export function flagFor(key: string): string {
  if (key === 'release') return '--release NAME';
  if (key === 'namespace') return '--namespace NAME';
  const resolved = resolveKey(key);
  if (!resolved || resolved.entry !== undefined) return `--set ${key}=...`;
  const { field } = resolved;
  if (field.kind === 'enum') return `--set ${key}=${field.options.join('|')}`;
  if (field.kind === 'boolean') return `--set ${key}=true|false`;
  if (field.kind === 'map') return `--set ${key}.NAME=VALUE`;
  if (field.kind === 'list') return `--set ${key}=A,B`;
  return `--set ${key}=...`;
}
