import { shellLine } from '../../cluster/display.js';
import { noLoginWarning, readPasswordCommand } from '../../answers/auth-secret.js';
import type { Palette } from '../../ui/colors.js';
import type { FoundStatus, MissingStatus, ReleaseStatus } from '../status.js';

const quote = ([file, ...args]: readonly string[]): string => shellLine(file ?? '', args);

/** "2026-11-27 03:01:33 UTC" from helm's RFC 3339 time; the text as given when it is not one. */
export function formatTime(rfc3339: string): string {
  const time = new Date(rfc3339);
  return Number.isNaN(time.getTime()) ? rfc3339 : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, i) => Math.max(max[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('   ').trimEnd());
}

function field(label: string, value: string): string {
  return `${label.padEnd(11)}${value}`;
}

function contextLine(status: ReleaseStatus): string {
  return field('Context', `${status.context.context} (${status.context.server})`);
}

function loginLines(status: FoundStatus, palette: Palette): string[] {
  const { login, release } = status;
  if (!login.required) return [field('Login', palette.warn(`not required: ${noLoginWarning}`))];
  const lines = [field('Login', `required (admin ${login.adminUser ?? 'admin'})`), field('', `export MLFLOW_TRACKING_USERNAME=${login.adminUser ?? 'admin'}`)];
  if (login.secret) {
    lines.push(field('', `export MLFLOW_TRACKING_PASSWORD=$(${readPasswordCommand(login.secret, release.namespace)})`));
  }
  return lines;
}

function formatFound(status: FoundStatus, palette: Palette): string[] {
  const { release } = status;
  const chart = release.chart ? `${release.chart.name} ${release.chart.version}${release.chart.appVersion ? `, MLflow ${release.chart.appVersion}` : ''}` : 'unknown';
  const state = release.state === 'deployed' ? palette.ok(release.state) : palette.fail(release.state);
  const lines = [
    contextLine(status),
    field('Release', `${release.name} in namespace ${release.namespace}, revision ${release.revision}, ${state}${release.deployedAt ? ` ${formatTime(release.deployedAt)}` : ''}`),
    field('Chart', chart),
    field('Backend', `${status.backend.kind}: ${status.backend.where}`),
    field('Artifacts', status.artifacts.where),
    field('URL', status.url.trackingUri),
  ];
  if (status.url.portForward) lines.push(field('', `after: ${palette.code(quote(status.url.portForward))}`));
  lines.push(field('', `export MLFLOW_TRACKING_URI=${status.url.trackingUri}`), ...loginLines(status, palette), '', 'Pods');
  if (status.pods.length === 0) lines.push('  none');
  const podRows = status.pods.map((pod) => [
    pod.name,
    pod.role,
    pod.phase,
    `${pod.readyContainers}/${pod.containers} ready`,
    `${pod.restarts} restart${pod.restarts === 1 ? '' : 's'}`,
  ]);
  lines.push(...table(podRows).map((row) => `  ${row}`));
  if (status.volumes.length > 0) {
    lines.push('', 'Volumes', ...table(status.volumes.map((volume) => [volume.name, volume.phase, volume.storageClass ?? ''])).map((row) => `  ${row}`));
  }
  lines.push('');
  if (status.warnings.length === 0) {
    lines.push(palette.ok('Healthy: the release is deployed and every server pod is Running and Ready.'));
  } else {
    lines.push(palette.warn(`Not healthy (${status.warnings.length} warning${status.warnings.length === 1 ? '' : 's'}):`));
    lines.push(...status.warnings.map((warning) => palette.warn(`  ! ${warning}`)));
    const troubled = status.pods.find((pod) => pod.problem !== undefined);
    if (troubled) {
      const logs = ['kubectl', '--namespace', release.namespace, 'logs', `pod/${troubled.name}`, '--all-containers'];
      lines.push(`See why: ${palette.code(quote(logs))}`);
    }
  }
  return lines;
}

function formatMissing(status: MissingStatus, palette: Palette): string[] {
  const lines = [
    contextLine(status),
    palette.fail(`No release ${status.release.name} in namespace ${status.release.namespace}.`),
  ];
  if (status.elsewhere.length > 0) {
    lines.push(`A release ${status.release.name} is in namespace${status.elsewhere.length > 1 ? 's' : ''} ${status.elsewhere.join(', ')}: pass --namespace to look there.`);
  }
  if (status.keptVolumes.length > 0) {
    lines.push(`Kept from an earlier install: ${status.keptVolumes.map((volume) => `volume claim ${volume.name}`).join(', ')} (installing again reuses it).`);
  }
  lines.push(`Install it: ${palette.code(quote(status.install))}`);
  return lines;
}

export function formatStatus(status: ReleaseStatus, palette: Palette): string {
  return `${(status.found ? formatFound(status, palette) : formatMissing(status, palette)).join('\n')}\n`;
}

export function formatStatusJson(status: ReleaseStatus): string {
  return `${JSON.stringify(status, null, 2)}\n`;
}
