// Doctor's checks, all started at once; reads they have in common run once (SharedReads, and the memoized
// reads of DoctorReads). The report comes when the last one is in.
import { answersChecks } from './answers.js';
import { timed, type DoctorArea, type DoctorCheck, type Finding } from './check.js';
import { databaseChecks } from './database.js';
import { ingressChecks } from './ingress.js';
import { loginChecks } from './login.js';
import { podChecks } from './pods.js';
import { preflightChecks } from './preflight.js';
import type { DoctorReads } from './reads.js';
import { releaseChecks } from './release.js';
import { orderChecks, type DoctorReport } from './report.js';
import { storageChecks } from './storage.js';
import { versionChecks } from './version.js';

const groups: { area: DoctorArea; id: string; title: string; run: (reads: DoctorReads) => Promise<Finding[]> }[] = [
  { area: 'release', id: 'release', title: 'release', run: releaseChecks },
  { area: 'release', id: 'drift', title: 'saved answers', run: answersChecks },
  { area: 'pods', id: 'pods', title: 'pods', run: podChecks },
  { area: 'storage', id: 'claims', title: 'volume claims', run: storageChecks },
  { area: 'database', id: 'database', title: 'database', run: databaseChecks },
  { area: 'ingress', id: 'ingress', title: 'ingress', run: ingressChecks },
  { area: 'login', id: 'login', title: 'login', run: loginChecks },
  { area: 'version', id: 'mlflow-version', title: 'server version', run: versionChecks },
];

/** Runs every check on reads already started (startReads) at `startedAt`, from which each check is timed. */
export async function runDoctor(reads: DoctorReads, startedAt: number): Promise<DoctorReport> {
  const { target } = reads;
  const identity = reads.kubectl.identity().catch(() => undefined);
  const running = [preflightChecks(reads, startedAt), ...groups.map((group) => timed(startedAt, group.area, group.id, group.title, () => group.run(reads)))];
  const checks: DoctorCheck[] = (await Promise.all(running)).flat();
  const document = await reads.document();
  const context = await identity;
  return {
    release: { name: target.release, namespace: target.namespace, found: document.ok && document.value !== undefined },
    ...(context ? { context } : {}),
    checks: orderChecks(checks),
    durationMs: Math.round(performance.now() - startedAt),
  };
}
