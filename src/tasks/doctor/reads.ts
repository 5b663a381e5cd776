// The reads doctor's checks share: each is started once, when the first check needs it, and every check
// that needs it gets the same answer (or the same error, which each says in its own terms).
import { savedAnswersName } from '../../answers/saved.js';
import { helmFrom, kubectlFrom } from '../../cluster/from-options.js';
import { UnsupportedHelmError, type Helm, type HelmRevision } from '../../cluster/helm.js';
import type { ConfigMap, KubeEvent, PersistentVolumeClaim, Pod } from '../../cluster/k8s.js';
import type { Kubectl } from '../../cluster/kubectl.js';
import type { CommandRunner } from '../../cluster/runner.js';
import { ToolNotFoundError } from '../../cluster/tool-errors.js';
import { readReleaseDocument, type ReleaseDocument } from '../status/release-document.js';
import { releaseSelector, type LifecycleTarget } from '../status/target.js';
import { finding, settle, unreadFinding, type DoctorArea, type Finding, type Read } from './check.js';

export interface DoctorReads {
  target: LifecycleTarget;
  runner: CommandRunner;
  kubectl: Kubectl;
  helm: () => Promise<Read<Helm>>;
  /** The release as `helm status -o json` gives it, with its values (what `helm get values` prints) and manifest. */
  document: () => Promise<Read<ReleaseDocument | undefined>>;
  history: () => Promise<Read<HelmRevision[]>>;
  pods: () => Promise<Read<Pod[]>>;
  claims: () => Promise<Read<PersistentVolumeClaim[]>>;
  events: () => Promise<Read<KubeEvent[]>>;
  /** The ConfigMap the installer saved its answers in, or undefined when there is none. */
  savedAnswers: () => Promise<Read<ConfigMap | undefined>>;
  /** The API server did not answer (or no kube context could be used). */
  clusterDown: () => Promise<boolean>;
}

const HISTORY_DEPTH = 20;

async function withHelm<T>(helm: () => Promise<Read<Helm>>, read: (helm: Helm) => Promise<T>): Promise<T> {
  const found = await helm();
  if (!found.ok) throw found.error;
  return read(found.value);
}

export function doctorReads(target: LifecycleTarget, runner: CommandRunner): DoctorReads {
  const kubectl = kubectlFrom(runner, target.flags, target.namespace);
  const { release, namespace } = target;
  const selector = releaseSelector(release);
  const helm = settle(() => helmFrom(runner, target.flags));
  const versions = settle(() => kubectl.versionReport());
  const configMapName = savedAnswersName(release);
  return {
    target,
    runner,
    kubectl,
    helm,
    document: settle(() => withHelm(helm, (found) => readReleaseDocument(runner, found, release, namespace))),
    history: settle(() => withHelm(helm, (found) => found.history(release, namespace, HISTORY_DEPTH))),
    pods: settle(() => kubectl.pods({ namespace, selector })),
    claims: settle(() => kubectl.persistentVolumeClaims({ namespace, selector })),
    events: settle(() => kubectl.events({ namespace })),
    savedAnswers: settle(async () => {
      const found = await kubectl.configMaps({ namespace, fieldSelector: `metadata.name=${configMapName}` });
      return found.find((configMap) => configMap.metadata.name === configMapName);
    }),
    clusterDown: async () => {
      const report = await versions();
      return !report.ok || report.value.server === undefined;
    },
  };
}

/**
 * Starts every read a healthy release's checks need, at once: their commands then run while the checks' own modules
 * load (doctor imports those after this). Each read is memoized and settled, so nothing is read twice or thrown.
 */
export function startReads(reads: DoctorReads): void {
  for (const read of [reads.savedAnswers, reads.helm, reads.document, reads.history, reads.pods, reads.claims, reads.events, reads.clusterDown]) void read();
  // A shared read: the report's own identity() later gets this answer.
  reads.kubectl.identity().catch(() => undefined);
}

/** Why a read a check needed did not work, in that check's terms. */
export async function unread(reads: DoctorReads, area: DoctorArea, id: string, title: string, what: string, error: unknown): Promise<Finding> {
  if (error instanceof ToolNotFoundError || error instanceof UnsupportedHelmError) return finding(area, id, title, 'skip', 'not read: no usable helm (see the helm check)');
  if (await reads.clusterDown()) return finding(area, id, title, 'skip', 'not checked: the cluster did not answer');
  return unreadFinding(area, id, title, what, error, reads.target.namespace);
}

/**
 * The release, when it could be read and exists. The checks that need it report nothing otherwise: the release
 * check says once that there is no release, or why it could not be read and what is therefore unchecked.
 */
export async function readableRelease(reads: DoctorReads): Promise<ReleaseDocument | undefined> {
  const document = await reads.document();
  return document.ok ? document.value : undefined;
}
