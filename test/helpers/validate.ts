import { Ajv } from 'ajv';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { Manifest } from './render.js';

interface Validatable {
  validate(): void;
}
type ModelFactory = (manifest: Manifest) => Validatable;

const models: Record<string, ModelFactory> = {
  'v1/ServiceAccount': (m) => new ServiceAccount(m as never),
  'v1/Secret': (m) => new Secret(m as never),
  'v1/ConfigMap': (m) => new ConfigMap(m as never),
  'v1/Service': (m) => new Service(m as never),
  'v1/PersistentVolumeClaim': (m) => new PersistentVolumeClaim(m as never),
  'v1/Pod': (m) => new Pod(m as never),
  'apps/v1/Deployment': (m) => new Deployment(m as never),
  'batch/v1/Job': (m) => new Job(m as never),
  'networking.k8s.io/v1/Ingress': (m) => new Ingress(m as never),
  'networking.k8s.io/v1/NetworkPolicy': (m) => new NetworkPolicy(m as never),
  'policy/v1/PodDisruptionBudget': (m) => new PodDisruptionBudget(m as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (m) => new HorizontalPodAutoscaler(m as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (m) => new ServiceMonitor(m as never),
};

// kubernetes-models has no model for the Secrets Store CSI driver's CRD: this is the part of its
// v1 OpenAPI schema the chart uses (spec.provider, spec.parameters, spec.secretObjects).
const secretProviderClassSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    metadata: { type: 'object', required: ['name'] },
    spec: {
      type: 'object',
      required: ['provider'],
      additionalProperties: false,
      properties: {
        provider: { type: 'string', minLength: 1 },
        parameters: { type: 'object', additionalProperties: { type: 'string' } },
        secretObjects: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['secretName', 'type', 'data'],
            properties: {
              secretName: { type: 'string', minLength: 1 },
              type: { type: 'string' },
              labels: { type: 'object', additionalProperties: { type: 'string' } },
              annotations: { type: 'object', additionalProperties: { type: 'string' } },
              data: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['objectName', 'key'],
                  properties: { objectName: { type: 'string' }, key: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSecretProviderClass = ajv.compile(secretProviderClassSchema);

/** Throws with the kind, the name and the schema's complaint when a manifest is not valid Kubernetes. */
export function validateManifest(manifest: Manifest): void {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  if (key === 'secrets-store.csi.x-k8s.io/v1/SecretProviderClass') {
    if (!validateSecretProviderClass(manifest)) {
      throw new Error(`${key} ${manifest.metadata.name}: ${ajv.errorsText(validateSecretProviderClass.errors)}`);
    }
    return;
  }
  const factory = models[key];
  if (!factory) throw new Error(`no schema to validate ${key} ${manifest.metadata.name}`);
  try {
    factory(manifest).validate();
  } catch (error) {
    throw new Error(`${key} ${manifest.metadata.name}: ${(error as Error).message}`);
  }
}
