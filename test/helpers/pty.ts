import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

export interface PtyOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

export interface PtySession {
  /** The visible screen, one string per row, trailing spaces trimmed. */
  screen(): string;
  /** Everything the program wrote, escape codes included. */
  raw(): string;
  /** Resolves once the screen shows the text (or matches the pattern); rejects with the screen after timeoutMs. */
  waitFor(expected: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends keystrokes as a person types them. */
  type(text: string): void;
  press(key: keyof typeof keys): void;
  exited: Promise<{ exitCode: number; signal: number | undefined }>;
  kill(): void;
}

export const keys = {
  enter: '\r',
  up: '\u001b[A',
  down: '\u001b[B',
  space: ' ',
  backspace: '\u007f',
  ctrlC: '\u0003',
  tab: '\t',
} as const;

/** Runs a program in a real pseudo-terminal, its output drawn by a headless xterm as a person would see it. */
export function spawnInPty(file: string, args: string[], options: PtyOptions = {}): PtySession {
  const cols = options.cols ?? 120;
  const rows = options.rows ?? 40;
  const terminal = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const child = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env });
  let output = '';
  const writes: Promise<void>[] = [];
  child.onData((data) => {
    output += data;
    writes.push(new Promise((resolve) => terminal.write(data, resolve)));
  });
  // node-pty may deliver the last output after the exit: the session has exited once that output is on the screen.
  const exited = new Promise<{ exitCode: number; signal: number | undefined }>((resolve) => {
    child.onExit(({ exitCode, signal }) => {
      void (async () => {
        const until = Date.now() + 2_000;
        for (let seen = -1; seen !== output.length && Date.now() < until; ) {
          seen = output.length;
          await new Promise((settle) => setTimeout(settle, 100));
        }
        await Promise.all(writes);
        resolve({ exitCode, signal });
      })();
    });
  });

  function screen(): string {
    const buffer = terminal.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < buffer.length; row++) lines.push(buffer.getLine(row)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  async function waitFor(expected: string | RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    void exited.then(() => {
      done = true;
    });
    for (;;) {
      await Promise.all(writes);
      const text = screen();
      if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return;
      if (Date.now() > deadline || done) {
        await Promise.all(writes);
        const final = screen();
        if (typeof expected === 'string' ? final.includes(expected) : expected.test(final)) return;
        throw new Error(`${done ? 'the program exited' : `waited ${timeoutMs} ms`} without the screen showing ${String(expected)}; the screen:\n${final}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  return {
    screen,
    raw: () => output,
    waitFor,
    type: (text) => child.write(text),
    press: (key) => child.write(keys[key]),
    exited,
    kill: () => {
      try {
        child.kill();
      } catch {
        // already gone
      }
    },
  };
}
