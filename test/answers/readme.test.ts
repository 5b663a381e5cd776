import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerFields } from '../../src/answers/fields.js';
import { repoRoot } from '../helpers/tools.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const tableRows = (heading: string): string[] => {
  const lines = readme.slice(readme.indexOf(heading)).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  return lines.slice(start, end);
};
const schema = JSON.parse(readFileSync(join(repoRoot, 'charts', 'mlflow', 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };

describe('the README', () => {
  it('lists every answer --set takes, with its description', () => {
    for (const field of answerFields) {
      const row = tableRows('Every answer, as `--set` takes it').find((line) => line.startsWith(`| \`${field.key}\` |`));
      expect(row, field.key).toBeDefined();
      expect(row).toContain(field.description.replace(/\|/g, '\\|'));
    }
  });

  it("documents every top-level chart value in the chart's values table", () => {
    const rows = tableRows('### Chart values');
    for (const key of Object.keys(schema.properties).filter((name) => name !== 'global')) {
      expect(rows.some((row) => row.split('|')[1]?.includes(`\`${key}\``) || row.split('|')[1]?.includes(`\`${key}.`)), key).toBe(true);
    }
  });
});
