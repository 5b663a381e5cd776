// The MLflow the server runs (the image tag of its pods) against the chart's appVersion.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartOfRevision } from '../../cluster/helm.js';
import type { Pod } from '../../cluster/k8s.js';
import { compareVersions, isSupportedMlflowVersion, mlflowVersionOfImage } from '../../answers/mlflow-version.js';
import { savedAnswersName, schemaVersionKey } from '../../answers/saved.js';
import { bundledChartDir } from '../../plan/chart.js';
import { savedMlflowVersion } from '../../plan/upgrade.js';
import { summarizePod } from '../status/pods.js';
import { finding, type Finding } from './check.js';
import { readableRelease, type DoctorReads } from './reads.js';

function serverImages(pods: readonly Pod[]): string[] {
  const images = pods
    .filter((pod) => summarizePod(pod).role === 'server')
    .flatMap((pod) => (pod.spec?.containers ?? []).filter((container) => container.name === 'mlflow' || pod.spec?.containers.length === 1).map((container) => container.image ?? ''));
  return [...new Set(images.filter(Boolean))];
}

/** What the release should run: the saved answers' mlflow.version, else its chart's appVersion. */
export interface WantedVersion {
  version: string;
  from: 'answers' | 'chart';
}

/** The version finding (pure): what the server's pods run against what the release asks for. */
export function versionFinding(images: readonly string[], wanted: WantedVersion | undefined, bundledAppVersion: string | undefined): Finding {
  const title = 'server version';
  if (images.length === 0) return finding('version', 'mlflow-version', title, 'skip', 'no server pod to read the image of');
  const versions = [...new Set(images.map(mlflowVersionOfImage))];
  const shownImages = images.join(', ');
  if (versions.includes(undefined)) {
    return finding('version', 'mlflow-version', title, 'warn', `the image ${shownImages} names no MLflow version in its tag, so the version cannot be told`, 'Use an image tagged with its MLflow version (e.g. v3.16.1-full), so that an upgrade knows which schema it migrates from.');
  }
  if (versions.length > 1) {
    return finding('version', 'mlflow-version', title, 'warn', `server pods run different MLflow versions (${shownImages}): a rollout is in progress or stuck`, 'Wait for the rollout, or see the Deployment: `kubectl rollout status deployment/NAME`.');
  }
  const running = versions[0] ?? '';
  const against = wanted?.version ?? bundledAppVersion;
  const upgradable = bundledAppVersion && bundledAppVersion !== running;
  const newer = upgradable ? `; this mlflow-install ships MLflow ${bundledAppVersion} (\`--set mlflow.version=${bundledAppVersion}\` upgrades, migrating the database first)` : '';
  if (against === undefined || against === running) {
    const why = wanted?.from === 'answers' ? ', the mlflow.version of the saved answers' : against ? ", the chart's appVersion" : '';
    return finding('version', 'mlflow-version', title, 'pass', `MLflow ${running} (${shownImages})${why}${newer}`);
  }
  const asked = wanted?.from === 'answers' ? `the saved answers ask for ${against} (mlflow.version)` : `the chart's appVersion is ${against}`;
  return finding(
    'version',
    'mlflow-version',
    title,
    'warn',
    `MLflow ${running} (${shownImages}), but ${asked}: the image was set outside mlflow-install`,
    `Rerun the install (\`--set mlflow.version=VERSION\` picks the version) to run the version the answers name; its migration runs before the new server starts.`,
  );
}

/**
 * Where the database schema stands (pure): the version that last migrated it, as the install recorded it, against
 * the one the server runs. A server refuses a schema newer than its own, so a newer record means pods that cannot start.
 */
export function schemaFinding(recorded: string | undefined, running: string | undefined, configMap: string): Finding {
  const title = 'database schema';
  if (running === undefined) return finding('version', 'schema', title, 'skip', 'no server version to compare the schema with');
  if (recorded === undefined) {
    return finding('version', 'schema', title, 'skip', `no schema version is recorded (${schemaVersionKey} in ConfigMap ${configMap}): the release was not installed by this mlflow-install, or its first install did not finish`);
  }
  const where = `${schemaVersionKey} in ConfigMap ${configMap}`;
  const order = compareVersions(recorded, running);
  if (order === 0) return finding('version', 'schema', title, 'pass', `the database schema belongs to MLflow ${recorded} (${where}), the version the server runs`);
  if (order > 0) {
    return finding(
      'version',
      'schema',
      title,
      'fail',
      `the database schema belongs to MLflow ${recorded} (${where}), newer than the server's ${running}: MLflow refuses a schema newer than its own, so its pods will not start (a \`helm rollback\` past the migration does this)`,
      `Rerun the upgrade (\`--set mlflow.version=${recorded}\`) to run the version the schema belongs to, or restore the backup taken before the migration into a new database to go back.`,
    );
  }
  return finding(
    'version',
    'schema',
    title,
    'warn',
    `the database schema is recorded as MLflow ${recorded}'s (${where}), but the server runs ${running}: the version changed outside mlflow-install, and a later downgrade check reads the older record`,
    `Rerun the install with \`--set mlflow.version=${running}\`: it changes nothing that is in place and records ${running}.`,
  );
}

let bundled: string | undefined | null = null;

function bundledAppVersion(): string | undefined {
  if (bundled === null) {
    try {
      const chart = parse(readFileSync(join(bundledChartDir, 'Chart.yaml'), 'utf8')) as { appVersion?: unknown };
      bundled = typeof chart.appVersion === 'string' ? chart.appVersion : undefined;
    } catch {
      bundled = undefined;
    }
  }
  return bundled;
}

export async function versionChecks(reads: DoctorReads): Promise<Finding[]> {
  const [release, pods, history, saved] = await Promise.all([readableRelease(reads), reads.pods(), reads.history(), reads.savedAnswers()]);
  if (release === undefined || !pods.ok) return [];
  const current = history.ok ? history.value.find((revision) => revision.revision === release.release.version) : undefined;
  const chart = release.release.chart?.metadata ?? chartOfRevision(current?.chart, current?.app_version);
  const fromAnswers = saved.ok && saved.value?.data ? savedMlflowVersion(saved.value.data) : undefined;
  const wanted: WantedVersion | undefined = fromAnswers ? { version: fromAnswers, from: 'answers' } : chart?.appVersion ? { version: chart.appVersion, from: 'chart' } : undefined;
  const images = serverImages(pods.value);
  const versions = [...new Set(images.map(mlflowVersionOfImage))];
  const running = versions.length === 1 ? versions[0] : undefined;
  const recordedText = saved.ok ? saved.value?.data?.[schemaVersionKey] : undefined;
  const recorded = recordedText && isSupportedMlflowVersion(recordedText) ? recordedText : undefined;
  const configMap = `${reads.target.namespace}/${savedAnswersName(reads.target.release)}`;
  return [versionFinding(images, wanted, bundledAppVersion()), schemaFinding(recorded, running, configMap)];
}
