/**
 * MLflow versions (pure): which ones the chart can run, how two compare, and the image tag of one.
 * The floor is 3.5.0: the chart always starts the server with --allowed-hosts (and --cors-allowed-origins,
 * --x-frame-options), the security middleware MLflow added in 3.5.0; an older server refuses those flags.
 */
export const minimumMlflowVersion = '3.5.0';

export type Version = readonly [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const match = /^(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Negative when a is older than b, 0 when equal, positive when newer; both must parse. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) throw new Error(`not MLflow versions: ${a}, ${b}`);
  for (let index = 0; index < 3; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** A release MLflow publishes an image for (vX.Y.Z-full) that the chart's server command can run. */
export function isSupportedMlflowVersion(text: string): boolean {
  return parseVersion(text) !== undefined && compareVersions(text, minimumMlflowVersion) >= 0;
}

/** The tag of the official image for a version: the -full variant carries every backend's driver. */
export function imageTagFor(version: string): string {
  return `v${version}-full`;
}

/** "3.16.1" from an image tag (v3.16.1-full) or a reference (ghcr.io/mlflow/mlflow:v3.16.1-full), or undefined. */
export function mlflowVersionOfImage(image: string): string | undefined {
  const tag = image.includes(':') ? /:([^:/@]+)(?:@.*)?$/.exec(image)?.[1] : image;
  return tag === undefined ? undefined : /^v?(\d+\.\d+\.\d+)(?:$|[-.+])/.exec(tag)?.[1];
}
