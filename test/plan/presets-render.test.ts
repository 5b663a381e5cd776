import { describe, expect, it } from 'vitest';
import { missingAnswers } from '../../src/answers/consistency.js';
import { presetNames } from '../../src/answers/presets.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { toChartValues } from '../../src/answers/to-values.js';
import type { Manifest } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { chartSchemaErrors } from './chart-values.js';
import { presetMinimums } from './preset-minimums.js';
import { renderAsTheWizardDoes } from './render-values.js';

const resolvedPreset = (name: string, set: string[]) => resolveAnswers({ preset: name, set });
const kinds = (manifests: readonly Manifest[]) => manifests.map((manifest) => manifest.kind).sort();

describe('every preset with --yes and its minimum --set', () => {
  it('covers every shipped preset', () => {
    expect(Object.keys(presetMinimums).sort()).toEqual(presetNames().sort());
  });

  for (const [name, set] of Object.entries(presetMinimums)) {
    it(`${name}: needs exactly these answers`, () => {
      const resolved = resolvedPreset(name, set);
      expect(missingAnswers(resolved.answers, resolved.presetRequired)).toEqual([]);
      for (const dropped of set) {
        const fewer = resolvedPreset(name, set.filter((flag) => flag !== dropped));
        // The flag as the message names it: `--set KEY=...`, or `--set KEY=A,B` for a list.
        expect(missingAnswers(fewer.answers, fewer.presetRequired).map((answer) => answer.flag.replace(/=.*$/, '')), dropped).toContain(`--set ${dropped.split('=')[0]}`);
      }
      expect(chartSchemaErrors(toChartValues(resolved.answers))).toEqual([]);
    });
  }

  describe.each(helmMajors.map((major) => toolSet(major)))('rendered with helm $major', (tools) => {
    for (const [name, set] of Object.entries(presetMinimums)) {
      it.skipIf(tools.unavailable !== undefined)(`${name}: every manifest is valid Kubernetes${tools.unavailable ? ` (skipped: ${tools.unavailable})` : ''}`, async () => {
        const { answers } = resolvedPreset(name, set);
        const { manifests, version } = await renderAsTheWizardDoes(tools, toChartValues(answers), answers);
        expect(version.major).toBe(tools.major);
        // SecretProviderClass has no kubernetes-models model: validateManifest checks it against the CSI CRD's schema.
        for (const manifest of manifests) validateManifest(manifest as Manifest);
        const found = kinds(manifests as Manifest[]);
        expect(found).toContain('Deployment');
        const json = JSON.stringify(manifests);
        expect(json).not.toMatch(/"password":"[^"]/);

        if (name === 'local') expect(found).toEqual(['Deployment', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod', 'Service', 'ServiceAccount']);
        if (name === 'postgres' || name === 'mysql') {
          expect(found).toContain('PersistentVolumeClaim');
          expect(json).toContain('"name":"mlflow-mlflow-db"');
        }
        if (name === 'aws-aurora') {
          expect(found).toEqual(expect.arrayContaining(['Ingress', 'SecretProviderClass', 'Job']));
          // Tracking data and artifacts live in Aurora and S3; the claim holds only the login's users
          // (SQLite: MLflow's user migrations cannot run on MySQL, see the README's login section).
          expect(found).toContain('PersistentVolumeClaim');
          expect(json).toContain('sqlite:///');
          const ingress = manifests.find((manifest) => manifest.kind === 'Ingress');
          expect(ingress?.spec).toMatchObject({ ingressClassName: 'alb', rules: [{ host: 'mlflow.example.com' }] });
          expect(manifests.find((manifest) => manifest.kind === 'ServiceAccount')?.metadata.annotations).toEqual({
            'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/mlflow',
          });
          expect(manifests.some((manifest) => manifest.kind === 'Job' && manifest.metadata.name.includes('create-database'))).toBe(true);
        }
        if (name === 'gcp-cloudsql' || name === 'azure') {
          expect(found).toContain('SecretProviderClass');
          expect(found).not.toContain('PersistentVolumeClaim');
        }
        if (name === 'azure') {
          const deployment = manifests.find((manifest) => manifest.kind === 'Deployment') as { spec: { template: { metadata: { labels: Record<string, string> } } } } | undefined;
          expect(deployment?.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
        }
      });
    }
  });
});
