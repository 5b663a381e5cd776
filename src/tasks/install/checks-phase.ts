import type { ListrTask } from 'listr2';
import type { ClusterReading, ClusterState } from '../../cluster/cluster-state.js';
import { UnsupportedHelmError, type Helm, type KubeAccess } from '../../cluster/helm.js';
import type { Kubectl } from '../../cluster/kubectl.js';
import type { CommandRunner } from '../../cluster/runner.js';
import { ToolNotFoundError } from '../../cluster/tool-errors.js';
import { renderWithHelm, type Rendered, type RenderRequest } from '../../plan/render.js';
import { startPreflight, type CheckResult, type PreflightInput } from '../preflight.js';
import { saidBy } from './failure.js';

/** A preflight check's result, or one of this phase's own: the chart renders, the release is not locked. */
export type PhaseResult = Omit<CheckResult, 'id'> & { id: CheckResult['id'] | 'chart' | 'release' };

/** What the checks found, for the steps that follow. */
export interface Checked {
  results: PhaseResult[];
  helm?: Helm;
  rendered?: Rendered;
  ok: boolean;
}

export interface ChecksInput {
  runner: CommandRunner;
  kubectl: Kubectl;
  helmBinary: string;
  kube: KubeAccess;
  preflight: PreflightInput;
  render: RenderRequest;
  /** The cluster as read before the answers were settled: the release, its lock, the saved answers. */
  reading: ClusterReading;
  release: string;
}

/** A check of this run's own, beside preflight's: the release is not locked by an unfinished helm operation. */
function releaseCheck(before: ClusterState, release: string, namespace: string, helmBinary: string): PhaseResult {
  const found = before.release;
  const title = 'release';
  if (found === undefined || found.latest.status === 'uninstalled') return { id: 'release', title, status: 'pass', detail: `no release ${release} in ${namespace} yet: this is a new install` };
  if (found.latest.status.startsWith('pending-')) {
    const unlock = found.deployed ? `${helmBinary} rollback ${release} ${found.deployed.revision} --namespace ${namespace}` : `${helmBinary} uninstall ${release} --namespace ${namespace}`;
    return {
      id: 'release',
      title,
      status: 'fail',
      detail: `release ${release} is ${found.latest.status} at revision ${found.latest.revision}: an earlier helm operation did not finish`,
      fix: `Make sure no other install is running, then unlock it with \`${unlock}\` and rerun.`,
    };
  }
  const deployed = found.deployed ? `revision ${found.deployed.revision} deployed` : `revision ${found.latest.revision} ${found.latest.status}`;
  return { id: 'release', title, status: 'pass', detail: `release ${release} exists (${deployed}): this upgrades it` };
}

/** The release could not be read: not checked when the cluster does not answer at all, else a failure of its own. */
async function unreadRelease(reason: string, release: string, access: Promise<CheckResult[]>): Promise<PhaseResult> {
  const title = 'release';
  if ((await access).some((result) => result.status === 'fail')) return { id: 'release', title, status: 'skip', detail: 'not checked: the cluster did not answer' };
  // Without a usable helm nothing of the release can be read: the helm check already says what to do.
  if (/helm was not found|is not executable|helm 2|not supported/i.test(reason)) return { id: 'release', title, status: 'skip', detail: 'not read: no usable helm (see the helm check)' };
  // helm keeps releases in Secrets: "list secrets" is one of the permissions the permissions check names.
  if (/forbidden/i.test(reason)) return { id: 'release', title, status: 'skip', detail: 'not checked: not allowed to read the Secrets helm keeps releases in (see permissions)' };
  return {
    id: 'release',
    title,
    status: 'fail',
    detail: `could not read release ${release} and the answers saved with it: ${reason}`,
    fix: 'helm and kubectl must be able to read Secrets and ConfigMaps in the namespace (helm keeps its releases in Secrets): fix the access, then rerun.',
  };
}

function titleOf(result: PhaseResult): string {
  if (result.status === 'pass') return `${result.title}: ${result.detail}`;
  if (result.status === 'warn') return `${result.title}: warning: ${result.detail}`;
  return result.title;
}

/**
 * The preflight checks, the chart rendered with the values (`helm template`: broken values fail here, before
 * anything changes) and the release's own check, all at once, as subtasks. A failing subtask waits for the
 * others before it fails, so every result is shown.
 */
export function checkTasks<Ctx>(input: ChecksInput, checked: Checked): ListrTask<Ctx>[] {
  const render = renderWithHelm(input.render, input.runner);
  // The checks that read the rendered pods (Pod Security, the database check's image) wait for this one render.
  const rendered = render.then(
    (done) => done.manifests,
    () => undefined,
  );
  const started = startPreflight({ runner: input.runner, kubectl: input.kubectl, helmBinary: input.helmBinary, kube: input.kube, rendered }, input.preflight);
  const rendering = render.then(
    (rendered): PhaseResult => {
      checked.rendered = rendered;
      return { id: 'chart', title: 'chart', status: 'pass', detail: `renders ${rendered.manifests.length} objects with these values (helm ${rendered.version.text})` };
    },
    (error: unknown): PhaseResult =>
      // Without a usable helm nothing renders: the helm check already says what to do.
      error instanceof ToolNotFoundError || error instanceof UnsupportedHelmError
        ? { id: 'chart', title: 'chart', status: 'skip', detail: 'not rendered: no usable helm (see the helm check)' }
        : {
            id: 'chart',
            title: 'chart',
            status: 'fail',
            detail: `helm template failed: ${saidBy(error)}`,
            fix: 'The values do not render: check the --set values the message names; if they look right, this is a bug of mlflow-install (please report it with the values file).',
          },
  );
  const accessChecks = started.checks.filter(({ check }) => check.id === 'kubectl' || check.id === 'context' || check.id === 'api');
  const release = input.reading.reachable
    ? Promise.resolve(releaseCheck(input.reading.state, input.release, input.preflight.namespace, input.helmBinary))
    : unreadRelease(input.reading.reason, input.release, Promise.all(accessChecks.map(({ result }) => result)));
  const all: { title: string; result: Promise<PhaseResult> }[] = [
    ...started.checks.map(({ check, result }) => ({ title: check.title, result })),
    { title: 'chart', result: rendering },
    { title: 'release', result: release },
  ];
  const everything = Promise.all(all.map((entry) => entry.result)).then((results) => {
    checked.results = results;
    checked.ok = results.every((result) => result.status !== 'fail');
    if (started.findings.helm) checked.helm = started.findings.helm;
    return results;
  });
  return all.map(({ title, result }) => ({
    title,
    task: async (_ctx, task) => {
      const found = await result;
      task.title = titleOf(found);
      if (found.status === 'skip') {
        task.skip(found.detail);
        return;
      }
      if (found.status !== 'fail') return;
      await everything;
      throw new Error(found.detail);
    },
  }));
}

/** What to do about each failed or warned check, as lines. */
export function fixLines(results: readonly PhaseResult[], status: 'fail' | 'warn'): string[] {
  return results
    .filter((result) => result.status === status)
    .flatMap((result) => [`  ${status === 'fail' ? '✖' : '!'} ${result.title}: ${result.detail}`, ...(result.fix ? [`    Fix: ${result.fix}`] : [])]);
}
