// The Pod Security check: would the namespace's admission let the release's pods in? A namespace the installer
// creates enforces "restricted", which the chart's pods satisfy; an existing one is left as it is, so its
// level is read from its labels and the rendered pods are dry-run there (the API server's own answer).
import type { Namespace } from '../../cluster/k8s.js';
import type { Kubectl } from '../../cluster/kubectl.js';
import { podSecurityLabelPrefix } from '../../answers/labels.js';
import { enforcedLevel, releasePods } from '../../cluster/pod-security.js';
import type { Manifest } from '../../plan/manifests.js';
import type { PreflightCheck } from '../preflight.js';
import { readable, result } from './check-kit.js';

const id = 'pod-security';
const title = 'Pod Security';

type Lookup = { value: Namespace | undefined } | { refused: string };

function levelOf(namespace: string, lookup: Lookup): string {
  if ('refused' in lookup) return `namespace ${namespace} (its labels could not be read: not allowed to ${lookup.refused})`;
  const enforced = lookup.value && enforcedLevel(lookup.value);
  if (enforced === undefined) return `namespace ${namespace} sets no Pod Security level (the cluster's default applies)`;
  return `namespace ${namespace} enforces "${enforced.level}"${enforced.version ? ` (version ${enforced.version})` : ''}`;
}

function pods(count: number): string {
  return count === 1 ? 'pod' : 'pods';
}

export function podSecurityCheck(
  kubectl: Kubectl,
  namespace: string,
  namespaceLookup: () => Promise<Namespace | undefined>,
  rendered: Promise<readonly Manifest[] | undefined>,
): PreflightCheck {
  return {
    id,
    title,
    needsCluster: true,
    async run() {
      const lookup = await readable(namespaceLookup);
      if ('value' in lookup && lookup.value === undefined) {
        return result(id, title, 'pass', `namespace ${namespace} will be created enforcing "restricted" (${podSecurityLabelPrefix}/enforce, warn and audit), which the chart's pods satisfy`);
      }
      const manifests = await rendered;
      if (manifests === undefined) return result(id, title, 'skip', 'not checked: the chart did not render (see chart)');
      const level = levelOf(namespace, lookup);
      const candidates = releasePods(manifests, namespace);
      const answer = await readable(() => kubectl.dryRunPods(candidates, namespace));
      if ('refused' in answer) {
        return result(
          id,
          title,
          'warn',
          `${level}: whether it admits the release's pods is not known: the dry run was refused (not allowed to ${answer.refused})`,
          'The pods meet the namespace\'s Pod Security level when helm creates them; if it refuses one, the install stops there naming the pod.',
        );
      }
      const { admitted, refused, unanswered } = answer.value;
      if (refused.length > 0) {
        return result(
          id,
          title,
          'warn',
          `${level}: it would refuse ${refused.length} of the release's ${candidates.length} ${pods(candidates.length)}:${refused.map((pod) => `\n      - ${pod.owner}: ${pod.reason}`).join('')}`,
          `helm would create ${refused.length === 1 ? 'this pod' : 'these pods'} and the API server refuse ${refused.length === 1 ? 'it' : 'them'}, so the install would fail. Fix what each reason names (the chart given with --chart, or its values), or ask the admins of ${namespace} for a level that admits ${refused.length === 1 ? 'it' : 'them'}.`,
        );
      }
      if (unanswered.length > 0) {
        return result(
          id,
          title,
          'warn',
          `${level}: could not dry-run ${unanswered.length} of the release's pods (${unanswered.join(', ')}): ${answer.value.problem ?? 'kubectl said nothing of them'}`,
          'Whether the namespace admits them is known only when helm creates them; if it refuses one, the install stops there naming the pod.',
        );
      }
      return result(id, title, 'pass', `${level}: it admits all ${admitted.length} of the release's ${pods(admitted.length)} (${admitted.join(', ')})`);
    },
  };
}
