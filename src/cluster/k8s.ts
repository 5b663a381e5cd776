import { z } from 'zod';

// The parts of Kubernetes objects this program reads. Unknown fields are dropped on parse, so a Secret's
// `data` never travels further than the JSON text it came in.

const stringMap = z.record(z.string(), z.string());

export const objectMetaSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  creationTimestamp: z.string().nullish(),
});

const objectSchema = z.object({ metadata: objectMetaSchema });

export const namespaceSchema = objectSchema.extend({
  status: z.object({ phase: z.string().optional() }).optional(),
});

export const storageClassSchema = objectSchema.extend({ provisioner: z.string().optional() });

export const ingressClassSchema = objectSchema.extend({
  spec: z.object({ controller: z.string().optional() }).optional(),
});

export const crdSchema = objectSchema.extend({
  spec: z.object({
    group: z.string(),
    versions: z.array(z.object({ name: z.string(), served: z.boolean().optional() })).default([]),
  }),
});

const containerStateSchema = z.object({
  waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
  running: z.object({ startedAt: z.string().nullish() }).optional(),
  terminated: z
    .object({ reason: z.string().optional(), message: z.string().optional(), exitCode: z.number().optional() })
    .optional(),
});

const containerStatusSchema = z.object({
  name: z.string(),
  ready: z.boolean().default(false),
  restartCount: z.number().default(0),
  state: containerStateSchema.optional(),
  lastState: containerStateSchema.optional(),
});

const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const podSchema = objectSchema.extend({
  spec: z
    .object({
      containers: z.array(z.object({ name: z.string(), image: z.string().optional() })).default([]),
      initContainers: z.array(z.object({ name: z.string() })).optional(),
    })
    .optional(),
  status: z
    .object({
      phase: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      conditions: z.array(conditionSchema).optional(),
      containerStatuses: z.array(containerStatusSchema).optional(),
      initContainerStatuses: z.array(containerStatusSchema).optional(),
    })
    .optional(),
});

export const eventSchema = objectSchema.extend({
  involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() }),
  reason: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  count: z.number().optional(),
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
});

export const deploymentSchema = objectSchema.extend({
  spec: z
    .object({
      replicas: z.number().optional(),
      selector: z.object({ matchLabels: stringMap.optional() }).optional(),
    })
    .optional(),
  status: z
    .object({
      replicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      conditions: z.array(conditionSchema).optional(),
    })
    .optional(),
});

const storageQuantity = z.object({ storage: z.string().optional() });

export const pvcSchema = objectSchema.extend({
  spec: z.object({ storageClassName: z.string().nullish(), resources: z.object({ requests: storageQuantity.optional() }).optional() }).optional(),
  status: z.object({ phase: z.string().optional(), capacity: storageQuantity.optional() }).optional(),
});

/** Only what a Secret is called and its type: its data is never read back. */
export const secretSchema = objectSchema.extend({ type: z.string().optional() });

export const configMapSchema = objectSchema.extend({ data: stringMap.optional() });

export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type Namespace = z.infer<typeof namespaceSchema>;
export type StorageClass = z.infer<typeof storageClassSchema>;
export type IngressClass = z.infer<typeof ingressClassSchema>;
export type CustomResourceDefinition = z.infer<typeof crdSchema>;
export type Pod = z.infer<typeof podSchema>;
export type KubeEvent = z.infer<typeof eventSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;
export type PersistentVolumeClaim = z.infer<typeof pvcSchema>;
export type SecretSummary = z.infer<typeof secretSchema>;
export type ConfigMap = z.infer<typeof configMapSchema>;

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export function isDefaultStorageClass(storageClass: StorageClass): boolean {
  const annotations = storageClass.metadata.annotations ?? {};
  return (
    annotations[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' ||
    annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

export function isDefaultIngressClass(ingressClass: IngressClass): boolean {
  return ingressClass.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';
}

/** A pod is ready when its Ready condition is True (what `kubectl get pods` shows as n/n). */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
