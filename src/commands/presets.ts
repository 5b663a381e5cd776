import { UsageError } from '../errors.js';
import type { GlobalOptions } from '../options.js';

export async function run(_options: GlobalOptions): Promise<number> {
  throw new UsageError('`presets` is not built yet in this version');
}
