#!/usr/bin/env node
// After tsc: writes dist/help.txt, the top-level `--help` exactly as commander prints it from the built CLI, so
// bin/mlflow-install.js can answer `--help` without loading commander and dist/ (test/newcomer/version-help.test.ts keeps
// the two equal). Part of `npm run build`.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'dist', 'help.txt');
rmSync(target, { force: true });
const script = "const { main } = await import(process.argv[1]); process.exitCode = await main(['node', 'mlflow-install', '--help']);";
const help = execFileSync(process.execPath, ['--input-type=module', '-e', script, new URL('../dist/cli.js', import.meta.url).href], { encoding: 'utf8' });
writeFileSync(target, help);
