// Doctor's report, pure: the checks grouped by area as lines for a terminal, or as one JSON document.
import type { ClusterIdentity } from '../../cluster/kubectl.js';
import type { Palette } from '../../ui/colors.js';
import { areaTitles, doctorAreas, type DoctorCheck, type DoctorStatus } from './check.js';

export interface DoctorReport {
  release: { name: string; namespace: string; found: boolean };
  context?: ClusterIdentity;
  checks: DoctorCheck[];
  /** The whole run, from the first check started to the last result. */
  durationMs: number;
}

export const READ_ONLY_NOTE = 'Read-only: doctor changes nothing in the cluster (the short-lived pod that tries the database from inside it is removed after).';

export function failed(report: DoctorReport): boolean {
  return report.checks.some((check) => check.status === 'fail');
}

export function counts(checks: readonly DoctorCheck[]): Record<DoctorStatus, number> {
  const tally: Record<DoctorStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) tally[check.status] += 1;
  return tally;
}

const marks: Record<DoctorStatus, string> = { pass: '✔', warn: '!', fail: '✖', skip: '-' };

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function checkLines(check: DoctorCheck, palette: Palette): string[] {
  const paint = check.status === 'pass' ? palette.ok : check.status === 'warn' ? palette.warn : check.status === 'fail' ? palette.fail : palette.dim;
  const lines = [`  ${paint(marks[check.status])} ${check.title}: ${check.saw}`];
  if (check.fix !== undefined && (check.status === 'warn' || check.status === 'fail')) lines.push(`      Fix: ${check.fix}`);
  return lines;
}

export function summaryLine(report: DoctorReport): string {
  const tally = counts(report.checks);
  const parts = [`${tally.pass} passed`, plural(tally.warn, 'warning'), `${tally.fail} failed`, ...(tally.skip > 0 ? [`${tally.skip} not checked`] : [])];
  return `${failed(report) ? 'Problems found' : 'Nothing failed'}: ${parts.join(', ')} (${(report.durationMs / 1000).toFixed(1)} s).`;
}

export function formatDoctor(report: DoctorReport, palette: Palette): string {
  const where = `release ${report.release.name} in namespace ${report.release.namespace}`;
  const through = report.context ? `, context ${report.context.context} (${report.context.server})` : '';
  const lines = [palette.bold(`mlflow-install doctor: ${where}${through}`), palette.dim(READ_ONLY_NOTE)];
  for (const area of doctorAreas) {
    const inArea = report.checks.filter((check) => check.area === area);
    if (inArea.length === 0) continue;
    lines.push('', palette.bold(areaTitles[area]), ...inArea.flatMap((check) => checkLines(check, palette)));
  }
  lines.push('', (failed(report) ? palette.fail : palette.ok)(summaryLine(report)));
  return `${lines.join('\n')}\n`;
}

/** The same report as one JSON document; each check keeps its area, so a reader can group it the same way. */
export function doctorJson(report: DoctorReport): string {
  const document = {
    ok: !failed(report),
    readOnly: true,
    release: report.release,
    ...(report.context ? { context: report.context } : {}),
    summary: counts(report.checks),
    durationMs: report.durationMs,
    checks: report.checks.map(({ id, area, title, status, saw, fix, durationMs }) => ({ id, area, title, status, saw, ...(fix === undefined ? {} : { fix }), durationMs })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The checks in the order the report prints them: by area, then as they were defined. */
export function orderChecks(checks: readonly DoctorCheck[]): DoctorCheck[] {
  return doctorAreas.flatMap((area) => checks.filter((check) => check.area === area));
}
