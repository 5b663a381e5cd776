import { defaultPorts, isDatabaseBackend, type Answers } from '../../answers/schema.js';
import { needsVolume } from '../../answers/to-values.js';
import { imageReference } from '../../answers/image.js';
import type { PreflightInput } from '../preflight.js';

/** What the preflight checks need to know of the answers. */
export function preflightInput(answers: Answers): PreflightInput {
  const { backend, ingress, prometheus, secrets } = answers;
  const storageClass = backend.volume.storageClass;
  const className = ingress.className;
  return {
    namespace: answers.namespace,
    backend: backend.type,
    ...(needsVolume(answers) ? { volume: storageClass ? { storageClass } : {} } : {}),
    ...(ingress.enabled ? { ingress: className ? { className } : {} } : {}),
    serviceMonitor: prometheus.expose && prometheus.serviceMonitor,
    secrets: { provider: secrets.provider, installDriver: secrets.installDriver },
    ...(isDatabaseBackend(backend.type)
      ? { database: { host: backend.db.host, port: backend.db.port ?? defaultPorts[backend.type], image: imageReference(), imagePullSecrets: [] } }
      : {}),
  };
}
