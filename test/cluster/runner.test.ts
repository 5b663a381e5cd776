import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { REDACTED, Redactor } from '../../src/cluster/redact.js';
import {
  CommandCancelledError,
  CommandFailedError,
  CommandNotFoundError,
  CommandRunner,
  CommandTimeoutError,
  type RunnerEvent,
  SecretInArgumentsError,
} from '../../src/cluster/runner.js';

const node = process.execPath;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** argv for a node child running a script. */
function script(source: string, ...args: string[]): string[] {
  return ['-e', source, '--', ...args];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const writePidThenSleep = (pidFile: string) =>
  script(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`);

describe('CommandRunner', () => {
  it('passes arguments as an argv array: shell syntax stays literal', async () => {
    const runner = new CommandRunner();
    const tricky = ['$HOME', '; echo pwned', "it's", '`id`', '*'];
    const result = await runner.run({ file: node, args: script('console.log(JSON.stringify(process.argv.slice(1)))', ...tricky) });
    expect(JSON.parse(result.stdout)).toEqual(tricky);
    expect(result.exitCode).toBe(0);
  });

  it('writes the input to stdin', async () => {
    const runner = new CommandRunner();
    const result = await runner.run({
      file: node,
      args: script(`let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write('got:'+s))`),
      input: 'from stdin\n',
    });
    expect(result.stdout).toBe('got:from stdin\n');
  });

  it('writes stdout as bytes into a new 0600 file, and refuses a file that exists', async () => {
    const runner = new CommandRunner();
    const file = join(dir, 'dump.bin');
    // Every byte value, and bytes that are not UTF-8: a dump is data, not text.
    const result = await runner.run({ file: node, args: script('process.stdout.write(Buffer.from([...Array(256).keys(), 0xff, 0xfe, 0x00]))'), stdoutFile: file });
    expect(result.stdout).toBe('');
    expect([...readFileSync(file)]).toEqual([...Array.from({ length: 256 }, (_, index) => index), 0xff, 0xfe, 0x00]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'kept'), 'an earlier backup');
    await expect(runner.run({ file: node, args: script('process.stdout.write("new")'), stdoutFile: join(dir, 'kept') })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('an earlier backup');
  });

  it('fails with the exit code, the stderr tail and a one-line summary', async () => {
    const runner = new CommandRunner();
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\\n');
    const failure = runner.run({ file: node, args: script(`console.error("${lines}\\nError: it broke"); process.exit(3)`, 'status', 'x') });
    const error = await failure.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    const failed = error as CommandFailedError;
    expect(failed.exitCode).toBe(3);
    expect(failed.stderrTail).toHaveLength(20);
    expect(failed.stderrTail.at(-1)).toBe('Error: it broke');
    expect(failed.summary).toMatch(/failed \(exit 3\): Error: it broke$/);
    expect(failed.summary).not.toContain('\n');
    expect(failed.command).toContain(node);
  });

  it('treats accepted exit codes as answers', async () => {
    const runner = new CommandRunner();
    const result = await runner.run({ file: node, args: script('console.log("no"); process.exit(1)'), acceptExitCodes: [1] });
    expect(result).toMatchObject({ exitCode: 1, stdout: 'no\n' });
  });

  it('stops a command at its timeout and says what timed out and after how long', async () => {
    const runner = new CommandRunner();
    const pidFile = join(dir, 'pid');
    // 3 s: long enough for a loaded machine to start node and write the pid before the timeout stops it.
    const error = await runner.run({ file: node, args: writePidThenSleep(pidFile), timeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect((error as CommandTimeoutError).summary).toBe('node timed out after 3s and was stopped');
    expect((error as CommandTimeoutError).timeoutMs).toBe(3_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !isAlive(pid));
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const runner = new CommandRunner({ killGraceMs: 300 });
    const pidFile = join(dir, 'pid');
    const source = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const error = await runner.run({ file: node, args: script(source), timeoutMs: 3_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    await waitFor(() => !isAlive(Number(readFileSync(pidFile, 'utf8'))), 3_000);
  });

  it('on cancellation stops the running child and refuses to start anything after it', async () => {
    const controller = new AbortController();
    const runner = new CommandRunner({ signal: controller.signal });
    const pidFile = join(dir, 'pid');
    const running = runner.run({ file: node, args: writePidThenSleep(pidFile), timeoutMs: 30_000 }).catch((e: unknown) => e);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    controller.abort();
    const error = await running;
    expect(error).toBeInstanceOf(CommandCancelledError);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CommandCancelledError).exitCode).toBe(130);
    await waitFor(() => !isAlive(pid));

    const marker = join(dir, 'ran-after-cancel');
    const after = await runner
      .run({ file: node, args: script(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`) })
      .catch((e: unknown) => e);
    expect(after).toBeInstanceOf(CommandCancelledError);
    expect((after as Error).message).toMatch(/before node could start/);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a missing binary as not found', async () => {
    const runner = new CommandRunner();
    const error = await runner.run({ file: join(dir, 'no-such-helm'), args: ['version'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandNotFoundError);
    expect((error as CommandNotFoundError).reason).toBe('missing');
  });

  describe('redaction', () => {
    const secret = 's3cr3t/P@ss:word';

    it('redacts stdout, stderr, errors and the log, in every encoded form', async () => {
      const events: RunnerEvent[] = [];
      const runner = new CommandRunner({ redactor: new Redactor().add(secret), log: (event) => events.push(event) });
      const source = `
        const s = require('fs').readFileSync(0, 'utf8');
        console.log('plain ' + s);
        console.log('base64 ' + Buffer.from(s).toString('base64'));
        console.error('url ' + encodeURIComponent(s));
        console.error('Error: bad password ' + s);
        process.exit(1);`;
      const error = (await runner.run({ file: node, args: script(source), input: secret }).catch((e: unknown) => e)) as CommandFailedError;
      expect(error).toBeInstanceOf(CommandFailedError);
      const shown = [error.message, error.summary, error.stdout, ...error.stderrTail, JSON.stringify(events)].join('\n');
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(Buffer.from(secret).toString('base64'));
      expect(shown).not.toContain(encodeURIComponent(secret));
      expect(error.summary).toBe(`node failed (exit 1): Error: bad password ${REDACTED}`);
      expect(events.filter((e) => e.type === 'output').map((e) => (e.type === 'output' ? e.line : ''))).toEqual([
        `plain ${REDACTED}`,
        `base64 ${REDACTED}`,
        `url ${REDACTED}`,
        `Error: bad password ${REDACTED}`,
      ]);
    });

    it('logs the command line shell-quoted, then its outcome', async () => {
      const events: RunnerEvent[] = [];
      const runner = new CommandRunner({ log: (event) => events.push(event) });
      await runner.run({ file: node, args: script('1', '{{.Version}}') });
      expect(events[0]).toEqual({ type: 'start', command: `${node} -e 1 -- '{{.Version}}'` });
      expect(events.at(-1)).toMatchObject({ type: 'end', outcome: 'ok', exitCode: 0 });
    });

    it('streams redacted lines to onLine as they come', async () => {
      const runner = new CommandRunner({ redactor: new Redactor().add(secret) });
      const lines: string[] = [];
      await runner.run({
        file: node,
        args: script(`const s = require('fs').readFileSync(0, 'utf8'); process.stdout.write('a ' + s + '\\nb'); setTimeout(() => process.stdout.write('c\\n'), 50)`),
        input: secret,
        onLine: (line) => lines.push(line),
      });
      expect(lines).toEqual([`a ${REDACTED}`, 'bc']);
    });

    it('refuses to put a secret on the command line, and runs nothing', async () => {
      const runner = new CommandRunner({ redactor: new Redactor().add(secret) });
      const marker = join(dir, 'ran');
      const error = await runner
        .run({ file: node, args: script(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`, `--password=${encodeURIComponent(secret)}`) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretInArgumentsError);
      expect((error as Error).message).toBe('refusing to run node: argument 4 holds a secret (secrets go on stdin only)');
      expect(existsSync(marker)).toBe(false);
    });

    it('does not hand environment variables that hold a secret to the child', async () => {
      const runner = new CommandRunner({
        redactor: new Redactor().add(secret),
        env: { PATH: process.env.PATH ?? '', MLFLOW_DB_PASSWORD: secret, KEEP: 'me' },
      });
      const result = await runner.run({ file: node, args: script('console.log(JSON.stringify([process.env.MLFLOW_DB_PASSWORD ?? null, process.env.KEEP]))') });
      expect(JSON.parse(result.stdout)).toEqual([null, 'me']);
    });
  });
});
