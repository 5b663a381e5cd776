// The installer's short-lived check pod (the database reached from inside the cluster): its manifest, and how
// its status says it ended. Pure: the Kubectl wrapper creates, polls and deletes it.
import type { Pod } from './k8s.js';
import type { CheckPodOptions, CheckPodOutcome } from './kubectl.js';
import type { CommandFailedError } from './runner.js';

export const CHECK_POD_LABEL = { 'app.kubernetes.io/name': 'mlflow-install-check', 'app.kubernetes.io/managed-by': 'mlflow-install' } as const;

/** A pod the "restricted" Pod Security level admits, that runs once, says why it failed, and cleans up after itself. */
export function checkPodManifest(options: CheckPodOptions, namespace: string, timeoutMs: number): object {
  const seconds = Math.ceil(timeoutMs / 1000);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace,
      labels: { ...CHECK_POD_LABEL, 'sidecar.istio.io/inject': 'false' },
      annotations: { 'linkerd.io/inject': 'disabled' },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: seconds,
      automountServiceAccountToken: false,
      ...(options.imagePullSecrets && options.imagePullSecrets.length > 0 ? { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) } : {}),
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'check',
          image: options.image,
          command: [...options.command],
          // A failing command's last output becomes the termination message, which the status carries.
          terminationMessagePolicy: 'FallbackToLogsOnError',
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
        },
      ],
    },
  };
}

const cannotStart = /ImagePull|ErrImage|InvalidImageName|CreateContainerConfigError|CreateContainerError/;

/** How the pod ended, or undefined while it is still on its way. */
export function checkPodEnded(pod: Pod): CheckPodOutcome | undefined {
  const status = pod.status;
  const container = status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  if (terminated && (status?.phase === 'Succeeded' || status?.phase === 'Failed')) {
    return { ran: true, exitCode: terminated.exitCode ?? (status.phase === 'Succeeded' ? 0 : 1), message: lastLine(terminated.message) };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && cannotStart.test(waiting.reason)) {
    return { ran: false, reason: `its container cannot start: ${waiting.reason}${waiting.message ? ` (${lastLine(waiting.message)})` : ''}` };
  }
  if (status?.phase === 'Failed') return { ran: false, reason: `the pod failed before its command ran: ${status.reason ?? 'no reason given'}${status.message ? ` (${status.message})` : ''}` };
  return undefined;
}

/** Where a pod that did not finish in time got to, in a few words. */
export function podProgress(pod: Pod): string {
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason) return `its container is waiting: ${waiting.reason}`;
  const unscheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled' && condition.status !== 'True');
  if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no node fits'}`;
  return `phase ${pod.status?.phase ?? 'unknown'}`;
}

/** Why the API server refused the pod, in its own words (e.g. the Pod Security level it violates). */
export function refusal(error: CommandFailedError): string {
  const line = error.stderrTail.find((text) => /Error from server|forbidden|denied|violates/i.test(text)) ?? error.stderrTail.at(-1) ?? error.summary;
  // A policy's refusal reads 'The pods "x" is invalid: : ValidatingAdmissionPolicy ...'.
  return line.replace(/^Error from server( \(\w+\))?: (error when creating "STDIN": )?/, '').replace(/^The (\w+ "[^"]*" is invalid): : /, '$1: ');
}

function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').filter(Boolean).at(-1) ?? '';
}
