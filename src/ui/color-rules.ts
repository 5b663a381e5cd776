/** When to colour (no chalk here: the wizard's first frame loads this before anything heavy). */
export interface ColorContext {
  /** false after --no-color */
  color: boolean;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
}

/** Colours only on a terminal that can show them: off with --no-color, NO_COLOR, TERM=dumb or no TTY. */
export function colorsEnabled({ color, env, isTTY }: ColorContext): boolean {
  if (!color) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
