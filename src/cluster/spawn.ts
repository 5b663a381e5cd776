// One child process run to its end, with node's own child_process: the runner's only way to start one. (execa did
// this before; it cost about 70 ms of module loading on every command, before the first read could start.)
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface SpawnOptions {
  env: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input: string;
  timeoutMs: number;
  /** Aborted: the child is stopped (SIGTERM, then SIGKILL after killGraceMs). */
  signal: AbortSignal | undefined;
  killGraceMs: number;
  /** Kept output, stdout and stderr together, beyond which the child is stopped. */
  maxBufferBytes: number;
  /** stdout goes into this existing file as bytes, and is not kept. */
  stdoutFile?: string;
  /** Each stream, as it is, for reading lines while the child runs. */
  onStreams?: (streams: { stdout: Readable | null; stderr: Readable | null }) => void;
}

export interface SpawnOutcome {
  /** Undefined when the child did not exit by itself (a signal) or never started. */
  exitCode?: number;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  isCanceled: boolean;
  /** The system's code when the child could not start (ENOENT, EACCES). */
  code?: string;
  /** Why it did not run or was stopped, in a few words. */
  message?: string;
  durationMs: number;
}

export function spawnChild(file: string, args: readonly string[], options: SpawnOptions): Promise<SpawnOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
    const child = spawn(file, [...args], { env: options.env, stdio: ['pipe', stdoutFd ?? 'pipe', 'pipe'] });
    // The child holds its own copy of the descriptor.
    if (stdoutFd !== undefined) closeSync(stdoutFd);
    const kept: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    let keptBytes = 0;
    let timedOut = false;
    let isCanceled = false;
    let message: string | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    let settled = false;

    const stop = (why: string): void => {
      if (forceKill !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      message ??= why;
      child.kill('SIGTERM');
      forceKill = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop(`timed out after ${options.timeoutMs} ms`);
    }, options.timeoutMs);
    const onAbort = (): void => {
      isCanceled = true;
      stop('cancelled');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    for (const name of ['stdout', 'stderr'] as const) {
      child[name]?.on('data', (chunk: Buffer) => {
        keptBytes += chunk.length;
        if (keptBytes > options.maxBufferBytes) stop(`its output passed ${options.maxBufferBytes} bytes`);
        else kept[name].push(chunk);
      });
    }
    options.onStreams?.({ stdout: child.stdout, stderr: child.stderr });
    // A child that exits without reading its stdin makes the write fail (EPIPE): its exit says what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, code?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        ...(exitCode === null || code !== undefined ? {} : { exitCode }),
        ...(signal === null ? {} : { signal }),
        ...(code === undefined ? {} : { code }),
        ...(message === undefined ? {} : { message }),
        stdout: Buffer.concat(kept.stdout).toString('utf8'),
        stderr: Buffer.concat(kept.stderr).toString('utf8'),
        timedOut,
        isCanceled,
        durationMs: Math.round(performance.now() - started),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // It never started (no such file, not executable): there will be no exit to wait for.
      if (child.pid === undefined) {
        message = error.message;
        finish(null, null, error.code ?? 'ESPAWN');
      }
    });
    child.on('close', (exitCode, signal) => finish(exitCode, signal));
  });
}
