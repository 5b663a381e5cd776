// Pod Security admission, as the installer meets it: the level an existing namespace enforces, the release's pods as the admission judges them, and what a server-side
// dry run of them answered. Pure: the Kubectl wrapper sends the pods.
import { podSecurityLabelPrefix } from '../answers/labels.js';
import type { Namespace } from './k8s.js';

/** The level a namespace enforces, from its labels; undefined when it sets none (the cluster's default applies). */
export function enforcedLevel(namespace: Namespace): { level: string; version?: string } | undefined {
  const labels = namespace.metadata.labels ?? {};
  const level = labels[`${podSecurityLabelPrefix}/enforce`];
  if (level === undefined) return undefined;
  const version = labels[`${podSecurityLabelPrefix}/enforce-version`];
  return version === undefined ? { level } : { level, version };
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

interface RenderedObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}

/** A pod the release will create, named after the object that creates it ("Deployment mlflow-mlflow"). */
export interface ReleasePod {
  owner: string;
  /** The Pod to dry-run, named `<owner's name>-dry-run`. */
  pod: { apiVersion: 'v1'; kind: 'Pod'; metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
}

function templateOf(object: RenderedObject): PodTemplate | undefined {
  const spec = object.spec as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined;
  switch (object.kind) {
    case 'Pod':
      return { metadata: object.metadata as PodTemplate['metadata'], spec: object.spec };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

export const dryRunSuffix = '-dry-run';

/**
 * The pods the rendered objects will create, as Pods the admission judges as it will judge the real ones (the
 * admission refuses pods, not the Deployments and Jobs that make them). Their ServiceAccount is left out: the
 * chart's does not exist before the install, and the ServiceAccount admission would refuse the pod for that
 * before Pod Security looked at it.
 */
export function releasePods(objects: readonly RenderedObject[], namespace: string): ReleasePod[] {
  return objects.flatMap((object) => {
    const template = templateOf(object);
    if (template?.spec === undefined) return [];
    const { serviceAccountName: _name, serviceAccount: _legacy, ...spec } = template.spec;
    const { labels, annotations } = template.metadata ?? {};
    return [
      {
        owner: `${object.kind} ${object.metadata.name}`,
        pod: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${object.metadata.name}${dryRunSuffix}`.slice(0, 253), namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
          spec,
        },
      },
    ];
  });
}

/** The image and pull secrets of the server's pod (the Deployment's first container). */
export function serverImage(objects: readonly RenderedObject[]): { image: string; imagePullSecrets: string[] } | undefined {
  const deployment = objects.find((object) => object.kind === 'Deployment');
  const spec = deployment && templateOf(deployment)?.spec as { containers?: { image?: string }[]; imagePullSecrets?: { name?: string }[] } | undefined;
  const image = spec?.containers?.[0]?.image;
  if (image === undefined) return undefined;
  return { image, imagePullSecrets: (spec?.imagePullSecrets ?? []).flatMap((secret) => (secret.name ? [secret.name] : [])) };
}

export interface DryRunAnswer {
  admitted: string[];
  /** Each refused pod's owner and the API server's reason, in one line. */
  refused: { owner: string; reason: string }[];
  /** Pods kubectl said nothing about (neither created nor refused), and its last word on why. */
  unanswered: string[];
  problem?: string;
}

// Error from server (Forbidden): error when creating "STDIN": pods "x-dry-run" is forbidden: violates PodSecurity ...
// (a ValidatingAdmissionPolicy's: The pods "x-dry-run" is invalid: : ValidatingAdmissionPolicy 'p' ... denied request: ...)
const refusedLine = /pods "([^"]+)" is (?:forbidden|invalid): (?:: )?(.*)$/;

/** What `kubectl create --dry-run=server -o name` said of each pod: `pod/NAME` on stdout, or its refusal on stderr. */
export function dryRunAnswer(pods: readonly ReleasePod[], stdout: string, stderr: readonly string[]): DryRunAnswer {
  const created = new Set(stdout.split('\n').map((line) => line.trim().replace(/^pod\//, '')));
  const reasons = new Map<string, string>();
  for (const line of stderr) {
    const match = refusedLine.exec(line);
    if (match?.[1] && match[2]) reasons.set(match[1], match[2].trim());
  }
  const answer: DryRunAnswer = { admitted: [], refused: [], unanswered: [] };
  for (const { owner, pod } of pods) {
    const reason = reasons.get(pod.metadata.name);
    if (reason !== undefined) answer.refused.push({ owner, reason });
    else if (created.has(pod.metadata.name)) answer.admitted.push(owner);
    else answer.unanswered.push(owner);
  }
  return answer;
}
