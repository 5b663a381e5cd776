// Local processes for the real-server tests: each in its own process group (so its children go with
// it), output captured, stopped by group; a registry so an afterEach can stop whatever a test started,
// and a last-resort SIGKILL of every group still alive when the worker exits.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';

const secrets = new Set<string>();

/** A value never to be shown in test output: it and its URL-encoded forms are masked by redact(). */
export function registerSecret(value: string): void {
  if (value.length === 0) return;
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  // Python's urllib.parse.quote(value, safe=""): also encodes !'()*
  secrets.add(encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
}

export function redact(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('<redacted>');
  return out;
}

export function tailOf(text: string, lines = 40): string {
  return redact(text.trim().split('\n').slice(-lines).join('\n'));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  env: Record<string, string>;
  cwd?: string;
  /** The signal that asks this program to stop quickly (postgres: SIGINT, its "fast" shutdown). */
  stopSignal?: NodeJS.Signals;
  /** Written to its standard input, which is then closed (secrets go this way, never in argv). */
  stdin?: string;
}

const MAX_OUTPUT = 4 * 1024 * 1024;
/** REAL_TRACE=1 logs how long each process ran (to find where the suite's time goes). */
const trace = process.env.REAL_TRACE === '1';

export class Proc {
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private out = '';
  private stopping: Promise<void> | undefined;
  private readonly pgid: number;
  private readonly startedAt = Date.now();

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: string[],
    private readonly options: StartOptions,
  ) {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
    const append = (chunk: Buffer): void => {
      this.out += chunk.toString('utf8');
      if (this.out.length > MAX_OUTPUT) this.out = this.out.slice(-MAX_OUTPUT);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<Exit>((resolve) => {
      child.on('error', (error) => {
        append(Buffer.from(`\n[test/real] cannot start ${command}: ${error.message}\n`));
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        if (trace) process.stderr.write(`[trace] ${((Date.now() - this.startedAt) / 1000).toFixed(1)}s ${this.name}: exit ${code ?? signal}\n`);
        resolve(this.exit);
      });
    });
    if (child.pid === undefined) {
      this.pgid = 0;
    } else {
      this.pgid = child.pid;
      live.add(this);
      void this.exited.then(() => {
        // The leader is gone; nothing of its group may outlive it (uvicorn workers, postgres backends).
        killGroup(this.pgid, 'SIGKILL');
        live.delete(this);
      });
    }
  }

  get pid(): number {
    return this.pgid;
  }

  /** Everything it printed (stdout and stderr interleaved as they came), secrets masked. */
  output(): string {
    return redact(this.out);
  }

  /** The raw output, for assertions that a secret is absent: never print it. */
  rawOutput(): string {
    return this.out;
  }

  running(): boolean {
    return this.exit === undefined && this.pgid !== 0;
  }

  describe(): string {
    const state = this.exit === undefined ? 'still running' : `exited with ${this.exit.code ?? this.exit.signal}`;
    return `${this.name} (${state}); last output:\n${tailOf(this.out)}`;
  }

  /** Ask the group to stop, then SIGKILL it after graceMs. Idempotent. */
  stop(graceMs = 5_000): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (this.pgid === 0) return;
      if (this.exit === undefined) {
        if (trace) process.stderr.write(`[trace] stopping ${this.name}\n`);
        killGroup(this.pgid, this.options.stopSignal ?? 'SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        if ((await Promise.race([this.exited, timer])) === 'timeout') killGroup(this.pgid, 'SIGKILL');
        await this.exited;
      }
      killGroup(this.pgid, 'SIGKILL');
    })();
    return this.stopping;
  }

  /** Wait for the exit, at most timeoutMs (then stop it and fail, saying what was awaited). */
  async wait(timeoutMs: number): Promise<Exit> {
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const result = await Promise.race([this.exited, timer]);
    if (result === 'timeout') {
      await this.stop();
      throw new Error(`waited ${timeoutMs / 1000}s for ${this.name} to exit; it did not, so it was killed. ${this.describe()}`);
    }
    return result;
  }
}

const live = new Set<Proc>();

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 0) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

process.on('exit', () => {
  for (const proc of live) killGroup(proc.pid, 'SIGKILL');
});

export function startProcess(name: string, command: string, args: string[], options: StartOptions): Proc {
  return new Proc(name, command, args, options);
}

/** Stop every process started by this worker that is still running (for afterEach/afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.stop()));
}

/** Run to completion, with a bounded time. */
export async function runProcess(name: string, command: string, args: string[], options: StartOptions & { timeoutMs: number }): Promise<{ exit: Exit; output: string; raw: string }> {
  const proc = startProcess(name, command, args, options);
  const exit = await proc.wait(options.timeoutMs);
  return { exit, output: proc.output(), raw: proc.rawOutput() };
}

/** Run to completion and fail, with its redacted output, unless it exits 0. */
export async function runOk(name: string, command: string, args: string[], options: StartOptions & { timeoutMs: number }): Promise<string> {
  const result = await runProcess(name, command, args, options);
  if (result.exit.code !== 0) {
    throw new Error(`${name} exited with ${result.exit.code ?? result.exit.signal}:\n${tailOf(result.raw)}`);
  }
  return result.raw;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to 127.0.0.1 only, with any Host header (fetch will not send a custom one). */
export function httpRequest(port: number, path: string, options: { method?: string; host?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    // No keep-alive: an idle pooled connection would hold the server's graceful shutdown open.
    const headers: Record<string, string> = { Connection: 'close', ...(options.headers ?? {}) };
    if (options.host !== undefined) headers.Host = options.host;
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: false, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from 127.0.0.1:${port}${path} within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll GET path until it answers 200; fail early if the process exits, and say what was awaited. */
export async function waitForHttp(proc: Proc, port: number, path: string, timeoutMs: number): Promise<HttpResponse> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!proc.running()) {
      throw new Error(`${proc.name} exited before GET http://127.0.0.1:${port}${path} answered 200 (last: ${last}). ${proc.describe()}`);
    }
    try {
      const response = await httpRequest(port, path, { timeoutMs: 5_000 });
      if (response.status === 200) return response;
      last = `HTTP ${response.status}: ${redact(response.body.slice(0, 200))}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`waited ${timeoutMs / 1000}s for GET http://127.0.0.1:${port}${path} to answer 200 (last: ${last}). ${proc.describe()}`);
}

/** Processes of a group, from /proc: pid, parent and command line. */
export function groupProcesses(pgid: number): { pid: number; ppid: number; argv: string[] }[] {
  const result = spawnSync('ps', ['-o', 'pid=,ppid=,pgid=', '-e'], { encoding: 'utf8' });
  const rows: { pid: number; ppid: number; argv: string[] }[] = [];
  for (const line of (result.stdout ?? '').split('\n')) {
    const [pid, ppid, group] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || group !== pgid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    rows.push({ pid, ppid, argv: cmd.split('\0').filter((part) => part.length > 0) });
  }
  return rows;
}
