import { Chalk, type ChalkInstance } from 'chalk';
import { colorsEnabled } from './color-rules.js';

export { colorsEnabled, type ColorContext } from './color-rules.js';

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
