import type { ColorContext, Palette } from '../ui/colors.js';

/**
 * The palette of the first frame, without chalk: loading chalk alone costs a tenth of the time to the first
 * question. Same rules and the same SGR codes as ui/colors.ts (a test compares the two), so the screen drawn
 * ahead and the one drawn later look the same.
 */
export function frameColorsEnabled({ color, env, isTTY }: ColorContext): boolean {
  if (!color) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

function sgr(open: number, close: number, enabled: boolean): (text: string) => string {
  return enabled ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function framePalette(context: ColorContext): Palette {
  const enabled = frameColorsEnabled(context);
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
