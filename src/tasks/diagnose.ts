import { isPodReady, type KubeEvent, type PersistentVolumeClaim, type Pod } from '../cluster/k8s.js';
import type { Kubectl } from '../cluster/kubectl.js';
import { CommandFailedError } from '../cluster/runner.js';

export interface ContainerLogs {
  container: string;
  /** The run before the last restart (what a crashing container said before it died). */
  previous: boolean;
  lines: string[];
  /** Why there are no lines, when kubectl could not read them (the pod was deleted meanwhile, ...). */
  unavailable?: string;
}

export interface PodDiagnosis {
  pod: string;
  /** One line: "CrashLoopBackOff (restarted 4 times)", "Pending: ...", "Running but not Ready". */
  problem: string;
  events: string[];
  logs: ContainerLogs[];
}

/** A controller (ReplicaSet, Job, ...) whose pods the API server refused to create: no pod exists to diagnose. */
export interface RefusedDiagnosis {
  /** "ReplicaSet mlflow-7d9c5b6f4" */
  owner: string;
  events: string[];
}

export interface ClaimDiagnosis {
  claim: string;
  phase: string;
  events: string[];
}

export type HintId =
  | 'database-auth'
  | 'database-unreachable'
  | 'missing-driver'
  | 'invalid-host'
  | 'schema-out-of-date'
  | 'pvc-pending'
  | 'missing-secret'
  | 'image-pull'
  | 'pod-security'
  | 'quota';

export interface Hint {
  id: HintId;
  message: string;
}

export interface Diagnosis {
  pods: PodDiagnosis[];
  /** Absent in a diagnosis made before the field existed (a watch's earlier read). */
  refused?: RefusedDiagnosis[];
  claims: ClaimDiagnosis[];
  hints: Hint[];
}

export interface DiagnoseOptions {
  /** Label selector of the release's pods and claims, e.g. app.kubernetes.io/instance=mlflow. */
  selector: string;
  namespace?: string;
  logLines?: number;
  eventsPerObject?: number;
}

const hintRules: { id: HintId; pattern: RegExp; message: string }[] = [
  {
    id: 'database-auth',
    pattern: /password authentication failed|Access denied for user|Login failed for user|FATAL: +role .* does not exist|authentication failed/i,
    message:
      'The database refused the user or password. Check backend.db.user, the password (MLFLOW_DB_PASSWORD, or the existingSecret), and that this user may connect from the cluster (pg_hba.conf, MySQL host grants).',
  },
  {
    id: 'database-unreachable',
    // psycopg2, PyMySQL and pymssql words, and the chart's wait-for-database init container's.
    pattern:
      /could not connect to server|connection to server at .* failed: (?:Connection refused|timeout expired|No route to host)|could not translate host name|Can't connect to MySQL server|Unknown MySQL server host|Adaptive Server is unavailable|the database at \S+ did not answer|Waiting up to \d+s for the database/i,
    message:
      'The database did not answer. Check backend.db.host and backend.db.port, that the name resolves inside the cluster, and that the database\'s firewall or security group lets the cluster\'s nodes in.',
  },
  {
    id: 'missing-driver',
    pattern: /No module named '(?:psycopg2|pymysql|pymssql|MySQLdb|pyodbc)'|Can't load plugin: sqlalchemy\.dialects|NoSuchModuleError/i,
    message:
      'The image has no driver for this database. Use the official image\'s -full variant (ghcr.io/mlflow/mlflow:vX.Y.Z-full) or an image with the driver installed.',
  },
  {
    id: 'invalid-host',
    pattern: /Invalid Host header|DNS rebinding/i,
    message:
      'MLflow refused the Host header it was reached by (its DNS-rebinding protection). Reach it by the ingress host or the service name, or set ingress.host to the name you use: the chart allows those hosts.',
  },
  {
    id: 'schema-out-of-date',
    pattern: /Detected out-of-date database schema/i,
    message:
      'The database schema is older than this MLflow. Back the database up, then rerun the install: its pre-upgrade hook runs `mlflow db upgrade` (or run `mlflow db upgrade <database-uri>` yourself).',
  },
  {
    id: 'pvc-pending',
    pattern: /unbound immediate PersistentVolumeClaims|no persistent volumes available for this claim|storageclass\.storage\.k8s\.io ".*" not found|^volume claim \S+ is Pending/im,
    message:
      'The volume\'s claim is Pending: no StorageClass could provision it. Set backend.volume.storageClass to a class this cluster has (`kubectl get storageclass`), or make one the default.',
  },
  {
    id: 'missing-secret',
    pattern: /secret ".*" not found/i,
    message: 'A Secret the pods read is missing. Rerun the install so it applies the Secret first, or create the existingSecret you named.',
  },
  {
    id: 'pod-security',
    pattern: /violates PodSecurity/i,
    message:
      "The namespace's Pod Security admission refused the pods (the event names the fields). The chart's own pods satisfy \"restricted\": check the securityContext, podSecurityContext and extra containers your values add, or, if the namespace must run such pods, its pod-security.kubernetes.io/enforce label.",
  },
  {
    id: 'quota',
    pattern: /exceeded quota|must specify (?:limits|requests)/i,
    message: "A ResourceQuota of the namespace refused the pods. Raise the quota (`kubectl describe resourcequota`) or lower the chart's resources, and give every container requests and limits if the quota asks for them.",
  },
  {
    id: 'image-pull',
    pattern: /ErrImagePull|ImagePullBackOff|manifest unknown|pull access denied/i,
    message: 'The image cannot be pulled. Check image.repository and image.tag, and registry access from the nodes (imagePullSecrets).',
  },
];

