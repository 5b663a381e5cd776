import type { Palette } from '../ui/colors.js';
import type { KubeIdentity } from './kubeconfig.js';

export interface WelcomeFacts {
  identity: KubeIdentity;
  preset?: { name: string; description: string };
  /** How many answers --set, --release, --namespace and the preset already gave. */
  givenCount: number;
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
  if (facts.preset) lines.push(`  Preset        ${facts.preset.name}: ${facts.preset.description}`);
  if (facts.givenCount > 0) lines.push(`  ${facts.givenCount} answer${facts.givenCount === 1 ? ' is' : 's are'} already given by flags or the preset; those questions are skipped.`);
  lines.push(
    '',
    palette.dim('  Each question shows its default: press enter to take it. Nothing changes in the cluster before you'),
    palette.dim('  confirm the summary at the end; Ctrl-C cancels at any question.'),
  );
  return lines;
}
