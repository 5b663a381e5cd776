// Rendering the chart for the real-server tests, with the real helm (4 when it runs here, else 3).
import type { Manifest } from '../helpers/render.js';
import { renderChart } from '../helpers/render.js';
import { toolSet, type ToolSet } from '../helpers/tools.js';
import type { Container } from './pod.js';
import { podSpecOf } from './pod.js';

let tools: ToolSet | undefined;

export function helmTools(): ToolSet {
  if (tools) return tools;
  const four = toolSet(4);
  const three = toolSet(3);
  const usable = four.unavailable === undefined ? four : three;
  if (usable.unavailable !== undefined) throw new Error(`no helm can run here: ${four.unavailable}; ${three.unavailable}`);
  tools = usable;
  return usable;
}

/** Why no helm can render here, or undefined. */
export function helmUnavailable(): string | undefined {
  try {
    helmTools();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface Rendered {
  manifests: Manifest[];
  /** The raw `helm template` output, to assert what is (not) in it. */
  text: string;
}

export async function render(values: unknown, options: { withTests?: boolean } = {}): Promise<Rendered> {
  // REAL_CHART renders another copy of the chart (to try a fix out of tree); default: charts/mlflow.
  const chart = process.env.REAL_CHART;
  const result = await renderChart(helmTools(), values, { withTests: options.withTests ?? false, ...(chart ? { chart } : {}) });
  if (!result.ok) throw new Error(`helm template failed:\n${result.stderr}`);
  return { manifests: result.manifests, text: result.stdout };
}

export function deploymentOf(manifests: Manifest[]): Manifest {
  const found = manifests.filter((m) => m.kind === 'Deployment');
  if (found.length !== 1) throw new Error(`expected one Deployment in the render, found ${found.length}`);
  return found[0] as Manifest;
}

function hasCommandWords(container: Container, ...words: string[]): boolean {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  return words.every((word) => argv.includes(word));
}

/** The Job that runs `mlflow db upgrade` (the migration hook), or undefined when the chart renders none. */
export function migrationJobOf(manifests: Manifest[]): Manifest | undefined {
  const found = manifests.filter((m) => m.kind === 'Job' && podSpecOf(m).containers.some((c) => hasCommandWords(c, 'db', 'upgrade')));
  if (found.length > 1) throw new Error(`more than one Job runs \`mlflow db upgrade\`: ${found.map((m) => m.metadata.name).join(', ')}`);
  return found[0];
}

/** The Job of the Aurora flow that creates the database and user, or undefined. */
export function createDatabaseJobOf(manifests: Manifest[]): Manifest | undefined {
  const found = manifests.filter((m) => m.kind === 'Job' && podSpecOf(m).containers.some((c) => hasCommandWords(c, 'create-database')));
  if (found.length > 1) throw new Error(`more than one create-database Job: ${found.map((m) => m.metadata.name).join(', ')}`);
  return found[0];
}

/** The name of the Job's main container (its only one). */
export function mainContainerOf(workload: Manifest): string {
  const containers = podSpecOf(workload).containers;
  if (containers.length !== 1) throw new Error(`${workload.kind}/${workload.metadata.name} has ${containers.length} containers, expected 1`);
  return (containers[0] as Container).name;
}
