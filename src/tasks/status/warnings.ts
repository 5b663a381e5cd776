import type { HelmRelease, HelmRevision } from '../../cluster/helm.js';
import type { PodSummary, VolumeSummary } from './pods.js';

/** What makes a release unhealthy, each in one line: `status` exits 1 when there is any. */
export function releaseWarnings(release: HelmRelease, history: readonly HelmRevision[]): string[] {
  const state = release.info.status;
  const why = release.info.description ? `: ${release.info.description}` : '';
  if (state === 'failed') return [`the last install or upgrade (revision ${release.version}) failed${why}`];
  if (state.startsWith('pending-')) {
    return [`the release is ${state}: an ${state.slice('pending-'.length)} is running, or was interrupted (then rerun the install to finish it)`];
  }
  if (state !== 'deployed') return [`the release is ${state}${why}`];
  return rolledBackUpgrade(release, history);
}

/** A deployed revision that is a rollback right after a failed one: the upgrade did not take. */
function rolledBackUpgrade(release: HelmRelease, history: readonly HelmRevision[]): string[] {
  const rollback = /^Rollback to (\d+)/.exec(release.info.description ?? '');
  if (rollback === null) return [];
  const failed = [...history].filter((revision) => revision.revision < release.version).sort((a, b) => b.revision - a.revision)[0];
  if (failed === undefined || failed.status !== 'failed') return [];
  const why = failed.description ? ` (${failed.description})` : '';
  return [`the last upgrade (revision ${failed.revision}) failed${why} and was rolled back to revision ${rollback[1]}`];
}

export function podWarnings(pods: readonly PodSummary[]): string[] {
  const warnings = pods.filter((pod) => pod.problem !== undefined).map((pod) => `pod ${pod.name} (${pod.role}): ${pod.problem}`);
  if (!pods.some((pod) => pod.role === 'server')) warnings.push('no tracking server pod is there');
  return warnings;
}

export function volumeWarnings(volumes: readonly VolumeSummary[]): string[] {
  return volumes
    .filter((volume) => volume.phase !== 'Bound')
    .map((volume) => `volume claim ${volume.name} is ${volume.phase}${volume.phase === 'Pending' ? ': no volume was provisioned for it yet (is there a usable StorageClass?)' : ''}`);
}
