import { secretNames } from '../../answers/secrets.js';
import type { ClusterIdentity } from '../../cluster/kubectl.js';
import { backendOf } from '../status/release-facts.js';
import type { ReleaseResource } from '../status/release-document.js';
import type { LifecycleTarget } from '../status/target.js';
import { createdByInstaller, INSTALLER_LABEL, type ReleaseInventory } from './inventory.js';

export interface NamedObject {
  kind: string;
  name: string;
}

/** A piece of the tracking data: kept by default, deleted with --purge. */
export interface DataItem extends NamedObject {
  what: string;
}

export type NamespaceDecision =
  | { action: 'delete' }
  | { action: 'keep'; reason: string }
  | { action: 'absent' };

export interface UninstallPlan {
  context: ClusterIdentity;
  release: string;
  namespace: string;
  purge: boolean;
  /** The release as found; absent when there is none (then only data left by an earlier uninstall may remain). */
  found?: { revision: number; state: string; chart?: string };
  /** What `helm uninstall` removes. */
  releaseResources: NamedObject[];
  /** Objects of the release that helm leaves in place because of their resource policy (other than the data). */
  keptByPolicy: NamedObject[];
  /** The release's pods, gone once their owners are (leftover hook and test pods are deleted). */
  pods: string[];
  data: DataItem[];
  namespaceDecision: NamespaceDecision;
}

const KEEP_POLICY = 'helm.sh/resource-policy';

function keptByHelm(resource: ReleaseResource): boolean {
  return resource.annotations[KEEP_POLICY] === 'keep';
}

function secretPurpose(name: string, release: string): string {
  const names = secretNames(release);
  if (name === names.database) return 'the database password';
  if (name === names.master) return "the database master user's password";
  return 'created by mlflow-install';
}

function dataItems(inventory: ReleaseInventory, target: LifecycleTarget, deletedByHelm: ReadonlySet<string>): DataItem[] {
  const values = inventory.document?.values;
  const volumeHolds = values === undefined
    ? 'the tracking data on the server volume'
    : backendOf(values, target.release).kind === 'file'
      ? 'the SQLite database and the artifacts'
      : 'the artifacts kept by the server';
  return [
    ...inventory.claims
      .filter((claim) => !deletedByHelm.has(claim.metadata.name))
      .map((claim) => ({ kind: 'PersistentVolumeClaim', name: claim.metadata.name, what: volumeHolds })),
    ...inventory.installerSecrets.map((secret) => ({ kind: 'Secret', name: secret.metadata.name, what: secretPurpose(secret.metadata.name, target.release) })),
    ...(inventory.savedAnswers
      ? [{ kind: 'ConfigMap', name: inventory.savedAnswers.metadata.name, what: 'the answers, offered again by the next install' }]
      : []),
  ];
}

/**
 * Whether --purge may delete the namespace: only one mlflow-install created (its label says so) and that holds
 * nothing else (`others`, read just before).
 */
export function namespaceDecision(inventory: ReleaseInventory, purge: boolean, others: readonly string[]): NamespaceDecision {
  if (inventory.namespace === undefined) return { action: 'absent' };
  const created = createdByInstaller(inventory.namespace);
  if (!purge) return { action: 'keep', reason: created ? 'uninstall keeps namespaces (--purge removes it when nothing else is in it)' : 'uninstall keeps namespaces' };
  if (!created) return { action: 'keep', reason: `not created by mlflow-install (no label ${INSTALLER_LABEL.key}=${INSTALLER_LABEL.value})` };
  if (others.length > 0) return { action: 'keep', reason: `it also holds ${others.join(', ')}` };
  return { action: 'delete' };
}

export function planUninstall(input: {
  context: ClusterIdentity;
  target: LifecycleTarget;
  inventory: ReleaseInventory;
  purge: boolean;
  /** What else is in the namespace (read only when --purge may delete it). */
  others: readonly string[];
}): UninstallPlan {
  const { inventory, target } = input;
  const resources = inventory.document?.resources ?? [];
  const deletedByHelm = new Set(resources.filter((r) => r.kind === 'PersistentVolumeClaim' && !keptByHelm(r)).map((r) => r.name));
  const document = inventory.document;
  const chart = document?.release.chart?.metadata;
  return {
    context: input.context,
    release: target.release,
    namespace: target.namespace,
    purge: input.purge,
    ...(document
      ? { found: { revision: document.release.version, state: document.release.info.status, ...(chart ? { chart: `${chart.name} ${chart.version}` } : {}) } }
      : {}),
    releaseResources: resources.filter((r) => !keptByHelm(r)).map(({ kind, name }) => ({ kind, name })),
    keptByPolicy: resources.filter((r) => keptByHelm(r) && r.kind !== 'PersistentVolumeClaim').map(({ kind, name }) => ({ kind, name })),
    pods: inventory.pods.map((pod) => pod.metadata.name),
    data: dataItems(inventory, target, deletedByHelm),
    namespaceDecision: namespaceDecision(inventory, input.purge, input.others),
  };
}

/** Whether running the plan would change anything. */
export function hasWork(plan: UninstallPlan): boolean {
  if (plan.found !== undefined || plan.pods.length > 0) return true;
  return plan.purge && (plan.data.length > 0 || plan.namespaceDecision.action === 'delete');
}
