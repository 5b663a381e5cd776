import { listPresets } from '../answers/presets.js';
import { ExitCode } from '../errors.js';
import type { GlobalOptions } from '../options.js';

/** `mlflow-install presets`: each shipped preset with its one-line description (`--json` for machines). */
export async function run(options: GlobalOptions): Promise<number> {
  const presets = listPresets();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(presets, null, 2)}\n`);
    return ExitCode.ok;
  }
  const width = Math.max(...presets.map((preset) => preset.name.length));
  const lines = presets.map((preset) => `  ${preset.name.padEnd(width)}  ${preset.description}`);
  process.stdout.write(['Presets (use one with --preset NAME; --preset also takes a file path):', ...lines, ''].join('\n'));
  return ExitCode.ok;
}
