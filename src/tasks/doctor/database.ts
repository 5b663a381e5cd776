// The database, reached from inside the cluster by the preflight's check pod (which removes itself after), at
// the address the live release connects to.
import { defaultPorts } from '../../answers/schema.js';
import { imageReference } from '../../answers/image.js';
import { preflightChecks as installChecks, type DatabaseTarget } from '../preflight.js';
import { preflightInput } from '../install/preflight-input.js';
import { backendOf } from '../status/release-facts.js';
import type { Pod } from '../../cluster/k8s.js';
import { summarizePod } from '../status/pods.js';
import { finding, type Finding } from './check.js';
import { installAnswers } from './preflight.js';
import type { DoctorReads } from './reads.js';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function pullSecrets(values: Record<string, unknown>): string[] {
  const listed = Array.isArray(values.imagePullSecrets) ? values.imagePullSecrets : [];
  return listed.map((entry) => (typeof entry === 'string' ? entry : String(record(entry).name ?? ''))).filter(Boolean);
}

function serverImage(pods: readonly Pod[]): string | undefined {
  const server = pods.find((pod) => summarizePod(pod).role === 'server');
  return server?.spec?.containers.find((container) => container.name === 'mlflow')?.image ?? server?.spec?.containers[0]?.image;
}

/** Where the live release's server connects, from its values (pure); undefined for the file backend. */
export function liveDatabase(values: Record<string, unknown>, release: string, image: string | undefined): DatabaseTarget | undefined {
  const backend = backendOf(values, release);
  if (backend.kind === 'file') return undefined;
  const connections = record(record(values.mlflowBackend).connections);
  const host = [connections.host, connections.db_host].find((value): value is string => typeof value === 'string' && value !== '');
  if (host === undefined) return undefined;
  const port = Number([connections.port, connections.db_port].find((value) => value !== undefined && value !== '') ?? defaultPorts[backend.kind]);
  const chartImage = record(values.image);
  const fromValues = typeof chartImage.repository === 'string' && typeof chartImage.tag === 'string' ? `${chartImage.repository}:${chartImage.tag}` : undefined;
  return { host, port, image: image ?? fromValues ?? imageReference(), imagePullSecrets: pullSecrets(values) };
}

export async function databaseChecks(reads: DoctorReads): Promise<Finding[]> {
  const { target } = reads;
  const [document, pods] = await Promise.all([reads.document(), reads.pods()]);
  let database: DatabaseTarget | undefined;
  if (document.ok && document.value !== undefined) {
    database = liveDatabase(document.value.values, target.release, pods.ok ? serverImage(pods.value) : undefined);
    if (database === undefined) return [finding('database', 'database', 'database', 'pass', `${backendOf(document.value.values, target.release).where}: no database server to reach`)];
  } else {
    // No release (or it could not be read): the database the saved answers name, if any.
    database = preflightInput((await installAnswers(reads)).answers).database;
    if (database === undefined) return [];
  }
  if (await reads.clusterDown()) return [finding('database', 'database', 'database', 'skip', 'not checked: the cluster did not answer')];
  const context = { runner: reads.runner, kubectl: reads.kubectl, helmBinary: target.flags.helm, kube: target.kube };
  const input = { namespace: target.namespace, backend: 'postgres' as const, serviceMonitor: false, secrets: { provider: 'kubernetes' as const, installDriver: false }, database };
  const check = installChecks(context, input).find((candidate) => candidate.id === 'database');
  if (check === undefined) return [];
  const result = await check.run();
  return [finding('database', 'database', 'database', result.status, result.detail, result.fix)];
}
