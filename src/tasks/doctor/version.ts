// The MLflow the server runs (the image tag of its pods) against the chart's appVersion.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartOfRevision } from '../../cluster/helm.js';
import type { Pod } from '../../cluster/k8s.js';
import { bundledChartDir } from '../../plan/chart.js';
import { summarizePod } from '../status/pods.js';
import { finding, type Finding } from './check.js';
import { readableRelease, type DoctorReads } from './reads.js';

/** "3.16.1" from an image reference's tag (ghcr.io/mlflow/mlflow:v3.16.1-full), or undefined (pure). */
export function mlflowVersionOfImage(image: string): string | undefined {
  const tag = /:([^:/@]+)(?:@.*)?$/.exec(image)?.[1];
  return tag === undefined ? undefined : /^v?(\d+\.\d+\.\d+)(?:$|[-.+])/.exec(tag)?.[1];
}

function serverImages(pods: readonly Pod[]): string[] {
  const images = pods
    .filter((pod) => summarizePod(pod).role === 'server')
    .flatMap((pod) => (pod.spec?.containers ?? []).filter((container) => container.name === 'mlflow' || pod.spec?.containers.length === 1).map((container) => container.image ?? ''));
  return [...new Set(images.filter(Boolean))];
}

/** The version finding (pure): what the server's pods run against the appVersion of the release's chart. */
export function versionFinding(images: readonly string[], chartAppVersion: string | undefined, bundledAppVersion: string | undefined): Finding {
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
  const against = chartAppVersion ?? bundledAppVersion;
  const newer = bundledAppVersion && bundledAppVersion !== running ? `; this mlflow-install ships MLflow ${bundledAppVersion}` : '';
  if (against === undefined || against === running) {
    return finding('version', 'mlflow-version', title, 'pass', `MLflow ${running} (${shownImages})${against ? ', the chart\'s appVersion' : ''}${newer}`);
  }
  return finding(
    'version',
    'mlflow-version',
    title,
    'warn',
    `MLflow ${running} (${shownImages}), but the chart's appVersion is ${against}: image.tag was set to another version`,
    `An image other than the chart's runs untested with its templates; rerun the install without an image.tag override to run ${against} (its pre-upgrade Job migrates the database first).`,
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
  const [release, pods, history] = await Promise.all([readableRelease(reads), reads.pods(), reads.history()]);
  if (release === undefined || !pods.ok) return [];
  const current = history.ok ? history.value.find((revision) => revision.revision === release.release.version) : undefined;
  const chart = release.release.chart?.metadata ?? chartOfRevision(current?.chart, current?.app_version);
  return [versionFinding(serverImages(pods.value), chart?.appVersion, bundledAppVersion())];
}
