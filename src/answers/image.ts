/**
 * The chart's default server image and its MLflow version (charts/mlflow/values.yaml `image`, Chart.yaml
 * `appVersion`; a test keeps them equal). The installer's own pods use the image too, so that a cluster that can
 * run the server needs no second registry.
 */
export const chartAppVersion = '3.16.1';
export const chartImage = { repository: 'ghcr.io/mlflow/mlflow', tag: `v${chartAppVersion}-full` } as const;

export function imageReference(image: { repository: string; tag: string } = chartImage): string {
  return `${image.repository}:${image.tag}`;
}
