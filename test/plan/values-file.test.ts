import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { valuesFileText, valuesYaml, writeValuesFile } from '../../src/values-file.js';

describe('the values file', () => {
  it('is written mode 0600, also over an existing file readable by others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'values-file-'));
    const path = join(dir, 'mlflow-values.yaml');
    writeFileSync(path, 'old', { mode: 0o644 });
    writeValuesFile(path, 'a: 1\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('a: 1\n');
  });

  it('says so in one line when it cannot be written', () => {
    expect(() => writeValuesFile('/nonexistent-dir/x.yaml', 'a: 1\n')).toThrow(/^--values-file \/nonexistent-dir\/x.yaml: cannot write it \(ENOENT\)/);
  });

  it('starts with a header naming the equivalent command, shell-quoted', () => {
    const text = valuesFileText({ a: 1 }, ['npx', 'mlflow-install', '--yes', '--set', "ingress.annotations.x/y=it's"]);
    const header = text.split('\n').filter((line) => line.startsWith('#'));
    expect(header.join('\n')).toContain("#   npx mlflow-install --yes --set 'ingress.annotations.x/y=it'\\''s'");
    expect(header.join('\n')).toMatch(/No secret is in this file/);
    expect(parse(text)).toEqual({ a: 1 });
  });

  it('quotes strings so that helm (YAML 1.1) reads back exactly what was written', () => {
    const values = { labels: { n: 'n', yes: 'yes', on: 'on', off: 'Off', tilde: '~', octal: '012', date: '2001-12-14' }, port: 5432, on: true, none: null };
    const text = valuesYaml(values);
    expect(parse(text, { version: '1.1' })).toEqual(values);
    expect(parse(text)).toEqual(values);
  });
});
