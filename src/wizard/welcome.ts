import type { Palette } from '../ui/colors.js';
import type { KubeIdentity } from './kubeconfig.js';

export interface WelcomeFacts {
  identity: KubeIdentity;
  /** --preset as given. */
  preset?: string;
  /** Whether --set, --release, --namespace or a preset answer some questions. */
  given: boolean;
}

/** One screen: what this is, which cluster it talks to, and that nothing changes before the last question. */
export function welcomeLines(facts: WelcomeFacts, palette: Palette): string[] {
  const lines = [palette.bold('mlflow-install: MLflow on your Kubernetes cluster, in a few questions'), ''];
  if (facts.identity.found) {
    lines.push(`  Kube context  ${palette.bold(facts.identity.context)}`, `  API server    ${facts.identity.server}`);
  } else {
    lines.push(
      palette.warn(`  No kube context: ${facts.identity.reason}.`),
      '  The questions still work; what the cluster would list (StorageClasses, IngressClasses) is typed instead.',
    );
  }
  if (facts.preset) lines.push(`  Preset        ${facts.preset}`);
  if (facts.given) lines.push('  What the preset and the flags answer is not asked again.');
  lines.push(
    '',
    palette.dim('  Each question shows its default: press enter to take it. Nothing changes in the cluster before you'),
    palette.dim('  confirm the summary at the end; Ctrl-C cancels at any question.'),
  );
  return lines;
}
