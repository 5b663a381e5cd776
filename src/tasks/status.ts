import { chartOfRevision } from '../cluster/helm.js';
import type { ClusterIdentity } from '../cluster/kubectl.js';
import { nextSteps } from '../ui/next-steps.js';
import { artifactsOf, backendOf, loginOf, reachOf, type ArtifactFacts, type BackendFacts, type LoginFacts } from './status/release-facts.js';
import { readReleaseDocument } from './status/release-document.js';
import { sortPods, summarizeClaim, summarizePod, type PodSummary, type VolumeSummary } from './status/pods.js';
import { releaseSelector, type ClusterTools, type LifecycleTarget } from './status/target.js';
import { podWarnings, releaseWarnings, volumeWarnings } from './status/warnings.js';

export interface ReleaseFacts {
  name: string;
  namespace: string;
  revision: number;
  state: string;
  chart?: { name: string; version: string; appVersion?: string };
  /** When the current revision was deployed, as helm gives it (RFC 3339). */
  deployedAt?: string;
  description?: string;
}

export interface ReachInfo {
  trackingUri: string;
  ingressHost?: string;
  /** The command that makes the server reachable from this machine, when there is no ingress. */
  portForward?: string[];
}

export interface FoundStatus {
  found: true;
  healthy: boolean;
  context: ClusterIdentity;
  release: ReleaseFacts;
  pods: PodSummary[];
  volumes: VolumeSummary[];
  url: ReachInfo;
  backend: BackendFacts;
  artifacts: ArtifactFacts;
  login: LoginFacts;
  warnings: string[];
}

export interface MissingStatus {
  found: false;
  healthy: false;
  context: ClusterIdentity;
  release: { name: string; namespace: string };
  /** Claims of an earlier install that were kept (an install with this release name reuses them). */
  keptVolumes: VolumeSummary[];
  /** Releases of the same name in other namespaces. */
  elsewhere: string[];
  install: string[];
}

export type ReleaseStatus = FoundStatus | MissingStatus;

/** The command that installs the release where status looked for it. */
export function installCommand(target: LifecycleTarget): string[] {
  return [
    'npx',
    'mlflow-install',
    ...(target.kube.context ? ['--context', target.kube.context] : []),
    ...(target.kube.kubeconfig ? ['--kubeconfig', target.kube.kubeconfig] : []),
    '--namespace',
    target.namespace,
    '--release',
    target.release,
  ];
}

/** Same-named releases in other namespaces; a cluster-wide list may be forbidden, and then there is no hint. */
async function releasesElsewhere(tools: ClusterTools, target: LifecycleTarget): Promise<string[]> {
  try {
    const listed = await tools.helm.listAllNamespaces(`^${target.release}$`);
    return listed.filter((entry) => entry.namespace !== target.namespace).map((entry) => entry.namespace);
  } catch {
    return [];
  }
}

/** Everything `status` shows; the reads that do not depend on each other run at once. */
export async function readStatus(tools: ClusterTools, target: LifecycleTarget): Promise<ReleaseStatus> {
  const { release, namespace } = target;
  const selector = releaseSelector(release);
  const [document, history, pods, claims] = await Promise.all([
    readReleaseDocument(tools.runner, tools.helm, release, namespace),
    tools.helm.history(release, namespace, 5),
    tools.kubectl.pods({ namespace, selector }),
    tools.kubectl.persistentVolumeClaims({ namespace, selector }),
  ]);
  const volumes = claims.map(summarizeClaim);
  if (document === undefined) {
    return {
      found: false,
      healthy: false,
      context: tools.identity,
      release: { name: release, namespace },
      keptVolumes: volumes,
      elsewhere: await releasesElsewhere(tools, target),
      install: installCommand(target),
    };
  }
  const podSummaries = sortPods(pods.map(summarizePod));
  const reach = reachOf(document.resources, document.values, release);
  const steps = nextSteps({
    release,
    namespace,
    serviceName: reach.serviceName,
    servicePort: reach.servicePort,
    tls: reach.tls,
    ...(reach.ingressHost ? { ingressHost: reach.ingressHost } : {}),
    ...(target.kube.context ? { context: target.kube.context } : {}),
  });
  const warnings = [...releaseWarnings(document.release, history), ...podWarnings(podSummaries), ...volumeWarnings(volumes)];
  const info = document.release.info;
  const current = history.find((revision) => revision.revision === document.release.version);
  const chart = document.release.chart?.metadata ?? chartOfRevision(current?.chart, current?.app_version);
  return {
    found: true,
    healthy: warnings.length === 0,
    context: tools.identity,
    release: {
      name: release,
      namespace,
      revision: document.release.version,
      state: info.status,
      ...(chart ? { chart: { name: chart.name, version: chart.version, ...(chart.appVersion ? { appVersion: chart.appVersion } : {}) } } : {}),
      ...(info.last_deployed ? { deployedAt: info.last_deployed } : {}),
      ...(info.description ? { description: info.description } : {}),
    },
    pods: podSummaries,
    volumes,
    url: {
      trackingUri: steps.trackingUri,
      ...(reach.ingressHost ? { ingressHost: reach.ingressHost } : {}),
      ...(steps.portForward ? { portForward: steps.portForward } : {}),
    },
    backend: backendOf(document.values, release),
    artifacts: artifactsOf(document.values, release),
    login: loginOf(document.values),
    warnings,
  };
}
