import { installerLabel as INSTALLER_LABEL } from '../../answers/labels.js';
import { savedAnswersName } from '../../answers/saved.js';
import type { ConfigMap, Namespace, PersistentVolumeClaim, Pod, SecretSummary } from '../../cluster/k8s.js';
import type { Kubectl } from '../../cluster/kubectl.js';
import { readReleaseDocument, type ReleaseDocument } from '../status/release-document.js';
import { releaseSelector, type ClusterTools, type LifecycleTarget } from '../status/target.js';

/** The label mlflow-install puts on what it creates itself (Secrets, the saved answers, a namespace). */
export { INSTALLER_LABEL };

export function installerSelector(release: string): string {
  return `${INSTALLER_LABEL.key}=${INSTALLER_LABEL.value},${releaseSelector(release)}`;
}

/** Everything of one release in its namespace, as uninstall finds it before and after. */
export interface ReleaseInventory {
  document?: ReleaseDocument;
  pods: Pod[];
  claims: PersistentVolumeClaim[];
  /** The Secrets the installer created for this release (database passwords). */
  installerSecrets: SecretSummary[];
  savedAnswers?: ConfigMap;
  namespace?: Namespace;
}

async function namespacedReads(kubectl: Kubectl, target: LifecycleTarget) {
  const { release, namespace } = target;
  const selector = releaseSelector(release);
  const savedName = savedAnswersName(release);
  const [pods, claims, installerSecrets, configMaps] = await Promise.all([
    kubectl.pods({ namespace, selector }),
    kubectl.persistentVolumeClaims({ namespace, selector }),
    kubectl.secrets({ namespace, selector: installerSelector(release) }),
    kubectl.configMaps({ namespace, fieldSelector: `metadata.name=${savedName}` }),
  ]);
  const savedAnswers = configMaps.find((configMap) => configMap.metadata.name === savedName);
  return { pods, claims, installerSecrets, ...(savedAnswers ? { savedAnswers } : {}) };
}

/** All reads at once (in a namespace that does not exist, every list is empty). */
export async function readInventory(tools: ClusterTools, target: LifecycleTarget): Promise<ReleaseInventory> {
  const [namespace, document, contents] = await Promise.all([
    tools.kubectl.namespaceNamed(target.namespace),
    readReleaseDocument(tools.runner, tools.helm, target.release, target.namespace),
    namespacedReads(tools.kubectl, target),
  ]);
  return { ...contents, ...(document ? { document } : {}), ...(namespace ? { namespace } : {}) };
}

// Objects every namespace has, or that the cluster puts there: they do not make it someone else's.
const AMBIENT_CONFIGMAPS = new Set(['kube-root-ca.crt', 'istio-ca-root-cert', 'openshift-service-ca.crt']);

/** What else lives in the namespace, besides the release's own things: why it must not be deleted. */
export async function otherContents(kubectl: Kubectl, target: LifecycleTarget): Promise<string[]> {
  const { namespace, release } = target;
  const ours = (labels: Record<string, string> | undefined) =>
    labels?.['app.kubernetes.io/instance'] === release || (labels?.owner === 'helm' && labels.name === release);
  const [pods, deployments, claims, secrets, configMaps] = await Promise.all([
    kubectl.pods({ namespace }),
    kubectl.deployments({ namespace }),
    kubectl.persistentVolumeClaims({ namespace }),
    kubectl.secrets({ namespace }),
    kubectl.configMaps({ namespace }),
  ]);
  const named = (kind: string, objects: readonly { metadata: { name: string; labels?: Record<string, string> } }[]) =>
    objects.filter((object) => !ours(object.metadata.labels)).map((object) => `${kind} ${object.metadata.name}`);
  return [
    ...named('Pod', pods),
    ...named('Deployment', deployments),
    ...named('PersistentVolumeClaim', claims),
    ...named('Secret', secrets.filter((secret) => secret.type !== 'kubernetes.io/service-account-token')),
    ...named('ConfigMap', configMaps.filter((configMap) => !AMBIENT_CONFIGMAPS.has(configMap.metadata.name))),
  ];
}

export function createdByInstaller(namespace: Namespace | undefined): boolean {
  return namespace?.metadata.labels?.[INSTALLER_LABEL.key] === INSTALLER_LABEL.value;
}
