#!/usr/bin/env node
// Time from spawn to the wizard's first question visible in a pseudo-terminal, against the time a bare
// `node -e 'console.log(1)'` takes to show "1" on the same kind of pseudo-terminal, in one run: the median
// of several interleaved runs of each (after warm-up runs). Also the same with the early-frame hook that
// bin/ could call before it loads the command line parser (drawEarlyFrame in src/wizard/first-frame.ts).
// Run after `npm run build`:
//   node bench/first-prompt.mjs [runs]
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
const warmUps = 2;
const cli = join(root, 'bin', 'mlflow-install.js');
const firstQuestion = 'Release name';

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('bench/first-prompt.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'bench-first-prompt-'));
// A kubeconfig like a real one (the welcome screen reads it); its server is never reached before the first question.
const kubeconfig = join(scratch, 'kubeconfig.yaml');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${Buffer.alloc(1100, 7).toString('base64')}
    server: https://127.0.0.1:1
  name: bench
contexts:
- context:
    cluster: bench
    user: bench
  name: bench
current-context: bench
preferences: {}
users:
- name: bench
  user:
    token: bench-token
`,
);
// bin/mlflow-install.js with the hook: the first frame drawn before dist/cli.js (and commander) load.
const hooked = join(scratch, 'mlflow-install-hooked.mjs');
const dist = pathToFileURL(join(root, 'dist')).href;
writeFileSync(
  hooked,
  `import { drawEarlyFrame } from '${dist}/wizard/first-frame.js';\ndrawEarlyFrame(process.argv);\nconst { main } = await import('${dist}/cli.js');\nprocess.exitCode = await main(process.argv);\n`,
);
// No kubectl on PATH: the look-ups the wizard starts after its first question fail at once and cost nothing.
const env = { HOME: scratch, PATH: '/nonexistent', TERM: 'xterm-256color', KUBECONFIG: kubeconfig, LANG: process.env.LANG ?? 'C.UTF-8' };

/** Milliseconds from spawn until the screen shows `expected`; the process is then stopped. */
function timeUntilVisible(file, args, expected) {
  return new Promise((resolve, reject) => {
    const terminal = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true });
    const start = performance.now();
    const child = pty.spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd: scratch, env });
    let seen = false;
    let drawn = Promise.resolve();
    const screen = () => {
      const buffer = terminal.buffer.active;
      let text = '';
      for (let row = 0; row < buffer.length; row++) text += `${buffer.getLine(row)?.translateToString(true) ?? ''}\n`;
      return text;
    };
    child.onData((data) => {
      const arrived = performance.now();
      drawn = new Promise((done) =>
        terminal.write(data, () => {
          if (!seen && screen().includes(expected)) {
            seen = true;
            resolve(arrived - start);
            child.write('\u0003');
          }
          done();
        }),
      );
    });
    child.onExit(async ({ exitCode }) => {
      await drawn;
      if (!seen) reject(new Error(`${file} ${args.join(' ')} exited ${exitCode} without showing ${expected}:\n${screen()}`));
      terminal.dispose();
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const wizard = [];
const early = [];
const bare = [];
try {
  for (let run = -warmUps; run < runs; run += 1) {
    const a = await timeUntilVisible(process.execPath, [cli, '--values-file', join(scratch, 'values.yaml')], firstQuestion);
    const b = await timeUntilVisible(process.execPath, [hooked, '--values-file', join(scratch, 'values.yaml')], firstQuestion);
    const c = await timeUntilVisible(process.execPath, ['-e', 'console.log(1)'], '1');
    if (run >= 0) {
      wizard.push(a);
      early.push(b);
      bare.push(c);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const [w, e, n] = [median(wizard), median(early), median(bare)];
console.log(`node ${process.version}, ${runs} interleaved runs each (after ${warmUps} warm-up runs), medians in ms`);
console.log(`node -e 'console.log(1)'                     ${n.toFixed(1).padStart(7)}`);
console.log(`first question, bin/mlflow-install.js        ${w.toFixed(1).padStart(7)}  ${(w / n).toFixed(2)}x`);
console.log(`first question, with bin's early-frame hook  ${e.toFixed(1).padStart(7)}  ${(e / n).toFixed(2)}x`);
