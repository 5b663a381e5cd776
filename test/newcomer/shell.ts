import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs one command line through sh, as a person types it into a shell, and times it. */
export function sh(command: string, options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<ShellResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code === null) reject(new Error(`\`${command}\` was ended by ${signal ?? 'a signal'} after ${seconds.toFixed(0)} s\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr, seconds });
    });
  });
}

/**
 * The environment of a person's shell: this process's, without what `npm test` and vitest add (npm_* settings,
 * node_modules/.bin folders on PATH, NODE_ENV, VITEST*) or a database password; with `extraPath` first on PATH.
 */
export function personEnv(extraPath: readonly string[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|VITEST|MLFLOW_DB_)/i.test(key) || ['NODE_ENV', 'INIT_CWD', 'NODE_OPTIONS'].includes(key)) continue;
    env[key] = value;
  }
  const path = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && !dir.split('/').includes('node_modules'));
  return { ...env, PATH: [...extraPath, ...path].join(delimiter), ...extra };
}

