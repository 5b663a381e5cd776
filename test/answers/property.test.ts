import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inconsistency, missingAnswers } from '../../src/answers/consistency.js';
import { toChartValues } from '../../src/answers/to-values.js';
import type { Manifest } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { chartSchemaErrors } from '../plan/chart-values.js';
import { renderAsTheWizardDoes } from '../plan/render-values.js';
import { answersArbitrary } from './arbitraries.js';

const RUNS = 400;
const RENDERED = 12;

describe('random valid Answers', () => {
  it(`map to values the chart's values.schema.json accepts (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(answersArbitrary, (answers) => {
        // The generator's promise: complete, consistent answers.
        expect(inconsistency(answers, new Map())).toBeUndefined();
        expect(missingAnswers(answers)).toEqual([]);
        expect(chartSchemaErrors(toChartValues(answers))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  describe.each(helmMajors.map((major) => toolSet(major)))('a sample of them renders with helm $major', (tools) => {
    it.skipIf(tools.unavailable !== undefined)(`${RENDERED} random Answers render and validate${tools.unavailable ? ` (skipped: ${tools.unavailable})` : ''}`, async () => {
      const sample = fc.sample(answersArbitrary, { numRuns: RENDERED, seed: 20261127 + tools.major });
      for (const answers of sample) {
        const rendered = await renderAsTheWizardDoes(tools, toChartValues(answers), answers);
        for (const manifest of rendered.manifests) validateManifest(manifest as Manifest);
        expect(rendered.manifests.filter((manifest) => manifest.kind === 'Deployment'), JSON.stringify(answers)).toHaveLength(1);
        // Strings reach the cluster as typed, even those YAML 1.1 would read as booleans (n, yes, on).
        const account = rendered.manifests.find((manifest) => manifest.kind === 'ServiceAccount');
        expect(account?.metadata.annotations ?? {}).toEqual(answers.serviceAccount.annotations);
      }
    });
  });
});
