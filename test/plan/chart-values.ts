import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { chartDir } from '../helpers/tools.js';

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Helm's merge of given values over the chart's: maps merge, anything else replaces, null deletes. */
export function coalesce(defaults: unknown, given: unknown): unknown {
  if (!isMap(defaults) || !isMap(given)) return given;
  const result: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (value === null) delete result[key];
    else result[key] = coalesce(defaults[key], value);
  }
  return result;
}

const chartDefaults: unknown = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** The errors values.schema.json finds in these values once merged over the chart's defaults, or []. */
export function chartSchemaErrors(values: unknown): string[] {
  if (validate(coalesce(chartDefaults, values))) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}
