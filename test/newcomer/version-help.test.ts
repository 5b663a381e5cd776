import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import { spawnInPty } from '../helpers/pty.js';
import { repoRoot } from '../helpers/tools.js';

// bin/mlflow-install.js answers `--version` and `--help` without loading the CLI (bench/version-help.mjs measures
// it): what it prints must stay what commander prints, in a pipe and in a terminal of any width.

const bin = join(repoRoot, 'bin', 'mlflow-install.js');
const dist = new URL('../../dist/cli.js', import.meta.url).href;

/** What the CLI's own parser prints for the arguments (commander, not the shortcut in bin/). */
function commanderSays(args: string[]): Promise<string> {
  const script = `const { main } = await import(${JSON.stringify(dist)}); process.exitCode = await main(['node', 'mlflow-install', ...${JSON.stringify(args)}]);`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

function binSays(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** The screen of a terminal `cols` wide after the program ran there. */
async function screenOf(file: string, args: string[], cols: number): Promise<string> {
  const session = spawnInPty(file, args, { cwd: repoRoot, cols, rows: 80 });
  expect((await session.exited).exitCode).toBe(0);
  await session.waitFor('Exit codes');
  return session.screen();
}

beforeAll(ensureBuilt, 300_000);

describe('--version and --help answered by bin/ alone', () => {
  it('the help text the build wrote is the one commander prints', async () => {
    const help = await commanderSays(['--help']);
    expect(help).toContain('Usage: mlflow-install [options] [command]');
    expect(readFileSync(join(repoRoot, 'dist', 'help.txt'), 'utf8')).toBe(help);
    expect(await binSays(['--help'])).toBe(help);
    expect(await binSays(['-h'])).toBe(help);
  });

  it('the version is the one commander prints, from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await commanderSays(['--version'])).toBe(`${version}\n`);
    expect(await binSays(['--version'])).toBe(`${version}\n`);
    expect(await binSays(['-v'])).toBe(`${version}\n`);
  });

  it('in a terminal, wide or narrow, commander prints the same help: its width is fixed', async () => {
    const script = `const { main } = await import(${JSON.stringify(dist)}); process.exitCode = await main(['node', 'mlflow-install', '--help']);`;
    for (const cols of [200, 100]) {
      const fromCommander = await screenOf(process.execPath, ['--input-type=module', '-e', script], cols);
      expect(await screenOf(process.execPath, [bin, '--help'], cols)).toBe(fromCommander);
    }
  }, 60_000);
});
