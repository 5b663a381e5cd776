import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { UsageError } from '../errors.js';
import { resolveKey } from './fields.js';
import { layerFromDocument, type AnswerLayer } from './layers.js';

/** The presets shipped with the package: presets/NAME.yaml beside src/ (and dist/). */
export const presetsDir = fileURLToPath(new URL('../../presets/', import.meta.url));

export interface Preset {
  name: string;
  /** How errors name it: `preset postgres (presets/postgres.yaml)` or `preset file ./mine.yaml`. */
  label: string;
  description: string;
  /** Answers the preset leaves to the person but cannot do without (a bucket, a cloud identity). */
  required: string[];
  layer: AnswerLayer;
}

export interface PresetSummary {
  name: string;
  description: string;
}

const presetKeys = ['description', 'required'];

export function presetNames(): string[] {
  return readdirSync(presetsDir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => basename(file, '.yaml'))
    .sort((a, b) => presetOrder(a) - presetOrder(b) || a.localeCompare(b));
}

// The shipped presets, simplest first; any other file sorts after them.
const shippedOrder = ['local', 'postgres', 'mysql', 'aws-aurora', 'gcp-cloudsql', 'azure'];
function presetOrder(name: string): number {
  const index = shippedOrder.indexOf(name);
  return index === -1 ? shippedOrder.length : index;
}

function looksLikePath(value: string): boolean {
  return /[/\\]/.test(value) || /\.ya?ml$/i.test(value);
}

function readPresetText(path: string, shownPath: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`--preset ${shownPath}: no such file; give a preset name or the path of a preset file`);
    if (code === 'EISDIR') throw new UsageError(`--preset ${shownPath}: is a directory; expected a preset file (YAML)`);
    throw new UsageError(`--preset ${shownPath}: cannot read it (${code ?? (error as Error).message}); expected a readable preset file`);
  }
}

/** Parses and checks a preset file's text; `label` names it in every complaint. */
export function parsePreset(name: string, label: string, text: string): Preset {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const before = text.slice(0, firstError.pos[0]).split('\n');
    const at = ` at line ${before.length}, column ${(before.at(-1) ?? '').length + 1}`;
    throw new UsageError(`${label}: not valid YAML${at} (${firstError.message.split('\n')[0]}); expected a YAML map of answers`);
  }
  const content: unknown = document.toJS();
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new UsageError(`${label}: expected a YAML map with a description and answers, got ${content === null ? 'an empty file' : JSON.stringify(content)}`);
  }
  const { description, required = [] } = content as { description?: unknown; required?: unknown };
  if (description !== undefined && (typeof description !== 'string' || description.trim() === '' || description.includes('\n'))) {
    throw new UsageError(`${label}: description: got ${JSON.stringify(description)}, expected one line of text`);
  }
  if (!Array.isArray(required) || !required.every((key): key is string => typeof key === 'string')) {
    throw new UsageError(`${label}: required: got ${JSON.stringify(required)}, expected a list of answer keys`);
  }
  for (const key of required) {
    if (!resolveKey(key)) throw new UsageError(`${label}: required: unknown answer ${key}`);
  }
  return {
    name,
    label,
    description: description ?? '',
    required,
    layer: layerFromDocument(content, label, presetKeys),
  };
}

/** `--preset NAME` (a shipped preset) or `--preset PATH` (a preset file). */
export function loadPreset(nameOrPath: string, cwd = process.cwd()): Preset {
  if (looksLikePath(nameOrPath)) {
    const path = resolve(cwd, nameOrPath);
    return parsePreset(basename(path).replace(/\.ya?ml$/i, ''), `preset file ${nameOrPath}`, readPresetText(path, nameOrPath));
  }
  const names = presetNames();
  if (!names.includes(nameOrPath)) {
    throw new UsageError(`--preset ${nameOrPath}: unknown preset; the presets are ${names.join(', ')} (or give the path of a preset file)`);
  }
  const path = join(presetsDir, `${nameOrPath}.yaml`);
  const shown = relative(join(presetsDir, '..'), path);
  return parsePreset(nameOrPath, `preset ${nameOrPath} (${shown})`, readPresetText(path, shown));
}

export function listPresets(): PresetSummary[] {
  return presetNames().map((name) => {
    const { description } = loadPreset(name);
    return { name, description };
  });
}
