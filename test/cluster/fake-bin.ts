import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in executable for one test: a Node script that records its argv (one JSON line per call) and
 * answers from a table of argv prefixes. Used where a real binary cannot produce the case (helm 2, helm 3.11).
 */
export interface FakeAnswer {
  /** Matches when the call's argv starts with these words. */
  argvPrefix: string[];
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export interface FakeBinary {
  path: string;
  callsFile: string;
}

export function fakeBinary(name: string, answers: FakeAnswer[], dir = mkdtempSync(join(tmpdir(), 'fake-bin-'))): FakeBinary {
  const path = join(dir, name);
  const callsFile = join(dir, `${name}.calls.jsonl`);
  const source = `#!${process.execPath}
const fs = require('fs');
const argv = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(callsFile)}, JSON.stringify(argv) + '\\n');
const answers = ${JSON.stringify(answers)};
const answer = answers.find((a) => a.argvPrefix.every((word, i) => argv[i] === word));
if (!answer) { process.stderr.write('fake ${name}: no answer for ' + JSON.stringify(argv) + '\\n'); process.exit(99); }
if (answer.stdout) process.stdout.write(answer.stdout);
if (answer.stderr) process.stderr.write(answer.stderr);
process.exitCode = answer.exitCode ?? 0;
`;
  writeFileSync(path, source);
  chmodSync(path, 0o755);
  return { path, callsFile };
}
