import { ReportedFailure } from '../errors.js';
import { detectHelmVersion, helmArgs, type SupportedHelmVersion } from '../cluster/helm.js';
import { CommandFailedError, CommandRunner } from '../cluster/runner.js';
import { helmTool, runTool } from '../cluster/tool-errors.js';
import { parseManifests, type Manifest } from './manifests.js';

export interface RenderRequest {
  helm: string;
  chart: string;
  release: string;
  namespace: string;
  valuesFile: string;
}

export interface Rendered {
  manifests: Manifest[];
  version: SupportedHelmVersion;
}

const RENDER_TIMEOUT_MS = 120_000;

/** `helm template` of the chart with the values file (no cluster needed), and the helm version, side by side. */
export async function renderWithHelm(request: RenderRequest, runner: CommandRunner = new CommandRunner()): Promise<Rendered> {
  const args = helmArgs(3).template({
    release: request.release,
    chart: request.chart,
    namespace: request.namespace,
    valuesFiles: [request.valuesFile],
  });
  const [version, rendered] = await Promise.all([
    detectHelmVersion(runner, request.helm),
    runTool(runner, helmTool, { file: request.helm, args, timeoutMs: RENDER_TIMEOUT_MS }).catch((error: unknown) => {
      if (!(error instanceof CommandFailedError)) throw error;
      const detail = error.stderrTail.map((line) => `  ${line}`).join('\n');
      throw new ReportedFailure(`helm template of ${request.chart} failed:\n${detail || `  ${error.summary}`}`);
    }),
  ]);
  return { manifests: parseManifests(rendered.stdout), version };
}
