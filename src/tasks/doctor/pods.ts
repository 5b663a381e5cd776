// Every pod of the release: ready, restarts, the last termination reason, recent warning events.
import type { KubeEvent, Pod } from '../../cluster/k8s.js';
import { diagnose, hintsFor, type Diagnosis } from '../diagnose.js';
import { sortPods, summarizePod } from '../status/pods.js';
import { releaseSelector } from '../status/target.js';
import { finding, type Finding } from './check.js';
import { unread, type DoctorReads } from './reads.js';

const EVENTS_PER_POD = 2;

function eventTime(event: KubeEvent): string {
  return event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp ?? '';
}

/** The pod's most recent Warning events, oldest first, as "Reason: message". */
export function warningEvents(events: readonly KubeEvent[], pod: string, limit = EVENTS_PER_POD): string[] {
  return events
    .filter((event) => event.type === 'Warning' && event.involvedObject.kind === 'Pod' && event.involvedObject.name === pod)
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .slice(-limit)
    .map((event) => `${event.reason ?? 'Warning'}: ${(event.message ?? '').trim()}`);
}

/** How a container of the pod last ended when it was not a clean exit: "mlflow: Error (exit 1)", "OOMKilled (exit 137)". */
export function lastTermination(pod: Pod): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const ended = status.state?.terminated ?? status.lastState?.terminated;
    if (ended && (ended.exitCode ?? 0) !== 0) return `${status.name}: ${ended.reason ?? 'terminated'} (exit ${ended.exitCode ?? '?'})`;
  }
  return undefined;
}

function logsCommand(namespace: string, pod: string, previous: boolean): string {
  return `\`kubectl --namespace ${namespace} logs pod/${pod} --all-containers${previous ? ' --previous' : ''}\``;
}

/** One pod's finding (pure): the server's trouble fails, a Job's or a test's left behind warns. */
export function podFinding(pod: Pod, events: readonly KubeEvent[], namespace: string, diagnosis?: Diagnosis): Finding {
  const summary = summarizePod(pod);
  const name = pod.metadata.name;
  const ending = lastTermination(pod);
  const warnings = warningEvents(events, name);
  const state = `${summary.role}, ${summary.phase}, ${summary.readyContainers}/${summary.containers} ready, ${summary.restarts} restart${summary.restarts === 1 ? '' : 's'}`;
  const said = [state, ...(summary.problem ? [summary.problem] : []), ...(ending ? [`last ended ${ending}`] : []), ...(warnings.length > 0 ? [`warning events: ${warnings.join(' | ')}`] : [])];
  const title = `pod ${name}`;
  const id = `pod/${name}`;
  if (summary.problem === undefined && summary.restarts === 0) return finding('pods', id, title, 'pass', said.join('; '));
  if (summary.problem === undefined) {
    return finding('pods', id, title, 'warn', said.join('; '), `It is ready now; see why it restarted with ${logsCommand(namespace, name, true)}.`);
  }
  const diagnosed = diagnosis?.pods.find((candidate) => candidate.pod === name);
  const texts = [summary.problem, ...warnings, ...(diagnosed ? [...diagnosed.events, ...diagnosed.logs.flatMap((logs) => logs.lines)] : [])];
  const hint = hintsFor(texts)[0];
  const seeWhy = `See why: ${logsCommand(namespace, name, summary.restarts > 0)}.`;
  return finding('pods', id, title, summary.role === 'server' ? 'fail' : 'warn', said.join('; '), hint ? `${hint.message} ${seeWhy}` : seeWhy);
}

export async function podChecks(reads: DoctorReads): Promise<Finding[]> {
  const { namespace, release } = reads.target;
  const [document, pods, events] = await Promise.all([reads.document(), reads.pods(), reads.events()]);
  if (document.ok && document.value === undefined) return [];
  if (!pods.ok) return [await unread(reads, 'pods', 'pods', 'pods', `the pods of release ${release}`, pods.error)];
  const eventList = events.ok ? events.value : [];
  const order = sortPods(pods.value.map(summarizePod)).map((summary) => summary.name);
  const sorted = [...pods.value].sort((a, b) => order.indexOf(a.metadata.name) - order.indexOf(b.metadata.name));
  const troubled = sorted.some((pod) => summarizePod(pod).problem !== undefined);
  // The logs say why a pod fails: read only when one does (a healthy release is not slowed by it).
  const diagnosis = troubled ? await diagnose(reads.kubectl, { selector: releaseSelector(release), namespace }).catch(() => undefined) : undefined;
  const findings = sorted.map((pod) => podFinding(pod, eventList, namespace, diagnosis));
  if (!sorted.some((pod) => summarizePod(pod).role === 'server')) {
    findings.unshift(
      finding('pods', 'server-pods', 'tracking server', 'fail', 'no tracking server pod is there', `See the Deployment's events: \`kubectl --namespace ${namespace} describe deployment --selector app.kubernetes.io/instance=${release}\`.`),
    );
  }
  if (!events.ok) findings.push(await unread(reads, 'pods', 'events', 'events', `the events of namespace ${namespace}`, events.error));
  return findings;
}
