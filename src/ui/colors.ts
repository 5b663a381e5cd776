import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorContext {
  /** false after --no-color */
  color: boolean;
  env: NodeJS.ProcessEnv;
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

export interface Palette {
  ok: (text: string) => string;
  warn: (text: string) => string;
  fail: (text: string) => string;
  dim: (text: string) => string;
  bold: (text: string) => string;
  code: (text: string) => string;
  enabled: boolean;
}

export function createPalette(enabled: boolean): Palette {
  const chalk: ChalkInstance = new Chalk({ level: enabled ? 1 : 0 });
  return {
    ok: (text) => chalk.green(text),
    warn: (text) => chalk.yellow(text),
    fail: (text) => chalk.red(text),
    dim: (text) => chalk.dim(text),
    bold: (text) => chalk.bold(text),
    code: (text) => chalk.cyan(text),
    enabled,
  };
}

export function paletteFor(options: { color: boolean }, stream: { isTTY?: boolean } = process.stdout): Palette {
  return createPalette(colorsEnabled({ color: options.color, env: process.env, isTTY: stream.isTTY === true }));
}