/** The hints the text of logs, events and statuses calls for, each once, in the order of the rules. */
export function hintsFor(texts: readonly string[]): Hint[] {
  const all = texts.join('\n');
  return hintRules.filter((rule) => rule.pattern.test(all)).map(({ id, message }) => ({ id, message }));
}

function eventTime(event: KubeEvent): string {
  return event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp ?? '';
}

function eventLines(events: readonly KubeEvent[], kind: string, name: string, limit: number): string[] {
  return events
    .filter((event) => event.involvedObject.kind === kind && event.involvedObject.name === name)
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .slice(-limit)
    .map((event) => `${event.type ?? 'Normal'} ${event.reason ?? ''}: ${event.message ?? ''}`.trim());
}

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

function containerTrouble(status: ContainerStatus): string | undefined {
  const waiting = status.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
    const restarts = status.restartCount > 0 ? ` (restarted ${status.restartCount} time${status.restartCount === 1 ? '' : 's'})` : '';
    return `${status.name}: ${waiting.reason}${restarts}${waiting.message ? `: ${waiting.message}` : ''}`;
  }
  const terminated = status.state?.terminated;
  if (terminated && (terminated.exitCode ?? 0) !== 0) return `${status.name}: exited with ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`;
  return undefined;
}

/** What is wrong with a pod, in one line; undefined when it is healthy (Running and Ready, or Succeeded). */
export function podProblem(pod: Pod): string | undefined {
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Succeeded' || (phase === 'Running' && isPodReady(pod))) return undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const troubles = statuses.map(containerTrouble).filter((line): line is string => line !== undefined);
  if (troubles.length > 0) return troubles.join('; ');
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `Pending: ${unscheduled.message ?? unscheduled.reason ?? 'not scheduled'}`;
  if (phase === 'Running') return 'Running but not Ready (its readiness probe does not pass)';
  return `${phase}${pod.status?.reason ? `: ${pod.status.reason}` : ''}${pod.status?.message ? ` ${pod.status.message}` : ''}`;
}

