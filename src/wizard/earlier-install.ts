import { clusterUidKey, savedAnswersLabel } from '../answers/saved.js';
import { releaseVersions, schemaOwner } from '../plan/upgrade.js';
import type { ResolvedAnswers } from '../answers/resolve.js';
import { UsageError } from '../errors.js';
import { awaitLookup, type WizardIO } from './ask.js';
import type { EarlierInstall } from './lookups.js';
import { compareSavedCluster, otherClusterMessage } from './saved-cluster.js';
import { currentAnswers, type WizardState } from './state.js';

export type SavedAnswersInput = NonNullable<EarlierInstall['savedAnswers']>;

/** The sources again, with (or without) the answers an earlier run saved. Throws a UsageError on bad saved answers. */
export type Reresolve = (saved: SavedAnswersInput | undefined) => ResolvedAnswers;

function describeRelease(found: EarlierInstall['release'], release: string, namespace: string): string {
  return found
    ? `An earlier install of release ${release} is in namespace ${namespace} (revision ${found.revision}, ${found.status}): installing again upgrades it.`
    : `No release ${release} in namespace ${namespace} yet: this is a new install.`;
}

/**
 * Once the release and namespace are known: whether an earlier install is there, and its saved answers as the
 * defaults of the questions still to come. Saved answers from another cluster are reused only if the person says so.
 */
export async function checkEarlierInstall(io: WizardIO, state: WizardState, reresolve: Reresolve): Promise<void> {
  const { release, namespace } = currentAnswers(state);
  delete state.releaseVersion;
  const lookup = await awaitLookup(io, 'an earlier install', () => io.lookups.earlierInstall(release, namespace));
  if (lookup.state !== 'done') {
    const reason = lookup.state === 'failed' ? lookup.reason : 'the cluster did not answer in time';
    io.say(io.palette.warn(`  Could not look for an earlier install of ${release} in ${namespace}: ${reason}. The defaults are the usual ones.`));
    state.base = reresolve(undefined);
    return;
  }
  io.say(`  ${describeRelease(lookup.value.release, release, namespace)}`);
  const saved = lookup.value.savedAnswers;
  if (saved === undefined) {
    state.base = reresolve(undefined);
    return;
  }
  const where = savedAnswersLabel(saved.location);
  const clusterUid = await awaitLookup(io, "the cluster's identity", () => io.lookups.clusterUid());
  const match = compareSavedCluster(saved.data[clusterUidKey], clusterUid.state === 'done' ? clusterUid.value : undefined);
  if (match.kind === 'other') {
    io.say(io.palette.warn(`  Careful: ${otherClusterMessage(where, match)}.`));
    state.toldOtherCluster = true;
    const reuse = await io.prompter.confirm({ message: 'Reuse those answers as the defaults here anyway?', default: false });
    if (!reuse) {
      state.base = reresolve(undefined);
      return;
    }
  }
  const owner = schemaOwner(releaseVersions({ releaseExists: lookup.value.release !== undefined, savedAnswers: saved }));
  if (owner) state.releaseVersion = owner.version;
  try {
    state.base = reresolve(saved);
    io.say(`  Its saved answers (ConfigMap ${saved.location.namespace}/${saved.location.name}) are the defaults below.`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.say(io.palette.warn(`  The saved answers cannot be used (${error.message}); the defaults are the usual ones.`));
    state.base = reresolve(undefined);
  }
}
