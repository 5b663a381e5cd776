import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { valuesYaml } from '../../src/values-file.js';
import { chartDir, type ToolSet } from './tools.js';

const execFileAsync = promisify(execFile);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface RenderResult {
  ok: boolean;
  manifests: Manifest[];
  stdout: string;
  stderr: string;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Render the chart's `helm test` hooks too (helm template skips them unless told). */
  withTests?: boolean;
  chart?: string;
  extraArgs?: string[];
}

/** `helm template` with the real helm binary: the values go in through a file, as the wizard passes them. */
export async function renderChart(tools: ToolSet, values: unknown, options: RenderOptions = {}): Promise<RenderResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-render-'));
  const valuesFile = join(dir, 'values.yaml');
  // The same YAML the wizard writes: helm reads YAML 1.1, where a bare n or yes is a boolean.
  writeFileSync(valuesFile, valuesYaml(values ?? {}));
  const args = [
    'template',
    options.release ?? 'mlflow',
    options.chart ?? chartDir,
    '--namespace',
    options.namespace ?? 'mlflow',
    '--values',
    valuesFile,
    ...(options.extraArgs ?? []),
  ];
  if (options.withTests === false) args.push('--skip-tests');
  try {
    const { stdout, stderr } = await execFileAsync(tools.helm, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return { ok: true, manifests: parseManifests(stdout), stdout, stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, manifests: [], stdout: failure.stdout ?? '', stderr: failure.stderr ?? String(error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if ('errors' in document && document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
    const value = document.toJS() as Manifest | null;
    if (value) manifests.push(value);
  }
  return manifests;
}

export function findManifest(manifests: Manifest[], kind: string, nameSuffix = ''): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
}
