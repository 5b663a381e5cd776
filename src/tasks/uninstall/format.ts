import { shellLine } from '../../cluster/display.js';
import type { Palette } from '../../ui/colors.js';
import type { UninstallOutcome } from '../uninstall.js';
import type { LifecycleTarget } from '../status/target.js';
import type { DataItem, NamedObject, UninstallPlan } from './plan.js';

const quote = ([file, ...args]: readonly string[]): string => shellLine(file ?? '', args);

export const SECRETS_STORE_NOTE = 'Never removed: the Secrets Store CSI driver and its providers, if installed (other workloads may use them).';

function contextFlags(target: LifecycleTarget): string[] {
  return [
    ...(target.kube.context ? ['--context', target.kube.context] : []),
    ...(target.kube.kubeconfig ? ['--kubeconfig', target.kube.kubeconfig] : []),
  ];
}

export function uninstallCommand(target: LifecycleTarget, purge: boolean): string[] {
  return ['npx', 'mlflow-install', 'uninstall', ...(purge ? ['--purge'] : []), ...contextFlags(target), '--namespace', target.namespace, '--release', target.release];
}

/** The command that removes what a plain uninstall keeps. */
export function purgeCommand(target: LifecycleTarget): string[] {
  return uninstallCommand(target, true);
}

/** The same with kubectl alone. */
export function kubectlDeleteCommand(target: LifecycleTarget, items: readonly NamedObject[]): string[] {
  return ['kubectl', ...contextFlags(target), '--namespace', target.namespace, 'delete', ...items.map((item) => `${item.kind.toLowerCase()}/${item.name}`)];
}

function names(objects: readonly NamedObject[]): string {
  return objects.map((object) => `${object.kind} ${object.name}`).join(', ');
}

function dataLines(items: readonly DataItem[]): string[] {
  return items.map((item) => `  ${item.kind} ${item.name}: ${item.what}`);
}

export function contextLine(plan: UninstallPlan): string {
  return `Context: ${plan.context.context} (${plan.context.server})`;
}

/** What will be removed and what kept, shown before anything changes. */
export function formatPlan(plan: UninstallPlan, palette: Palette): string[] {
  const lines = [palette.bold(contextLine(plan))];
  if (plan.found) {
    const chart = plan.found.chart ? `, ${plan.found.chart}` : '';
    lines.push(`Release ${plan.release} in namespace ${plan.namespace} (revision ${plan.found.revision}${chart}, ${plan.found.state})`);
  } else {
    lines.push(`No release ${plan.release} in namespace ${plan.namespace}; what an earlier install left:`);
  }
  lines.push('Will be removed:');
  if (plan.found) lines.push(`  the release: ${names(plan.releaseResources) || 'no resources'}`);
  if (plan.pods.length > 0) lines.push(`  its pods: ${plan.pods.join(', ')}`);
  if (plan.purge) lines.push(...dataLines(plan.data));
  if (plan.namespaceDecision.action === 'delete') lines.push(`  namespace ${plan.namespace}: mlflow-install created it and nothing else is in it`);
  const kept = [
    ...(plan.purge ? [] : dataLines(plan.data)),
    ...plan.keptByPolicy.map((object) => `  ${object.kind} ${object.name}: its resource policy keeps it`),
    ...(plan.namespaceDecision.action === 'keep' ? [`  namespace ${plan.namespace}: ${plan.namespaceDecision.reason}`] : []),
  ];
  if (kept.length > 0) lines.push(plan.purge || plan.data.length === 0 ? 'Will be kept:' : 'Will be kept (--purge deletes the tracking data too):', ...kept);
  lines.push(SECRETS_STORE_NOTE);
  return lines;
}

/** No release and nothing --purge would delete: what an earlier install left, and how to delete it. */
export function formatNothingToDo(plan: UninstallPlan, target: LifecycleTarget, palette: Palette): string[] {
  const lines = [contextLine(plan), `No release ${plan.release} in namespace ${plan.namespace}: nothing to uninstall.`];
  if (plan.data.length > 0) {
    lines.push(
      `Left from an earlier install: ${names(plan.data)}. To delete it:`,
      `  ${palette.code(quote(purgeCommand(target)))}`,
      `  or: ${palette.code(quote(kubectlDeleteCommand(target, plan.data)))}`,
    );
  }
  return lines;
}

/** After the uninstall: what is left, and how to remove what was kept on purpose. */
export function formatOutcome(plan: UninstallPlan, outcome: UninstallOutcome, target: LifecycleTarget, palette: Palette): string[] {
  const lines: string[] = [];
  const { left } = outcome;
  if (left.objects.length === 0) {
    lines.push(palette.ok(`Nothing of release ${plan.release} is left${left.namespaceExists ? ` in namespace ${plan.namespace}` : ''}.`));
  } else {
    lines.push(`Left in namespace ${plan.namespace}: ${names(left.objects)}.`);
  }
  if (outcome.namespaceRemoved) lines.push(`Namespace ${plan.namespace} was deleted.`);
  else if (left.namespaceExists) {
    const why = outcome.namespaceKeptBecause ?? (plan.namespaceDecision.action === 'keep' ? plan.namespaceDecision.reason : undefined);
    lines.push(`Namespace ${plan.namespace} is kept${why ? `: ${why}` : ''}.`);
  }
  const keptData = left.objects.filter((object) => object.kind !== 'Pod');
  if (keptData.length > 0) {
    lines.push(
      'The tracking data is kept: installing again with the same release reuses it. To delete it too:',
      `  ${palette.code(quote(purgeCommand(target)))}`,
      `  or: ${palette.code(quote(kubectlDeleteCommand(target, keptData)))}`,
    );
  }
  return lines;
}

export function outcomeJson(plan: UninstallPlan, outcome: UninstallOutcome | undefined) {
  return {
    context: plan.context,
    release: plan.release,
    namespace: plan.namespace,
    found: plan.found !== undefined,
    purge: plan.purge,
    removed: outcome === undefined ? [] : outcome.done,
    deleted: outcome?.deleted ?? [],
    kept: plan.purge ? [] : plan.data,
    left: outcome?.left.objects ?? plan.data,
    namespaceRemoved: outcome?.namespaceRemoved ?? false,
    secretsStoreDriver: 'never removed',
  };
}
