// kube-score v1.20.0 (github.com/zegl/kube-score, built by scripts/setup-kube-score.mjs), with its default checks,
// on the rendered manifests of the chart's defaults and of the installer's values for every preset, with both
// helm majors. The distinct critical checks of each rendering must be exactly the ones below: a new critical
// fails, and so does one that went away (update the table and the README's kube-score section).
//
// Expected distinct critical checks (each explained in README.md, section kube-score):
//   chart defaults                     container-image-pull-policy, pod-networkpolicy
//   chart, PostgreSQL and 2 replicas   container-image-pull-policy, pod-networkpolicy
//   every preset (installer values)    container-image-pull-policy
const pinnedTag = 'container-image-pull-policy';
const policyOffInTheChart = 'pod-networkpolicy';
const chartCases: Record<string, { values: Record<string, unknown>; criticals: string[] }> = {
  'chart defaults': { values: {}, criticals: [pinnedTag, policyOffInTheChart] },
  'chart, PostgreSQL and 2 replicas': {
    values: {
      replicaCount: 2,
      database: { engine: { postgres: 'psql' } },
      mlflowBackend: { connections: { host: 'db' }, existingSecret: 'mlflow-db' },
      defaultArtifactRoot: 's3://bucket/mlflow',
    },
    criticals: [pinnedTag, policyOffInTheChart],
  },
};
const presetCriticals: Record<string, string[]> = {
  local: [pinnedTag],
  postgres: [pinnedTag],
  mysql: [pinnedTag],
  'aws-aurora': [pinnedTag],
  'gcp-cloudsql': [pinnedTag],
  azure: [pinnedTag],
};

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { presetNames } from '../../src/answers/presets.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { toChartValues } from '../../src/answers/to-values.js';
import { presetMinimums } from '../plan/preset-minimums.js';
import { renderChart } from '../helpers/render.js';
import { helmMajors, repoRoot, toolSet, type ToolSet } from '../helpers/tools.js';

const execFileAsync = promisify(execFile);
const criticalGrade = 1;

interface KubeScoreObject {
  object_name: string;
  checks: { check: { id: string }; grade: number; skipped: boolean }[];
}

function kubeScore(): { binary: string } | { unavailable: string } {
  const statusFile = join(repoRoot, '.cache', 'kube-score.json');
  if (!existsSync(statusFile)) return { unavailable: `${statusFile} is missing: run \`node scripts/test-setup.mjs\` (npm test does)` };
  const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { ok: boolean; binary?: string; reason?: string };
  if (!status.ok || !status.binary) return { unavailable: status.reason ?? 'kube-score was not built' };
  if (!existsSync(status.binary)) return { unavailable: `${status.binary} is missing: run \`node scripts/test-setup.mjs\`` };
  return { binary: status.binary };
}

/** The distinct critical checks kube-score finds in the manifests helm renders from these values. */
async function criticalChecks(binary: string, tools: ToolSet, values: unknown, where: { release?: string; namespace?: string } = {}): Promise<string[]> {
  const rendered = await renderChart(tools, values, where);
  if (!rendered.ok) throw new Error(`did not render: ${rendered.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-kube-score-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, rendered.stdout);
    // kube-score exits 1 when it finds a critical: its verdict is read from the JSON, not from the exit code.
    const { stdout } = await execFileAsync(binary, ['score', '--output-format', 'json', file], { maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string; code?: number; stderr?: string }) => {
        if (error.code === 1 && error.stdout) return { stdout: error.stdout };
        throw new Error(`kube-score failed (exit ${error.code}): ${error.stderr}`);
      },
    );
    const objects = JSON.parse(stdout) as KubeScoreObject[];
    const ids = objects.flatMap((object) => object.checks.filter((c) => c.grade === criticalGrade && !c.skipped).map((c) => c.check.id));
    return [...new Set(ids)].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The README's kube-score section, where each critical left must be explained. */
function readmeSection(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('### kube-score');
  if (start < 0) throw new Error('README.md has no "### kube-score" section');
  const end = readme.indexOf('\n#', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

const found = kubeScore();
const unavailable = 'unavailable' in found ? found.unavailable : undefined;

describe('the expected table', () => {
  it('covers every preset, leaves at most 2 distinct criticals anywhere, and the README explains each', () => {
    expect(Object.keys(presetCriticals).sort()).toEqual(presetNames().sort());
    const all = [...Object.values(chartCases).map((c) => c.criticals), ...Object.values(presetCriticals)];
    for (const criticals of all) expect(criticals.length).toBeLessThanOrEqual(2);
    const section = readmeSection();
    for (const id of new Set(all.flat())) expect(section, id).toContain(`\`${id}\``);
  });
});

describe.each(helmMajors.map((major) => toolSet(major)))('kube-score v1.20.0 with helm $major', (tools) => {
  const skip = unavailable ?? tools.unavailable;
  const binary = 'binary' in found ? found.binary : '';

  for (const [name, { values, criticals }] of Object.entries(chartCases)) {
    it.skipIf(skip !== undefined)(`${name}: exactly ${criticals.join(', ')}${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      expect(await criticalChecks(binary, tools, values)).toEqual([...criticals].sort());
    });
  }

  for (const [name, criticals] of Object.entries(presetCriticals)) {
    it.skipIf(skip !== undefined)(`preset ${name} (the installer's values): exactly ${criticals.join(', ')}${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const { answers } = resolveAnswers({ preset: name, set: presetMinimums[name] ?? [] });
      const ids = await criticalChecks(binary, tools, toChartValues(answers), { release: answers.release, namespace: answers.namespace });
      expect(ids).toEqual([...criticals].sort());
    });
  }
});
