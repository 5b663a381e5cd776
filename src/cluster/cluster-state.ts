import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { clusterUidKey, namespaceIdentity, namespaceIdentityPrefix, savedAnswersName, type SavedAnswersLocation } from '../answers/saved.js';
import type { ClusterView } from '../plan/cluster-view.js';
import { releaseVersions } from '../plan/upgrade.js';
import { helmArgs, revisionSchema, type KubeAccess } from './helm.js';
import { Kubectl } from './kubectl.js';
import { CommandFailedError, CommandRunner } from './runner.js';
import type { SharedReads } from './shared-reads.js';
import { helmTool, runTool } from './tool-errors.js';

const SECRET_PROVIDER_CLASS_CRD = 'secretproviderclasses.secrets-store.csi.x-k8s.io';

export interface ReleaseRevision {
  revision: number;
  /** helm's words: deployed, failed, superseded, pending-install, pending-upgrade, ... */
  status: string;
  /** The appVersion of the revision's chart. */
  appVersion?: string;
}

/** What an install needs to know of the cluster before it changes anything. */
export interface ClusterState {
  /** The kube context the state was read through (from the kubeconfig). */
  context?: string;
  server?: string;
  /** Undefined when the namespace could not be read (e.g. a user without cluster-wide reads). */
  namespaceExists?: boolean;
  /** The release's latest revision and its last deployed one; undefined when there is no release of that name. */
  release?: { latest: ReleaseRevision; deployed?: ReleaseRevision };
  /** `helm get values` of the release: the values its last revision was given. */
  currentValues?: Record<string, unknown>;
  /** The data of the ConfigMap an earlier successful run saved its answers in. */
  savedAnswers?: { data: Record<string, string>; location: SavedAnswersLocation };
  /** The kube-system namespace's UID: which cluster this is, whatever the context is called. */
  clusterUid?: string;
  /** Whether the Secrets Store CSI driver's SecretProviderClass CRD is installed (undefined: could not read). */
  secretsStoreDriverInstalled?: boolean;
}

export type ClusterReading = { reachable: true; state: ClusterState } | { reachable: false; reason: string };

export interface ClusterTarget {
  kubectl: string;
  helm: string;
  context?: string;
  kubeconfig?: string;
}

const releaseNotFound = /release: not found/;

function reasonOf(error: unknown): string {
  if (error instanceof CommandFailedError) return (error.stderrTail.at(-1) ?? error.summary).replace(/^Error: /, '').trim();
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

type Attempt<T> = { read: true; value: T } | { read: false };

/** A read that may be refused (RBAC) without the whole state being unknown. */
async function attempt<T>(read: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { read: true, value: await read() };
  } catch (error) {
    if (error instanceof CommandFailedError) return { read: false };
    throw error;
  }
}