/** The containers whose logs say something: those that crashed, failed, or run without becoming ready. */
function containersToRead(pod: Pod): { container: string; previous: boolean }[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses
    .filter((s) => !s.state?.waiting || s.state.waiting.reason === 'CrashLoopBackOff' || s.restartCount > 0)
    .filter((s) => !(s.state?.terminated && (s.state.terminated.exitCode ?? 0) === 0))
    .map((s) => ({ container: s.name, previous: s.state?.waiting?.reason === 'CrashLoopBackOff' && s.lastState?.terminated !== undefined }));
}

async function readLogs(kubectl: Kubectl, pod: Pod, namespace: string, lines: number): Promise<ContainerLogs[]> {
  const read = await Promise.all(
    containersToRead(pod).map(async ({ container, previous }) => {
      try {
        const text = await kubectl.logs(pod.metadata.name, { container, tail: lines, previous }, namespace);
        return { container, previous, lines: text.split('\n').filter((line) => line.length > 0) };
      } catch (error) {
        if (error instanceof CommandFailedError) return { container, previous, lines: [], unavailable: error.stderrTail.at(-1) ?? error.summary };
        throw error;
      }
    }),
  );
  return read.filter((logs) => logs.lines.length > 0 || logs.unavailable !== undefined);
}

/**
 * For a failed install: the release's unhealthy pods with their recent events and last log lines, its
 * Pending claims, and hints for the MLflow failures the text points at. Everything comes through the
 * runner, so it is already redacted.
 */
export async function diagnose(kubectl: Kubectl, options: DiagnoseOptions): Promise<Diagnosis> {
  const namespace = options.namespace ?? kubectl.namespace;
  const logLines = options.logLines ?? 20;
  const perObject = options.eventsPerObject ?? 8;
  const [pods, claims, events] = await Promise.all([
    kubectl.pods({ namespace, selector: options.selector }),
    kubectl.persistentVolumeClaims({ namespace, selector: options.selector }),
    kubectl.events({ namespace }),
  ]);
  const unhealthy = pods.filter((pod) => podProblem(pod) !== undefined);
  const podDiagnoses = await Promise.all(
    unhealthy.map(async (pod) => ({
      pod: pod.metadata.name,
      problem: podProblem(pod) ?? '',
      events: eventLines(events, 'Pod', pod.metadata.name, perObject),
      logs: await readLogs(kubectl, pod, namespace, logLines),
    })),
  );
  const refused = refusedOwners(events);
  const pending = claims.filter((claim: PersistentVolumeClaim) => claim.status?.phase !== 'Bound');
  const claimDiagnoses = pending.map((claim) => ({
    claim: claim.metadata.name,
    phase: claim.status?.phase ?? 'Unknown',
    events: eventLines(events, 'PersistentVolumeClaim', claim.metadata.name, perObject),
  }));
  return withHints({ pods: podDiagnoses, refused, claims: claimDiagnoses });
}

const podOwnerKinds = new Set(['ReplicaSet', 'Job', 'StatefulSet', 'DaemonSet']);

/**
 * The controllers of the namespace whose pods could not be created (FailedCreate: Pod Security, a quota, a webhook).
 * Events carry no labels, so these are the namespace's, not only the release's: the installer's namespace is its own.
 * The controller retries with a new pod name each time; the newest refusal says why.
 */
function refusedOwners(events: readonly KubeEvent[]): RefusedDiagnosis[] {
  const owners = new Map<string, { kind: string; name: string }>();
  for (const event of events) {
    const { kind = '', name = '' } = event.involvedObject;
    if (event.reason === 'FailedCreate' && podOwnerKinds.has(kind)) owners.set(`${kind} ${name}`, { kind, name });
  }
  return [...owners.entries()].map(([owner, { kind, name }]) => ({
    owner,
    events: eventLines(events.filter((event) => event.reason === 'FailedCreate'), kind, name, 1),
  }));
}

