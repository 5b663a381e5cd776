// Start the chart's tracking server container locally and wait until it serves /health.
import type { LocalPod, Prepared } from './pod.js';
import { freePort, waitForHttp, type Proc } from './procs.js';

export interface RunningServer {
  proc: Proc;
  port: number;
  prepared: Prepared;
}

/** The server container: the one named `mlflow`, or the pod's only container. */
export function serverContainerName(pod: LocalPod): string {
  const containers = pod.spec.containers;
  if (containers.some((c) => c.name === 'mlflow')) return 'mlflow';
  if (containers.length === 1 && containers[0]) return containers[0].name;
  throw new Error(`${pod.name}: no container named mlflow among ${containers.map((c) => c.name).join(', ')}`);
}

export async function startServer(pod: LocalPod, timeoutMs = 120_000): Promise<RunningServer> {
  const port = await freePort();
  const { proc, prepared } = pod.start(serverContainerName(pod), { listenPort: port });
  await waitForHttp(proc, port, '/health', timeoutMs);
  return { proc, port, prepared };
}
