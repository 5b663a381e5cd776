import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderWithHelm, type Rendered } from '../../src/plan/render.js';
import { valuesYaml } from '../../src/values-file.js';
import { chartDir, type ToolSet } from '../helpers/tools.js';

/** Renders values the way the wizard does: its own YAML writer, its own helm template call. */
export async function renderAsTheWizardDoes(tools: ToolSet, values: unknown, where: { release: string; namespace: string }): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-values-'));
  const valuesFile = join(dir, 'values.yaml');
  writeFileSync(valuesFile, valuesYaml(values));
  try {
    return await renderWithHelm({ helm: tools.helm, chart: chartDir, release: where.release, namespace: where.namespace, valuesFile });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
