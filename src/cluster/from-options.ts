import type { GlobalOptions } from '../options.js';
import { Helm, type KubeAccess } from './helm.js';
import { Kubectl } from './kubectl.js';
import type { CommandRunner } from './runner.js';

type ClusterFlags = Pick<GlobalOptions, 'context' | 'kubeconfig' | 'helm' | 'kubectl'>;

/** --context and --kubeconfig, as given (absent means kubectl's and helm's own defaults). */
export function kubeAccessFrom(options: ClusterFlags): KubeAccess {
  return {
    ...(options.context ? { context: options.context } : {}),
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
  };
}

/** kubectl as --kubectl, --context and --kubeconfig say, aimed at the namespace. */
export function kubectlFrom(runner: CommandRunner, options: ClusterFlags, namespace: string): Kubectl {
  return new Kubectl(runner, { binary: options.kubectl, namespace, ...kubeAccessFrom(options) });
}

/** helm as --helm says, after checking its version; throws ToolNotFoundError or UnsupportedHelmError. */
export function helmFrom(runner: CommandRunner, options: ClusterFlags): Promise<Helm> {
  return Helm.detect(runner, { binary: options.helm, kube: kubeAccessFrom(options) });
}
