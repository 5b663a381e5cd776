import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const chartDir = join(repoRoot, 'charts', 'mlflow');
export const toolsDir = join(repoRoot, '.cache', 'tools');

export type HelmMajor = 3 | 4;

export interface ToolSet {
  major: HelmMajor;
  helm: string;
  kubectl: string;
  /** Why this set cannot be used here, or undefined when it can. */
  unavailable?: string;
}

function probe(path: string): string | undefined {
  if (!existsSync(path)) return `${path} is missing: run \`node scripts/test-setup.mjs\` (npm test does)`;
  try {
    const args = path.endsWith('kubectl') ? ['version', '--client'] : ['version', '--short'];
    execFileSync(path, args, {
      stdio: 'ignore',
      timeout: 20_000,
    });
    return undefined;
  } catch (error) {
    return `${path} cannot run on ${process.platform}/${process.arch}: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** The real helm (and its kubectl) of each major the tests use, fetched by scripts/test-setup.mjs. */
export function toolSet(major: HelmMajor): ToolSet {
  const dir = join(toolsDir, `helm-v${major}`);
  const helm = join(dir, 'helm');
  const kubectl = join(dir, 'kubectl');
  const unavailable = probe(helm) ?? probe(kubectl);
  return unavailable === undefined ? { major, helm, kubectl } : { major, helm, kubectl, unavailable };
}

export const helmMajors: HelmMajor[] = [3, 4];
