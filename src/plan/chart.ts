import { fileURLToPath } from 'node:url';

/** The chart shipped in the package (charts/mlflow beside src/ and dist/). */
export const bundledChartDir = fileURLToPath(new URL('../../charts/mlflow', import.meta.url));

/** The chart's `mlflow.fullname`: the release name when it contains "mlflow", else "<release>-mlflow". */
export function chartFullname(release: string): string {
  const name = release.includes('mlflow') ? release : `${release}-mlflow`;
  return name.slice(0, 63).replace(/-+$/, '');
}