/** The release's revisions, oldest first; empty when there is no release of that name. */
export async function releaseHistory(runner: CommandRunner, helm: string, kube: KubeAccess, release: string, namespace: string): Promise<ReleaseRevision[]> {
  // history and get values are spelled the same by helm 3 and 4: no need to ask helm its version first.
  const args = helmArgs(3, kube).history(release, namespace, 256);
  try {
    const result = await runTool(runner, helmTool, { file: helm, args, timeoutMs: 30_000 });
    const parsed = z.array(revisionSchema).safeParse(JSON.parse(result.stdout.trim() || '[]'));
    if (!parsed.success) throw new Error(`unexpected history from helm: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
    return parsed.data.map(({ revision, status, app_version }) => ({ revision, status, ...(app_version ? { appVersion: app_version } : {}) })).sort((a, b) => a.revision - b.revision);
  } catch (error) {
    if (error instanceof CommandFailedError && error.stderrTail.some((line) => releaseNotFound.test(line))) return [];
    throw error;
  }
}

async function currentValues(runner: CommandRunner, helm: string, kube: KubeAccess, release: string, namespace: string): Promise<Record<string, unknown> | undefined> {
  try {
    const result = await runTool(runner, helmTool, { file: helm, args: helmArgs(3, kube).getValues(release, namespace), timeoutMs: 30_000 });
    const parsed = z.record(z.string(), z.unknown()).nullable().safeParse(JSON.parse(result.stdout.trim() || 'null'));
    return parsed.success ? (parsed.data ?? {}) : undefined;
  } catch (error) {
    if (error instanceof CommandFailedError && error.stderrTail.some((line) => releaseNotFound.test(line))) return undefined;
    throw error;
  }
}

/**
 * Reads, all at once: the release (helm history and values), the namespace, the answers an earlier run saved,
 * the cluster's UID and whether the Secrets Store CSI driver is there. Throws when the release or the saved
 * answers cannot be read (the cluster does not answer, or refuses); the other reads are left unknown when refused.
 */
export async function readClusterState(runner: CommandRunner, target: ClusterTarget, where: { release: string; namespace: string }): Promise<ClusterState> {
  const kube: KubeAccess = { ...(target.context ? { context: target.context } : {}), ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}) };
  const kubectl = new Kubectl(runner, { binary: target.kubectl, namespace: where.namespace, ...kube });
  const configMapName = savedAnswersName(where.release);
  const [identity, history, values, configMaps, namespace, kubeSystem, crd] = await Promise.all([
    attempt(() => kubectl.identity()),
    releaseHistory(runner, target.helm, kube, where.release, where.namespace),
    currentValues(runner, target.helm, kube, where.release, where.namespace),
    kubectl.configMaps({ namespace: where.namespace, fieldSelector: `metadata.name=${configMapName}` }),
    attempt(() => kubectl.namespaceNamed(where.namespace, { shared: true })),
    attempt(() => kubectl.namespaceNamed('kube-system')),
    attempt(() => kubectl.crd(SECRET_PROVIDER_CLASS_CRD)),
  ]);
  const latest = history.at(-1);
  const deployed = [...history].reverse().find((revision) => revision.status === 'deployed');
  const configMap = configMaps.find((candidate) => candidate.metadata.name === configMapName);
  return {
    ...(identity.read ? { context: identity.value.context, server: identity.value.server } : {}),
    ...(namespace.read ? { namespaceExists: namespace.value !== undefined } : {}),
    ...(latest ? { release: { latest, ...(deployed ? { deployed } : {}) } } : {}),
    ...(latest && values ? { currentValues: values } : {}),
    ...(configMap ? { savedAnswers: { data: configMap.data ?? {}, location: { namespace: where.namespace, name: configMapName } } } : {}),
    ...clusterIdentityOf(kubeSystem.read ? kubeSystem.value?.metadata.uid : undefined, namespace.read ? namespace.value?.metadata.uid : undefined, configMap?.data?.[clusterUidKey]),
    ...(crd.read ? { secretsStoreDriverInstalled: crd.value !== undefined } : {}),
  };
}

/**
 * Which cluster this is: the kube-system namespace's UID, or, for someone who may not read kube-system (a
 * namespace admin), `namespace:` and the UID of the release's namespace, which holds the saved answers. The form
 * the saved answers used is the one compared.
 */
export function clusterIdentityOf(kubeSystemUid: string | undefined, namespaceUid: string | undefined, saved: string | undefined): { clusterUid?: string } {
  const byNamespace = namespaceUid ? namespaceIdentity(namespaceUid) : undefined;
  const identity = saved?.startsWith(namespaceIdentityPrefix) ? byNamespace : (kubeSystemUid ?? byNamespace);
  return identity ? { clusterUid: identity } : {};
}

/** readClusterState, or why the cluster could not be read (no kubeconfig, unreachable, forbidden, too slow). */
export async function tryReadClusterState(runner: CommandRunner, target: ClusterTarget, where: { release: string; namespace: string }): Promise<ClusterReading> {
  try {
    return { reachable: true, state: await readClusterState(runner, target, where) };
  } catch (error) {
    return { reachable: false, reason: reasonOf(error) };
  }
}

/** Why no kubectl could reach a cluster from here, without running one: no kubeconfig file to read. */
export function missingKubeconfig(target: ClusterTarget, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (target.kubeconfig) return existsSync(target.kubeconfig) ? undefined : `the kubeconfig ${target.kubeconfig} does not exist`;
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const candidates = files.length > 0 ? files : [join(env.HOME ?? homedir(), '.kube', 'config')];
  return candidates.some((file) => existsSync(file)) ? undefined : `no kubeconfig (looked at ${candidates.join(', ')})`;
}

/**
 * A one-off reading with its own runner, bounded in time: for `--dry-run`, the start of an install, and the
 * wizard's checks. `secrets` are the passwords known to the run, kept out of the commands' environment.
 */
export function readClusterOnce(
  target: ClusterTarget,
  where: { release: string; namespace: string },
  options: { secrets?: readonly string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv; sharedReads?: SharedReads } = {},
): Promise<ClusterReading> {
  const missing = missingKubeconfig(target, options.env ?? process.env);
  if (missing !== undefined) return Promise.resolve({ reachable: false, reason: missing });
  const signal = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  setMaxListeners(0, signal);
  const runner = new CommandRunner({ signal, killGraceMs: 500, ...(options.env ? { env: options.env } : {}), ...(options.sharedReads ? { sharedReads: options.sharedReads } : {}) });
  for (const secret of options.secrets ?? []) runner.redactor.add(secret);
  return tryReadClusterState(runner, target, where).then((reading) =>
    !reading.reachable && signal.aborted ? { reachable: false, reason: `the cluster did not answer within ${Math.round((options.timeoutMs ?? 20_000) / 1000)}s` } : reading,
  );
}

/** What the plan knows of the cluster, from a reading. */
export function clusterView(state: ClusterState): ClusterView {
  const releaseExists = state.release !== undefined && state.release.latest.status !== 'uninstalled';
  const deployedAppVersion = state.release?.deployed?.appVersion;
  return {
    ...(state.context ? { context: state.context } : {}),
    releaseExists,
    versions: releaseVersions({
      releaseExists,
      ...(state.currentValues ? { currentValues: state.currentValues } : {}),
      ...(deployedAppVersion ? { deployedAppVersion } : {}),
      ...(state.savedAnswers ? { savedAnswers: state.savedAnswers } : {}),
    }),
    ...(state.currentValues ? { currentValues: state.currentValues } : {}),
    ...(state.namespaceExists === undefined ? {} : { namespaceExists: state.namespaceExists }),
    ...(state.secretsStoreDriverInstalled === undefined ? {} : { secretsStoreDriverInstalled: state.secretsStoreDriverInstalled }),
    ...(state.clusterUid === undefined ? {} : { clusterUid: state.clusterUid }),
  };
}