function withHints(found: Omit<Diagnosis, 'hints'>): Diagnosis {
  const texts = [
    ...found.pods.flatMap((d) => [d.problem, ...d.events, ...d.logs.flatMap((l) => l.lines)]),
    ...(found.refused ?? []).flatMap((r) => r.events),
    ...found.claims.flatMap((c) => [`volume claim ${c.claim} is ${c.phase}`, ...c.events]),
  ];
  // A pod's old FailedScheduling ("unbound immediate PersistentVolumeClaims") is no hint once its claim is Bound.
  const hints = hintsFor(texts).filter((hint) => hint.id !== 'pvc-pending' || found.claims.length > 0);
  return { ...found, hints };
}

export function isEmptyDiagnosis(diagnosis: Diagnosis): boolean {
  return diagnosis.pods.length === 0 && (diagnosis.refused ?? []).length === 0 && diagnosis.claims.length === 0;
}

/** The diagnosis as lines for a terminal or a log. */
export function formatDiagnosis(diagnosis: Diagnosis): string[] {
  const lines: string[] = [];
  for (const pod of diagnosis.pods) {
    lines.push(`pod ${pod.pod}: ${pod.problem}`);
    if (pod.events.length > 0) lines.push('  recent events:', ...pod.events.map((e) => `    ${e}`));
    for (const logs of pod.logs) {
      const which = `${logs.container}${logs.previous ? ' (before its last restart)' : ''}`;
      if (logs.unavailable !== undefined) lines.push(`  no logs of ${which}: ${logs.unavailable}`);
      else lines.push(`  last log lines of ${which}:`, ...logs.lines.map((l) => `    ${l}`));
    }
  }
  for (const refused of diagnosis.refused ?? []) {
    lines.push(`${refused.owner}: could not create its pods`, '  recent events:', ...refused.events.map((e) => `    ${e}`));
  }
  for (const claim of diagnosis.claims) {
    lines.push(`volume claim ${claim.claim}: ${claim.phase}`);
    if (claim.events.length > 0) lines.push('  recent events:', ...claim.events.map((e) => `    ${e}`));
  }
  for (const hint of diagnosis.hints) lines.push(`hint: ${hint.message}`);
  return lines;
}

/** The newer diagnosis, keeping an older read of a container's logs where the newer one could not read them. */
export function mergeDiagnoses(older: Diagnosis | undefined, newer: Diagnosis): Diagnosis {
  if (older === undefined) return newer;
  const pods = newer.pods.map((pod) => {
    const earlier = older.pods.find((candidate) => candidate.pod === pod.pod);
    const logs = pod.logs.map((entry) => {
      const read = earlier?.logs.find((candidate) => candidate.container === entry.container && candidate.unavailable === undefined);
      return entry.unavailable !== undefined && read !== undefined ? read : entry;
    });
    return { ...pod, logs };
  });
  return withHints({ pods, refused: (newer.refused?.length ? newer.refused : older.refused) ?? [], claims: newer.claims });
}

export interface DiagnosisWatch {
  /** Stops watching; the last diagnosis that found something, if any did. */
  stop(): Promise<Diagnosis | undefined>;
}

/**
 * Diagnoses again and again while a step runs. `helm --atomic` / `--rollback-on-failure` deletes the failed
 * pods when it rolls back, so their logs must be read while helm still waits for them.
 */
export function watchDiagnosis(kubectl: Kubectl, options: DiagnoseOptions & { intervalMs?: number }): DiagnosisWatch {
  let last: Diagnosis | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    // The first look waits a tick: a release that is ready at once (most are) is not slowed by looking at it.
    while (!stopped) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.intervalMs ?? 3_000);
      });
      if (stopped) break;
      try {
        const found = await diagnose(kubectl, options);
        if (!isEmptyDiagnosis(found)) last = mergeDiagnoses(last, found);
      } catch {
        // A failed look (the API busy, the namespace not there yet) is retried at the next tick.
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return last;
    },
  };
}
