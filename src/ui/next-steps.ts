import { shellLine } from '../cluster/display.js';

const quoteArgs = ([file, ...args]: readonly string[]): string => shellLine(file ?? '', args);

export interface ReachInfo {
  release: string;
  namespace: string;
  /** The Service the chart creates (the chart's fullname). */
  serviceName: string;
  servicePort: number;
  ingressHost?: string;
  tls?: boolean;
  context?: string;
}

export interface NextSteps {
  trackingUri: string;
  portForward?: string[];
  lines: string[];
}

/** How to reach the server and what to do next: pure, so the pipeline, status and the tests share it. */
export function nextSteps(info: ReachInfo): NextSteps {
  const contextArgs = info.context ? ['--context', info.context] : [];
  const namespaceArgs = ['--namespace', info.namespace];
  const lines: string[] = [];
  let trackingUri: string;
  let portForward: string[] | undefined;
  if (info.ingressHost) {
    trackingUri = `http${info.tls ? 's' : ''}://${info.ingressHost}`;
    lines.push(`Open ${trackingUri} (once DNS for ${info.ingressHost} points at the ingress controller).`);
  } else {
    portForward = ['kubectl', ...contextArgs, ...namespaceArgs, 'port-forward', `service/${info.serviceName}`, `${info.servicePort}:${info.servicePort}`];
    trackingUri = `http://localhost:${info.servicePort}`;
    lines.push('Reach the server from this machine:', `  ${quoteArgs(portForward)}`);
  }
  lines.push(
    'Point MLflow clients at it:',
    `  export MLFLOW_TRACKING_URI=${trackingUri}`,
    'Later:',
    `  ${quoteArgs(['npx', 'mlflow-install', ...namespaceArgs, '--release', info.release])}   change an answer (reruns are safe)`,
    `  ${quoteArgs(['npx', 'mlflow-install', 'status', ...namespaceArgs, '--release', info.release])}   release, pods and URL`,
    `  ${quoteArgs(['npx', 'mlflow-install', 'uninstall', ...namespaceArgs, '--release', info.release])}   remove it (tracking data is kept)`,
  );
  return portForward ? { trackingUri, portForward, lines } : { trackingUri, lines };
}
