import type { Manifest } from '../helpers/render.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: Record<string, unknown>;
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string }; csi?: { driver: string } }[];
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
}
export interface PodTemplate {
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: PodSpec;
}

export function podTemplate(manifest: Manifest): PodTemplate {
  const spec = manifest.spec as { template: PodTemplate };
  return spec.template;
}

export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function only(manifests: Manifest[], kind: string, component?: string): Manifest {
  const found = ofKind(manifests, kind).filter((m) => component === undefined || m.metadata.labels?.['app.kubernetes.io/component'] === component);
  if (found.length !== 1) throw new Error(`expected one ${kind}${component ? ` (${component})` : ''}, found ${found.length}`);
  return found[0] as Manifest;
}

export function serverContainer(manifests: Manifest[]): Container {
  const container = podTemplate(only(manifests, 'Deployment')).spec.containers.find((c) => c.name === 'mlflow');
  if (!container) throw new Error('no mlflow container in the Deployment');
  return container;
}

export function envOf(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((e) => e.name === name);
}

/** The value of `--name=value` (or true for a bare `--name`) in the server's args. */
export function argOf(container: Container, name: string): string | true | undefined {
  for (const arg of container.args ?? []) {
    if (arg === `--${name}`) return true;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** The Secret value a secretKeyRef points at, from the same render. */
export function secretValue(manifests: Manifest[], ref: { name: string; key: string }): string | undefined {
  const secret = ofKind(manifests, 'Secret').find((s) => s.metadata.name === ref.name) as
    | (Manifest & { data?: Record<string, string>; stringData?: Record<string, string> })
    | undefined;
  if (!secret) return undefined;
  if (secret.stringData?.[ref.key] !== undefined) return secret.stringData[ref.key];
  const encoded = secret.data?.[ref.key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
