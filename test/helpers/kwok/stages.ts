// What kwok does to nodes and pods of a test cluster, as kwok Stages. Listing any Stage replaces all of
// kwok's defaults, so the node and pod lifecycle of kwok's own "fast" stages (read from the kwok module the
// control plane was built from) come first, then the stages these tests add:
// - a helm test pod completes, like a Job's pod does;
// - the installer's database check pod ends with exit 0, or 1 when it asks for an unreachable host;
// - in the fault namespaces, the tracking server crash-loops or never becomes ready (with the events a
//   kubelet would emit), while every other pod there (Jobs, the check pod) behaves as usual.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Namespaces where pods misbehave, and how: the tracking server crash-loops, never becomes ready, or becomes
 * ready only after a minute; a Job's pod (the migration, the database creation) fails; the helm test pod fails.
 */
export const faultNamespaces = { crashLoop: 'crashloop', neverReady: 'neverready', slowStart: 'slowstart', jobFails: 'jobfails', testFails: 'testfails' } as const;

/** How long a tracking server in the slowStart namespace takes to become ready. */
export const slowStartMs = 60_000;

/** A database host that the check pod (and so the preflight) finds unreachable. */
export const unreachableDatabaseHost = 'unreachable.db.invalid';

/** The label the installer's check pods carry (src/cluster/kubectl.ts). */
const checkPodSelector = { key: '.metadata.labels["app.kubernetes.io/name"]', operator: 'In', values: ['mlflow-install-check'] };

interface Expression {
  key: string;
  operator: string;
  values?: string[];
}

interface Stage {
  apiVersion: string;
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: string; kind: string };
    selector: { matchExpressions: Expression[] };
    delay?: Record<string, number>;
    next: Record<string, unknown>;
    immediateNextStage?: boolean;
  };
}

function kwokStage(stagesDir: string, path: string): Stage {
  return parse(readFileSync(join(stagesDir, path), 'utf8')) as Stage;
}

const notDeleted: Expression = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const running: Expression = { key: '.status.phase', operator: 'In', values: ['Running'] };
const noPodIp: Expression = { key: '.status.podIP', operator: 'DoesNotExist' };
const namespaceIs = (namespace: string): Expression => ({ key: '.metadata.namespace', operator: 'In', values: [namespace] });
const trackingServer: Expression = { key: '.metadata.labels["app.kubernetes.io/component"]', operator: 'In', values: ['tracking-server'] };
// "namespace/component": the tracking servers of the fault namespaces are the one thing kwok's ready stage skips.
const namespaceAndComponent = '(.metadata.namespace) + "/" + (.metadata.labels["app.kubernetes.io/component"] // "")';

function podStage(name: string, matchExpressions: Expression[], next: Record<string, unknown>, delayMs?: number): Stage {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: { matchExpressions },
      ...(delayMs === undefined ? {} : { delay: { durationMilliseconds: delayMs } }),
      next,
    },
  };
}

/** A terminated container: how every container of a finished pod ends. */
function terminatedContainers(exitCode: number, reason: string, message: string): string {
  return `{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: ${exitCode}
      reason: ${reason}
      message: ${JSON.stringify(message)}
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: ${exitCode === 0 ? 'Succeeded' : 'Failed'}
`;
}

/** The tracking server's containers as a kubelet reports them: init containers done, the server not ready. */
function serverNotReady(serverState: string, restarts: number): string {
  return `{{ $now := Now }}
conditions:
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: ${restarts}
  started: ${restarts === 0}
  ${serverState}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName false ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`;
}

const crashLooping = `state:
    waiting: {reason: CrashLoopBackOff, message: "back-off 40s restarting failed container"}
  lastState:
    terminated: {exitCode: 1, reason: Error, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}`;
const runningButUnready = `state:
    running: {startedAt: {{ $now | Quote }}}`;

/** Every Stage of a test cluster, kwok's own stages read from stagesDir (the kwok module's kustomize/stage). */
export function clusterStages(stagesDir: string): Stage[] {
  const ready = kwokStage(stagesDir, 'pod/fast/pod-ready.yaml');
  const misbehavingServers = [faultNamespaces.crashLoop, faultNamespaces.neverReady, faultNamespaces.slowStart];
  ready.spec.selector.matchExpressions.push({ key: namespaceAndComponent, operator: 'NotIn', values: misbehavingServers.map((namespace) => `${namespace}/tracking-server`) });
  const slowReady = structuredClone(ready);
  slowReady.metadata.name = 'pod-ready-slowly';
  slowReady.spec.selector.matchExpressions = [notDeleted, noPodIp, namespaceIs(faultNamespaces.slowStart), trackingServer];
  slowReady.spec.delay = { durationMilliseconds: slowStartMs };
  const notIn = (namespace: string): Expression => ({ key: '.metadata.namespace', operator: 'NotIn', values: [namespace] });
  const complete = kwokStage(stagesDir, 'pod/fast/pod-complete.yaml');
  complete.spec.selector.matchExpressions.push(notIn(faultNamespaces.jobFails));
  const ofJob: Expression = { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] };
  const helmTest: Expression = { key: '.metadata.annotations["helm.sh/hook"]', operator: 'In', values: ['test'] };
  const completeHelmTest = structuredClone(complete);
  completeHelmTest.metadata.name = 'pod-complete-helm-test';
  completeHelmTest.spec.selector.matchExpressions = [notDeleted, running, helmTest, notIn(faultNamespaces.testFails)];
  return [
    kwokStage(stagesDir, 'node/fast/node-initialize.yaml'),
    kwokStage(stagesDir, 'node/heartbeat/node-heartbeat.yaml'),
    ready,
    complete,
    completeHelmTest,
    kwokStage(stagesDir, 'pod/fast/pod-delete.yaml'),
    slowReady,
    podStage('job-pod-fails', [notDeleted, running, ofJob, namespaceIs(faultNamespaces.jobFails)], {
      statusTemplate: terminatedContainers(1, 'Error', 'the command exited 1'),
      event: { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' },
    }),
    podStage('helm-test-fails', [notDeleted, running, helmTest, namespaceIs(faultNamespaces.testFails)], {
      statusTemplate: terminatedContainers(1, 'Error', 'the test exited 1'),
    }),
    podStage('check-pod-reaches-database', [notDeleted, running, checkPodSelector, { key: '.spec.containers.[].command.[]', operator: 'NotIn', values: [unreachableDatabaseHost] }], {
      statusTemplate: terminatedContainers(0, 'Completed', ''),
    }),
    podStage('check-pod-database-unreachable', [notDeleted, running, checkPodSelector, { key: '.spec.containers.[].command.[]', operator: 'In', values: [unreachableDatabaseHost] }], {
      statusTemplate: terminatedContainers(1, 'Error', `could not connect to ${unreachableDatabaseHost}: [Errno -2] Name or service not known`),
    }),
    podStage('server-crash-loops', [notDeleted, noPodIp, namespaceIs(faultNamespaces.crashLoop), trackingServer], {
      statusTemplate: serverNotReady(crashLooping, 4),
      event: { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container mlflow in pod' },
    }),
    podStage('server-never-ready', [notDeleted, noPodIp, namespaceIs(faultNamespaces.neverReady), trackingServer], {
      statusTemplate: serverNotReady(runningButUnready, 0),
      event: { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' },
    }),
  ];
}
