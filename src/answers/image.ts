/**
 * The chart's default server image (charts/mlflow/values.yaml `image`; a test keeps the two equal). The
 * installer's own pods use it too, so that a cluster that can run the server needs no second registry.
 */
export const chartImage = { repository: 'ghcr.io/mlflow/mlflow', tag: 'v3.16.1-full' } as const;

export function imageReference(image: { repository: string; tag: string } = chartImage): string {
  return `${image.repository}:${image.tag}`;
}
