import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, as much of it as the plan reads. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if ('errors' in document && document.errors.length > 0) {
      throw new Error(`the rendered chart is not valid YAML: ${document.errors[0]?.message ?? ''}`);
    }
    const value = document.toJS() as Manifest | null;
    if (value && typeof value === 'object' && typeof value.kind === 'string') manifests.push(value);
  }
  return manifests;
}

/** A planned object: kind and name, and the helm hook it runs as, if any (`test` for `helm test`). */
export interface PlannedResource {
  kind: string;
  name: string;
  hook?: string;
}

export function plannedResources(manifests: readonly Manifest[]): PlannedResource[] {
  return manifests.map((manifest) => {
    const hook = manifest.metadata.annotations?.['helm.sh/hook'];
    return { kind: manifest.kind, name: manifest.metadata.name, ...(hook ? { hook } : {}) };
  });
}

export interface PlannedVolume {
  name: string;
  size: string;
  storageClass: string;
  accessModes: string[];
  /** Kept when the release is uninstalled (helm.sh/resource-policy: keep). */
  kept: boolean;
}

export function plannedVolumes(manifests: readonly Manifest[]): PlannedVolume[] {
  return manifests
    .filter((manifest) => manifest.kind === 'PersistentVolumeClaim')
    .map((claim) => {
      const spec = (claim.spec ?? {}) as {
        storageClassName?: string;
        accessModes?: string[];
        resources?: { requests?: { storage?: string } };
      };
      return {
        name: claim.metadata.name,
        size: spec.resources?.requests?.storage ?? '',
        storageClass: spec.storageClassName ?? '',
        accessModes: spec.accessModes ?? [],
        kept: claim.metadata.annotations?.['helm.sh/resource-policy'] === 'keep',
      };
    });
}
