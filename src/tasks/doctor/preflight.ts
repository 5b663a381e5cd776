// Every check the install runs before it changes anything, for the answers saved with the release (or the
// defaults when there are none): the tools, the access, and what the cluster offers.
import { resolveAnswers, type ResolvedAnswers } from '../../answers/resolve.js';
import { savedAnswersName } from '../../answers/saved.js';
import { startPreflight, type CheckResult } from '../preflight.js';
import { preflightInput } from '../install/preflight-input.js';
import { timed, type DoctorArea, type DoctorCheck } from './check.js';
import type { DoctorReads } from './reads.js';

const toolChecks: readonly CheckResult['id'][] = ['kubectl', 'helm', 'context', 'api', 'permissions'];

export function areaOfPreflight(id: CheckResult['id']): DoctorArea {
  return toolChecks.includes(id) ? 'tools' : 'cluster';
}

/** The answers the release was installed with, when they were saved and parse; else the defaults for its names. */
export async function installAnswers(reads: DoctorReads): Promise<ResolvedAnswers> {
  const { release, namespace } = reads.target;
  const names = { release, namespace };
  const saved = await reads.savedAnswers();
  if (saved.ok && saved.value !== undefined) {
    try {
      return resolveAnswers({ ...names, savedAnswers: { data: saved.value.data ?? {}, location: { namespace, name: savedAnswersName(release) } } });
    } catch {
      // The saved-answers check says what is wrong with them; the preflight checks the defaults meanwhile.
    }
  }
  return resolveAnswers(names);
}

export async function preflightChecks(reads: DoctorReads, startedAt: number): Promise<DoctorCheck[]> {
  const answers = (await installAnswers(reads)).answers;
  // The database is tried where the live release says it is: the database group runs that check.
  const { database: _database, ...input } = preflightInput(answers);
  const started = startPreflight({ runner: reads.runner, kubectl: reads.kubectl, helmBinary: reads.target.flags.helm, kube: reads.target.kube }, input);
  const results = await Promise.all(
    started.checks.map(({ check, result }) =>
      timed(startedAt, areaOfPreflight(check.id), check.id, check.title, async () => {
        const found = await result;
        return { id: found.id, area: areaOfPreflight(found.id), title: found.title, status: found.status, saw: found.detail, ...(found.fix === undefined ? {} : { fix: found.fix }) };
      }),
    ),
  );
  return results.flat();
}
