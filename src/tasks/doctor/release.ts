// The release's state and its history: a failed, interrupted or rolled-back revision.
import { shellLine } from '../../cluster/display.js';
import type { HelmRelease, HelmRevision } from '../../cluster/helm.js';
import { installCommand } from '../status.js';
import { formatTime } from '../status/format.js';
import type { LifecycleTarget } from '../status/target.js';
import { finding, type Finding } from './check.js';
import { unread, type DoctorReads } from './reads.js';

const quote = ([file, ...args]: readonly string[]): string => shellLine(file ?? '', args);

/** helm's description on one line: helm 3 lists the errors of a failed hook on lines of their own, with tabs. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function rerun(target: LifecycleTarget): string {
  return `\`${quote(installCommand(target))}\``;
}

/** The state of the release's current revision (pure). */
export function releaseState(release: HelmRelease, target: LifecycleTarget, helmBinary: string): Finding {
  const state = release.info.status;
  const title = 'release';
  const why = release.info.description ? `: ${oneLine(release.info.description)}` : '';
  if (state === 'deployed') {
    const when = release.info.last_deployed ? ` ${formatTime(release.info.last_deployed)}` : '';
    return finding('release', 'release', title, 'pass', `revision ${release.version} deployed${when}`);
  }
  if (state.startsWith('pending-')) {
    return finding(
      'release',
      'release',
      title,
      'fail',
      `revision ${release.version} is ${state}: a helm ${state.slice('pending-'.length)} is running, or was interrupted`,
      `If no install is running, unlock it with \`${helmBinary} rollback ${target.release} --namespace ${target.namespace}\` (to the last deployed revision), then rerun ${rerun(target)}.`,
    );
  }
  if (state === 'failed') {
    return finding('release', 'release', title, 'fail', `revision ${release.version} failed${why}`, `Fix what the message names, then rerun ${rerun(target)}; the pods and events below say more.`);
  }
  return finding('release', 'release', title, 'fail', `revision ${release.version} is ${state}${why}`, `Rerun ${rerun(target)} to bring it back to deployed.`);
}

/** Failed and rolled-back revisions before the current one (pure). */
export function releaseHistory(release: HelmRelease, history: readonly HelmRevision[], target: LifecycleTarget): Finding {
  const title = 'history';
  const earlier = [...history].filter((revision) => revision.revision < release.version).sort((a, b) => a.revision - b.revision);
  const failed = earlier.filter((revision) => revision.status === 'failed');
  const rollback = /^Rollback to (\d+)/.exec(release.info.description ?? '');
  const shown = `${history.length} revision${history.length === 1 ? '' : 's'}`;
  if (failed.length === 0 && rollback === null) return finding('release', 'history', title, 'pass', `${shown}, none failed or rolled back`);
  const last = failed.at(-1);
  const said = [
    ...(last ? [`revision ${last.revision} failed${last.description ? ` (${oneLine(last.description)})` : ''}`] : []),
    ...(failed.length > 1 ? [`${failed.length - 1} earlier failed revision${failed.length > 2 ? 's' : ''} (${failed.slice(0, -1).map((revision) => revision.revision).join(', ')})`] : []),
    ...(rollback ? [`revision ${release.version} is a rollback to revision ${rollback[1]}, so the release runs that revision's values`] : []),
  ];
  return finding(
    'release',
    'history',
    title,
    'warn',
    said.join('; '),
    `The change that failed is not in effect. See \`helm history ${target.release} --namespace ${target.namespace}\`, fix what the failure names, then rerun ${rerun(target)}.`,
  );
}

/** The release check (and, with a release, the history check); without a release, says so and how to install it. */
export async function releaseChecks(reads: DoctorReads): Promise<Finding[]> {
  const { target } = reads;
  const [document, history] = await Promise.all([reads.document(), reads.history()]);
  if (!document.ok) {
    const why = await unread(reads, 'release', 'release', 'release', `release ${target.release}`, document.error);
    const blocked = 'its state, history, saved answers, ingress, login and version are not checked';
    return [{ ...why, saw: why.status === 'skip' ? why.saw : `${why.saw}: ${blocked}` }];
  }
  if (document.value === undefined) {
    return [
      finding(
        'release',
        'release',
        'release',
        'warn',
        `no release ${target.release} in namespace ${target.namespace}: only the checks an install needs ran`,
        `Install it with ${rerun(target)}, or point doctor at the release with --namespace and --release.`,
      ),
    ];
  }
  const helmBinary = target.flags.helm;
  const state = releaseState(document.value.release, target, helmBinary);
  if (!history.ok) return [state, await unread(reads, 'release', 'history', 'history', 'the release history', history.error)];
  return [state, releaseHistory(document.value.release, history.value, target)];
}
