/**
 * What the wizard reads from the cluster, started in the background once the first question is on screen,
 * and used when a question needs it. A look-up that has not answered in time, or failed, leaves the question
 * as free text, and the reason is said.
 */
export type Lookup<T> = { state: 'pending' } | { state: 'done'; value: T } | { state: 'failed'; reason: string };

export interface NamedClass {
  name: string;
  isDefault: boolean;
  /** The provisioner (StorageClass) or controller (IngressClass). */
  by?: string;
  /** The namespace of the helm release that made the class (an IngressClass's controller runs there). */
  namespace?: string;
}

export interface EarlierInstall {
  /** The latest revision of the helm release, when there is one. */
  release?: { revision: number; status: string };
  /** The data of the ConfigMap the earlier run saved its answers in. */
  savedAnswers?: { data: Record<string, string>; location: { namespace: string; name: string } };
}

export interface ClusterLookups {
  storageClasses(): Promise<Lookup<NamedClass[]>>;
  ingressClasses(): Promise<Lookup<NamedClass[]>>;
  serviceMonitorCrd(): Promise<Lookup<boolean>>;
  /** The UID of the kube-system namespace: the identity of the cluster. */
  clusterUid(): Promise<Lookup<string>>;
  earlierInstall(release: string, namespace: string): Promise<Lookup<EarlierInstall>>;
  /** Stops every command still running. */
  stop(): void;
}

/** A look-up that may still run: wait for it at most `limitMs`, then take what is there. */
export function within<T>(promise: Promise<Lookup<T>>, limitMs: number): Promise<Lookup<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Lookup<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), limitMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A cluster that cannot be read at all (no kubeconfig): every look-up fails with the same reason. */
export function unreadableCluster(reason: string): ClusterLookups {
  const failed = <T>(): Promise<Lookup<T>> => Promise.resolve({ state: 'failed', reason });
  return {
    storageClasses: failed,
    ingressClasses: failed,
    serviceMonitorCrd: failed,
    clusterUid: failed,
    earlierInstall: failed,
    stop: () => undefined,
  };
}
