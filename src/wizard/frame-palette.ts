import { colorsEnabled, type ColorContext } from '../ui/color-rules.js';
import type { Palette } from '../ui/colors.js';

/**
 * The palette of the first frame, without chalk: loading chalk alone costs a tenth of the time to the first
 * question. The same rule (ui/color-rules.ts) and the same SGR codes as ui/colors.ts (a test compares the
 * two), so the screen drawn ahead and the one drawn later look the same.
 */
function sgr(open: number, close: number, enabled: boolean): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function framePalette(context: ColorContext): Palette {
  const enabled = colorsEnabled(context);
  return {
    ok: sgr(32, 39, enabled),
    warn: sgr(33, 39, enabled),
    fail: sgr(31, 39, enabled),
    dim: sgr(2, 22, enabled),
    bold: sgr(1, 22, enabled),
    code: sgr(36, 39, enabled),
    enabled,
  };
}
