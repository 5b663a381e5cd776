// The answers the installer saved with the release against the values the release runs with: drift.
import { resolveAnswers } from '../../answers/resolve.js';
import { savedAnswersName } from '../../answers/saved.js';
import { toChartValues } from '../../answers/to-values.js';
import { diffValues, type ValueChange } from '../../plan/diff.js';
import { installCommand } from '../status.js';
import { shellLine } from '../../cluster/display.js';
import type { LifecycleTarget } from '../status/target.js';
import { finding, reasonOf, type Finding } from './check.js';
import { readableRelease, unread, type DoctorReads } from './reads.js';

const SHOWN_CHANGES = 4;

/** A leaf that could hold a credential (the seed's password-in-values): its value is never shown. */
function hidden(key: string): boolean {
  return /(^|\.)(\w*[pP]assword|\w*[tT]oken)$/.test(key);
}

function show(key: string, value: unknown): string {
  if (value === undefined) return '(unset)';
  return hidden(key) ? '(hidden)' : JSON.stringify(value);
}

/** The differences in one line: "key: saved -> live, ..." (pure). */
export function describeDrift(changes: readonly ValueChange[]): string {
  const listed = changes.slice(0, SHOWN_CHANGES).map((change) => `${change.key}: ${show(change.key, change.before)} saved, ${show(change.key, change.after)} live`);
  const more = changes.length > SHOWN_CHANGES ? `, and ${changes.length - SHOWN_CHANGES} more` : '';
  return `${listed.join('; ')}${more}`;
}

/** Saved answers (the ConfigMap's data) against the live values (pure); throws a UsageError for answers that do not parse. */
export function driftFinding(data: Readonly<Record<string, string>>, live: Record<string, unknown>, target: LifecycleTarget): Finding {
  const name = savedAnswersName(target.release);
  const resolved = resolveAnswers({ release: target.release, namespace: target.namespace, savedAnswers: { data, location: { namespace: target.namespace, name } } });
  const changes = diffValues(toChartValues(resolved.answers), live);
  const title = 'saved answers';
  if (changes.length === 0) return finding('release', 'drift', title, 'pass', `the live values are those of the answers saved in ConfigMap ${name}`);
  const rerun = shellLine('npx', installCommand(target).slice(1));
  return finding(
    'release',
    'drift',
    title,
    'warn',
    `${changes.length} live value${changes.length === 1 ? ' differs' : 's differ'} from the answers saved in ConfigMap ${name} (changed outside mlflow-install, e.g. helm upgrade --set): ${describeDrift(changes)}`,
    `The next \`${rerun}\` puts the saved answers back: to keep a change, give it to the install as an answer (--set); \`${rerun} --dry-run\` shows the values it would set.`,
  );
}

export async function answersChecks(reads: DoctorReads): Promise<Finding[]> {
  const release = await readableRelease(reads);
  if (release === undefined) return [];
  const saved = await reads.savedAnswers();
  const title = 'saved answers';
  if (!saved.ok) return [await unread(reads, 'release', 'drift', title, `ConfigMap ${savedAnswersName(reads.target.release)} (the saved answers)`, saved.error)];
  if (saved.value === undefined) {
    return [
      finding(
        'release',
        'drift',
        title,
        'warn',
        `no ConfigMap ${savedAnswersName(reads.target.release)}: the release was not installed by mlflow-install (or its answers were deleted), so drift cannot be checked`,
        'Run the install once (`npx mlflow-install` with the same --namespace and --release): it saves the answers it installs with.',
      ),
    ];
  }
  try {
    return [driftFinding(saved.value.data ?? {}, release.values, reads.target)];
  } catch (error) {
    return [finding('release', 'drift', title, 'fail', reasonOf(error), `Delete ConfigMap ${savedAnswersName(reads.target.release)} and rerun the install to save the answers afresh.`)];
  }
}
