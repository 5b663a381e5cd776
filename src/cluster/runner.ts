import { closeSync, openSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { CancelledError } from '../errors.js';
import { formatDuration } from './duration.js';
import { shellLine, shortCommand, tailLines } from './display.js';
import { Redactor } from './redact.js';
import { spawnChild, type SpawnOutcome } from './spawn.js';
import type { SharedReads } from './shared-reads.js';

export type OutputStream = 'stdout' | 'stderr';

/** What the runner reports to a verbose log. Every string in it has been redacted. */
export type RunnerEvent =
  | { type: 'start'; command: string }
  | { type: 'output'; command: string; stream: OutputStream; line: string }
  | { type: 'end'; command: string; outcome: 'ok' | 'failed' | 'timeout' | 'cancelled'; exitCode?: number; durationMs: number };

export interface RunnerOptions {
  /** The secrets known to this run; a fresh, empty one when omitted. */
  redactor?: Redactor;
  /** Aborted on Ctrl-C: the running child is stopped and every later run() refuses to start. */
  signal?: AbortSignal;
  defaultTimeoutMs?: number;
  /** Verbose log hook. */
  log?: (event: RunnerEvent) => void;
  /** The environment children start from (process.env when omitted). */
  env?: NodeJS.ProcessEnv;
  /** How long a child that ignores SIGTERM gets before SIGKILL. */
  killGraceMs?: number;
  /** Answers to read-only requests marked `shared`, common to the runners of one run. */
  sharedReads?: SharedReads;
}

export interface RunRequest {
  file: string;
  args: readonly string[];
  /** Written to the child's stdin: the only way a secret may reach a command. */
  input?: string;
  timeoutMs?: number;
  /** Exit codes that are an answer rather than a failure (`kubectl auth can-i` says "no" with 1). */
  acceptExitCodes?: readonly number[];
  /** Each redacted output line as it arrives, e.g. for a task's live output. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** A read-only request whose answer other runners of the run may reuse (see SharedReads). */
  shared?: boolean;
  /**
   * stdout goes, as bytes, into this new file (created 0600; an existing one is refused) instead of being kept:
   * for output that is data, not text (a database dump). The result's stdout is then empty.
   */
  stdoutFile?: string;
}

export interface RunResult {
  /** The command line as shown to people: shell-quoted and redacted. */
  command: string;
  exitCode: number;
  /** Redacted, like everything the runner returns. */
  stdout: string;
  stderr: string;
  durationMs: number;
}

const STDERR_TAIL_LINES = 20;
export const DEFAULT_TIMEOUT_MS = 60_000;

/** A command ran and failed: exit code, the tail of its stderr and a one-line summary, all redacted. */
export class CommandFailedError extends Error {
  override readonly name: string = 'CommandFailedError';
  constructor(
    readonly summary: string,
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: readonly string[],
    readonly stdout: string,
  ) {
    super(summary);
  }
}

/** A command ran past its timeout and was stopped. */
export class CommandTimeoutError extends CommandFailedError {
  override readonly name = 'CommandTimeoutError';
  constructor(
    summary: string,
    command: string,
    stderrTail: readonly string[],
    stdout: string,
    readonly timeoutMs: number,
  ) {
    super(summary, command, undefined, stderrTail, stdout);
  }
}

/** The binary does not exist or cannot be executed. */
export class CommandNotFoundError extends Error {
  override readonly name = 'CommandNotFoundError';
  constructor(
    readonly file: string,
    readonly reason: 'missing' | 'not-executable',
  ) {
    super(reason === 'missing' ? `${file}: not found` : `${file}: not executable`);
  }
}

/** Cancelled (Ctrl-C) while a command ran, or before it could start. Exit 130. */
export class CommandCancelledError extends CancelledError {
  constructor(readonly command: string, message: string) {
    super(message);
  }
}

/** A secret was about to go on a command line; nothing ran. */
export class SecretInArgumentsError extends Error {
  override readonly name = 'SecretInArgumentsError';
}

/** Calls onLine for each finished line of a byte stream, and for the unterminated last one at its end. */
function forEachLine(stream: Readable | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  const decoder = new StringDecoder('utf8');
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
    }
  });
  stream.on('end', () => {
    pending += decoder.end();
    if (pending.length > 0) onLine(pending);
  });
}

/** The one way this program runs helm, kubectl and anything else. */
export class CommandRunner {
  readonly redactor: Redactor;
  readonly signal: AbortSignal | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly log: ((event: RunnerEvent) => void) | undefined;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly killGraceMs: number;
  private readonly sharedReads: SharedReads | undefined;

  constructor(options: RunnerOptions = {}) {
    this.redactor = options.redactor ?? new Redactor();
    this.signal = options.signal;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log;
    this.baseEnv = options.env ?? process.env;
    this.killGraceMs = options.killGraceMs ?? 3_000;
    this.sharedReads = options.sharedReads;
  }

