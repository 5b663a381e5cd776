import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, toolSet } from '../helpers/tools.js';

const execFileAsync = promisify(execFile);
const bin = join(repoRoot, 'bin', 'mlflow-install.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/ is newer than src/, and the help text bin/ answers `--help` from was written after it (scripts/build-help.mjs). */
function isBuilt(): boolean {
  try {
    const built = statSync(join(repoRoot, 'dist', 'cli.js')).mtimeMs;
    return built >= newestMtime(join(repoRoot, 'src')) && statSync(join(repoRoot, 'dist', 'help.txt')).mtimeMs >= built;
  } catch {
    return false;
  }
}

/** What `npm run build` runs: tsc, then the help text from the built CLI. */
function build(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build-help.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}

/** `npm run build` when dist/ (or its help text) is older than src/; test files running side by side build once, under a lock. */
export async function ensureBuilt(): Promise<void> {
  const lock = join(repoRoot, '.cache', 'build.lock');
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  for (let attempt = 0; !isBuilt(); attempt += 1) {
    try {
      mkdirSync(lock);
    } catch {
      if (attempt > 600) throw new Error(`${lock} held for more than a minute: remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      if (!isBuilt()) build();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a run: helm 3 first on PATH, and no password variable inherited from the test's shell. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MLFLOW_DB_') && key !== 'CI') env[key] = value;
  }
  const helmDir = join(toolSet(3).helm, '..');
  return { ...env, PATH: `${helmDir}:${env.PATH ?? ''}`, NO_COLOR: '1', ...extra };
}

/** Runs the built CLI with piped stdio (not a terminal). */
export async function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? scratchDir(),
      env: options.env ?? cliEnv(),
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'mlflow-install-cli-'));
}
