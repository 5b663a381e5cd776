import { CommandRunner } from '../cluster/runner.js';
import { Kubectl } from '../cluster/kubectl.js';
import { Redactor } from '../cluster/redact.js';
import { savedAnswersName } from '../answers/saved.js';
import type { ClusterLookups, EarlierInstall, Lookup, NamedClass } from './lookups.js';

export interface KubeTarget {
  kubectl: string;
  context?: string;
  kubeconfig?: string;
  /** Passwords already known (from the environment): kept out of the commands' environment. */
  secrets: readonly string[];
}

const defaultClassAnnotations = ['storageclass.kubernetes.io/is-default-class', 'ingressclass.kubernetes.io/is-default-class'];

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function settle<T>(work: () => Promise<T>): Promise<Lookup<T>> {
  return work().then(
    (value): Lookup<T> => ({ state: 'done', value }),
    (error: unknown): Lookup<T> => ({ state: 'failed', reason: reasonOf(error) }),
  );
}

function memo<T>(start: () => Promise<Lookup<T>>): () => Promise<Lookup<T>> {
  let started: Promise<Lookup<T>> | undefined;
  return () => (started ??= start());
}

function namedClass(object: { metadata: { name: string; annotations?: Record<string, string> } }, by: string | undefined): NamedClass {
  const annotations = object.metadata.annotations ?? {};
  const isDefault = defaultClassAnnotations.some((key) => annotations[key] === 'true');
  // Helm marks what it installs with its release's namespace: an ingress controller's chart puts its IngressClass
  // and its pods in one release, so the class tells where the controller runs without any further read.
  const namespace = annotations['meta.helm.sh/release-namespace'];
  return { name: object.metadata.name, isDefault, ...(by === undefined ? {} : { by }), ...(namespace ? { namespace } : {}) };
}

async function readEarlierInstall(kubectl: Kubectl, release: string, namespace: string): Promise<EarlierInstall> {
  const name = savedAnswersName(release);
  const [secrets, configMaps] = await Promise.all([
    kubectl.secrets({ namespace, selector: `owner=helm,name=${release}` }),
    kubectl.configMaps({ namespace, fieldSelector: `metadata.name=${name}` }),
  ]);
  const revisions = secrets
    .map((secret) => ({ revision: Number(secret.metadata.labels?.version ?? NaN), status: secret.metadata.labels?.status ?? 'unknown' }))
    .filter((entry) => Number.isInteger(entry.revision))
    .sort((a, b) => b.revision - a.revision);
  const configMap = configMaps.find((candidate) => candidate.metadata.name === name);
  return {
    ...(revisions[0] ? { release: revisions[0] } : {}),
    ...(configMap ? { savedAnswers: { data: configMap.data ?? {}, location: { namespace, name } } } : {}),
  };
}

/** The look-ups, through the kubectl wrapper and the shared command runner; every one starts at once. */
export function startKubectlLookups(target: KubeTarget): ClusterLookups {
  const abort = new AbortController();
  const redactor = new Redactor();
  for (const secret of target.secrets) redactor.add(secret);
  const runner = new CommandRunner({ signal: abort.signal, redactor, killGraceMs: 500 });
  const kubectl = new Kubectl(runner, {
    binary: target.kubectl,
    namespace: 'default',
    ...(target.context ? { context: target.context } : {}),
    ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}),
  });
  const earlier = new Map<string, Promise<Lookup<EarlierInstall>>>();
  const lookups: ClusterLookups = {
    storageClasses: memo(() => settle(async () => (await kubectl.storageClasses()).map((sc) => namedClass(sc, sc.provisioner)))),
    ingressClasses: memo(() => settle(async () => (await kubectl.ingressClasses()).map((ic) => namedClass(ic, ic.spec?.controller)))),
    serviceMonitorCrd: memo(() => settle(async () => (await kubectl.crd('servicemonitors.monitoring.coreos.com')) !== undefined)),
    clusterUid: memo(() =>
      settle(async () => {
        const uid = (await kubectl.namespaceNamed('kube-system'))?.metadata.uid;
        if (uid === undefined) throw new Error('the kube-system namespace has no UID');
        return uid;
      }),
    ),
    earlierInstall: (release, namespace) => {
      const key = `${namespace}/${release}`;
      const known = earlier.get(key) ?? settle(() => readEarlierInstall(kubectl, release, namespace));
      earlier.set(key, known);
      return known;
    },
    stop: () => abort.abort(),
  };
  void lookups.storageClasses();
  void lookups.ingressClasses();
  void lookups.serviceMonitorCrd();
  void lookups.clusterUid();
  return lookups;
}