  /** The command line as it may be shown: shell-quoted, redacted. */
  display(file: string, args: readonly string[]): string {
    return this.redactor.redact(shellLine(file, args));
  }

  run(request: RunRequest): Promise<RunResult> {
    if (!request.shared || this.sharedReads === undefined || request.onLine !== undefined) return this.runOwn(request);
    const key = JSON.stringify([request.file, request.args, request.input ?? '', request.env ?? {}, this.baseEnv.KUBECONFIG ?? '']);
    return this.sharedReads.get(key, () => this.runOwn(request));
  }

  private async runOwn(request: RunRequest): Promise<RunResult> {
    const command = this.display(request.file, request.args);
    const name = this.redactor.redact(shortCommand(request.file, request.args));
    this.refuseSecretsInArguments(request, name);
    if (this.signal?.aborted) throw new CommandCancelledError(command, `cancelled before ${name} could start`);

    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    // Created here, empty and 0600, so that the child's writes land in a file only this user can read.
    if (request.stdoutFile !== undefined) closeSync(openSync(request.stdoutFile, 'wx', 0o600));
    this.log?.({ type: 'start', command: request.stdoutFile === undefined ? command : `${command} > ${shellLine(request.stdoutFile, [])}` });
    const streams = this.log !== undefined || request.onLine !== undefined;
    const outcome = await spawnChild(request.file, request.args, {
      env: this.childEnv(request.env),
      input: request.input ?? '',
      timeoutMs,
      signal: this.signal,
      killGraceMs: this.killGraceMs,
      maxBufferBytes: 64 * 1024 * 1024,
      ...(request.stdoutFile === undefined ? {} : { stdoutFile: request.stdoutFile }),
      ...(streams
        ? {
            onStreams: (children: { stdout: Readable | null; stderr: Readable | null }) => {
              for (const stream of ['stdout', 'stderr'] as const) {
                forEachLine(children[stream], (raw) => {
                  const line = this.redactor.redact(raw);
                  request.onLine?.(line, stream);
                  this.log?.({ type: 'output', command, stream, line });
                });
              }
            },
          }
        : {}),
    });
    return this.settle(request, outcome, command, name, timeoutMs);
  }

  private settle(request: RunRequest, outcome: SpawnOutcome, command: string, name: string, timeoutMs: number): RunResult {
    const stdout = this.redactor.redact(outcome.stdout);
    const stderr = this.redactor.redact(outcome.stderr);
    const stderrTail = tailLines(stderr, STDERR_TAIL_LINES);
    const durationMs = outcome.durationMs;
    const end = (result: 'ok' | 'failed' | 'timeout' | 'cancelled') =>
      this.log?.({ type: 'end', command, outcome: result, exitCode: outcome.exitCode, durationMs });

    if (outcome.code === 'ENOENT' || outcome.code === 'EACCES') {
      end('failed');
      throw new CommandNotFoundError(request.file, outcome.code === 'ENOENT' ? 'missing' : 'not-executable');
    }
    if (outcome.isCanceled) {
      end('cancelled');
      throw new CommandCancelledError(command, `cancelled: ${name} was stopped`);
    }
    if (outcome.timedOut) {
      end('timeout');
      const summary = `${name} timed out after ${formatDuration(timeoutMs)} and was stopped`;
      throw new CommandTimeoutError(summary, command, stderrTail, stdout, timeoutMs);
    }
    const exitCode = outcome.exitCode;
    if (exitCode === undefined) {
      end('failed');
      const why = outcome.signal !== undefined ? `was killed by ${outcome.signal}` : 'could not run';
      const detail = this.redactor.redact(outcome.message ?? '');
      throw new CommandFailedError(`${name} ${why}${detail ? `: ${firstLine(detail)}` : ''}`, command, undefined, stderrTail, stdout);
    }
    if (exitCode !== 0 && !(request.acceptExitCodes ?? []).includes(exitCode)) {
      end('failed');
      const reason = stderrTail.at(-1) ?? tailLines(stdout, 1)[0] ?? 'no output';
      throw new CommandFailedError(`${name} failed (exit ${exitCode}): ${reason.trim()}`, command, exitCode, stderrTail, stdout);
    }
    end('ok');
    return { command, exitCode, stdout, stderr, durationMs };
  }

  private refuseSecretsInArguments(request: RunRequest, name: string): void {
    const index = request.args.findIndex((arg) => this.redactor.reveals(arg));
    if (index >= 0) {
      throw new SecretInArgumentsError(`refusing to run ${name}: argument ${index + 1} holds a secret (secrets go on stdin only)`);
    }
    if (this.redactor.reveals(request.file)) throw new SecretInArgumentsError('refusing to run a command whose path holds a secret');
  }

  /** The environment without any variable that carries a known secret (such as MLFLOW_DB_PASSWORD). */
  private childEnv(extra: Record<string, string> | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...this.baseEnv, ...extra })) {
      if (value !== undefined && !this.redactor.reveals(value)) env[key] = value;
    }
    return env;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
