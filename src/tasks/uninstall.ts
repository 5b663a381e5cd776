import { formatDuration } from '../cluster/duration.js';
import { CancelledError, ReportedFailure } from '../errors.js';
import { releaseSelector, type ClusterTools, type LifecycleTarget } from './status/target.js';
import { createdByInstaller, otherContents, readInventory, type ReleaseInventory } from './uninstall/inventory.js';
import type { DataItem, NamedObject, UninstallPlan } from './uninstall/plan.js';
import { waitUntilGone } from './uninstall/wait.js';

/** What is there after the uninstall: the release's remaining objects and whether the namespace still is. */
export interface LeftOver {
  objects: NamedObject[];
  namespaceExists: boolean;
}

export interface UninstallOutcome {
  /** Each thing done, in order, in words. */
  done: string[];
  /** The data --purge deleted. */
  deleted: DataItem[];
  namespaceRemoved: boolean;
  /** Why the namespace stayed, when --purge would have removed it but something else had moved in. */
  namespaceKeptBecause?: string;
  left: LeftOver;
}

export interface UninstallRun {
  tools: ClusterTools;
  target: LifecycleTarget;
  /** Each step as it finishes. */
  report: (line: string) => void;
  signal?: AbortSignal;
  /** How often the pods are looked at while waiting for them to go. */
  pollIntervalMs?: number;
}

interface Step {
  doing: string;
  /** Whether the step changes the cluster: stopped midway, it may have done part of its work. */
  changes: boolean;
}

/** Thrown when a step fails or is cancelled: what was done before it. */
function stopped(error: unknown, step: Step, done: readonly string[], rerun: string): Error {
  const partly = step.changes ? ' (it may have done part of its work)' : '';
  const before = done.length > 0 ? ` Done before that: ${done.join('; ')}.` : ' Nothing was changed before it.';
  if (error instanceof CancelledError) return new CancelledError(`Cancelled while ${step.doing}${partly}.${before} ${rerun}`);
  const reason = error instanceof Error ? error.message : String(error);
  return new ReportedFailure(`Uninstall stopped while ${step.doing}: ${reason}.${before} ${rerun}`);
}

export function leftOver(inventory: ReleaseInventory): LeftOver {
  return {
    objects: [
      ...inventory.pods.map((pod) => ({ kind: 'Pod', name: pod.metadata.name })),
      ...inventory.claims.map((claim) => ({ kind: 'PersistentVolumeClaim', name: claim.metadata.name })),
      ...inventory.installerSecrets.map((secret) => ({ kind: 'Secret', name: secret.metadata.name })),
      ...(inventory.savedAnswers ? [{ kind: 'ConfigMap', name: inventory.savedAnswers.metadata.name }] : []),
    ],
    namespaceExists: inventory.namespace !== undefined,
  };
}

const resourceOf: Record<string, string> = {
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
};

/**
 * Runs the plan the person agreed to: helm uninstall, the leftover pods, the wait until the pods are gone, then
 * with --purge the data and the namespace. Says what was done when a step fails or Ctrl-C stops it.
 */
export async function executeUninstall(plan: UninstallPlan, run: UninstallRun, rerun: string): Promise<UninstallOutcome> {
  const { tools, target, report } = run;
  const { release, namespace } = target;
  const selector = releaseSelector(release);
  const done: string[] = [];
  const outcome: Omit<UninstallOutcome, 'left'> = { done, deleted: [], namespaceRemoved: false };
  let step: Step = { doing: 'starting', changes: false };
  const did = (line: string) => {
    done.push(line);
    report(line);
  };
  try {
    if (plan.found) {
      step = { doing: `helm uninstall ${release} ran`, changes: true };
      await tools.helm.uninstall(release, namespace, target.timeout);
      did(`Release ${release} uninstalled (helm uninstall)`);
    }

    step = { doing: `looking for the pods of ${release}`, changes: false };
    const podNames = async () => (await tools.kubectl.pods({ namespace, selector })).map((pod) => pod.metadata.name);
    const leftoverPods = await podNames();
    if (leftoverPods.length > 0) {
      // Hook Jobs and test pods are not part of the release: helm leaves them behind.
      step = { doing: 'deleting the leftover hook Jobs and pods', changes: true };
      await tools.kubectl.delete('jobs', { selector }, { namespace, wait: false });
      await tools.kubectl.delete('pods', { selector }, { namespace, wait: false });
      did(`Deleted the release's remaining pods and hook Jobs (${leftoverPods.join(', ')})`);
    }

    step = { doing: `waiting up to ${formatDuration(target.timeoutMs)} for the pods of ${release} to go`, changes: false };
    const waited = await waitUntilGone(podNames, {
      timeoutMs: target.timeoutMs,
      ...(run.signal ? { signal: run.signal } : {}),
      ...(run.pollIntervalMs === undefined ? {} : { intervalMs: run.pollIntervalMs }),
    });
    if (!waited.gone) {
      throw new Error(`timed out after ${formatDuration(target.timeoutMs)} waiting for the pods of release ${release} to go; still there: ${waited.remaining.join(', ')}`);
    }
    if (plan.found || leftoverPods.length > 0) did(`The pods of ${release} are gone`);

    if (plan.purge) {
      for (const kind of ['PersistentVolumeClaim', 'Secret', 'ConfigMap']) {
        const items = plan.data.filter((item) => item.kind === kind);
        if (items.length === 0) continue;
        step = { doing: `deleting ${items.map((item) => `${kind} ${item.name}`).join(', ')}`, changes: true };
        await tools.kubectl.delete(resourceOf[kind] ?? kind, items.map((item) => item.name), { namespace, timeout: target.timeout });
        outcome.deleted.push(...items);
        did(`Deleted ${items.map((item) => `${kind} ${item.name}`).join(', ')}`);
      }
    }

    if (plan.namespaceDecision.action === 'delete') {
      step = { doing: `checking what else is in namespace ${namespace}`, changes: false };
      const namespaceNow = await tools.kubectl.namespaceNamed(namespace);
      const others = createdByInstaller(namespaceNow) ? await otherContents(tools.kubectl, target) : ['a label that no longer says mlflow-install created it'];
      if (others.length > 0) {
        outcome.namespaceKeptBecause = `it now holds ${others.join(', ')}`;
        report(`Kept namespace ${namespace}: ${outcome.namespaceKeptBecause}`);
      } else {
        step = { doing: `deleting namespace ${namespace}`, changes: true };
        await tools.kubectl.delete('namespaces', [namespace], { timeout: target.timeout });
        outcome.namespaceRemoved = true;
        did(`Deleted namespace ${namespace}`);
      }
    }

    step = { doing: 'reading what is left', changes: false };
    const after = await readInventory(tools, target);
    return { ...outcome, left: leftOver(after) };
  } catch (error) {
    throw stopped(error, step, done, rerun);
  }
}
