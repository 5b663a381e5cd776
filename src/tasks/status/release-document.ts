import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { releaseSchema, type Helm, type HelmRelease } from '../../cluster/helm.js';
import { CommandFailedError, type CommandRunner } from '../../cluster/runner.js';
import { helmTool, runTool } from '../../cluster/tool-errors.js';

/** One object of the release's manifest: what it is and what status and uninstall need from it. */
export interface ReleaseResource {
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
}

/** The release as `helm status -o json` gives it: its record, the values it was given, and what it created. */
export interface ReleaseDocument {
  release: HelmRelease;
  /** The user-supplied values (may hold a password set the seed's way: read single keys, never print it whole). */
  values: Record<string, unknown>;
  resources: ReleaseResource[];
}

const documentSchema = releaseSchema.extend({
  config: z.record(z.string(), z.unknown()).nullish(),
  manifest: z.string().optional(),
});

const manifestObjectSchema = z.object({
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).nullish(),
    annotations: z.record(z.string(), z.string()).nullish(),
  }),
  spec: z.record(z.string(), z.unknown()).nullish(),
});

/** The objects of a helm manifest (YAML documents, with `# Source:` comments and empty documents). */
export function parseManifest(manifest: string): ReleaseResource[] {
  const resources: ReleaseResource[] = [];
  for (const document of parseAllDocuments(manifest)) {
    if ('errors' in document && document.errors.length > 0) continue;
    const parsed = manifestObjectSchema.safeParse(document.toJS());
    if (!parsed.success) continue;
    const { kind, metadata, spec } = parsed.data;
    resources.push({
      kind,
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      labels: metadata.labels ?? {},
      annotations: metadata.annotations ?? {},
      spec: spec ?? {},
    });
  }
  return resources;
}

const QUICK_TIMEOUT_MS = 60_000;

/** The release, its values and its resources in one helm call; undefined when there is no such release. */
export async function readReleaseDocument(runner: CommandRunner, helm: Helm, release: string, namespace: string): Promise<ReleaseDocument | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await runTool(runner, helmTool, { file: helm.binary, args: helm.args.status(release, namespace), timeoutMs: QUICK_TIMEOUT_MS }));
  } catch (error) {
    if (error instanceof CommandFailedError && error.stderrTail.some((line) => /release: not found/.test(line))) return undefined;
    throw error;
  }
  const parsed = documentSchema.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`unexpected release status from helm: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  const { config, manifest, ...record } = parsed.data;
  // `helm uninstall --keep-history` leaves a record behind: for status and uninstall that release is gone.
  if (record.info.status === 'uninstalled') return undefined;
  return { release: record, values: config ?? {}, resources: parseManifest(manifest ?? '') };
}
