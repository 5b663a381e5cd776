#!/usr/bin/env node
// The wizard's first screen is drawn before the rest of the CLI loads, so a person sees the first
// question at once (it does nothing unless this is a plain interactive install; src/wizard/first-frame.ts).
// Before that, a few stat calls: in a clone whose dist/ is missing or older than the modules it starts from, one line says
// what to run instead of a stack trace (an installed package has no src/, and is not checked).
// `--version` and `--help` alone are answered here, from package.json and the help text the build wrote
// (dist/help.txt, commander's own output): neither needs commander or dist/ loaded.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The lowest Node.js the CLI and its dependencies run on; package.json's `engines` says the same. */
const minimumNode = [20, 5];

/** The sources whose change the check notices: the modules this file and the first question load first. */
const watchedSources = ['src/cli.ts', 'src/wizard/first-frame.ts', 'src/commands/install.ts'];

const root = fileURLToPath(new URL('..', import.meta.url));
/** The folder to run `npm install` in, as a person would type it. */
const folder = root.replace(/\/$/, '');

function mtime(relative) {
  try {
    return statSync(root + relative).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why the CLI cannot start from this folder, in words that end with what to run; undefined when it can. */
function buildProblem() {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < minimumNode[0] || (major === minimumNode[0] && minor < minimumNode[1])) {
    return `needs Node.js ${minimumNode.join('.')} or later, and this is ${process.versions.node}: install a newer Node.js (https://nodejs.org/)`;
  }
  const built = mtime('dist/cli.js');
  if (built === undefined) return `the CLI is not built (dist/ is missing): run \`npm install\` in ${folder} first`;
  for (const source of watchedSources) {
    const changed = mtime(source);
    if (changed === undefined) return undefined;
    if (changed > built) return `the CLI is older than its source (${source} changed after dist/ was built): run \`npm install\` in ${folder} first`;
  }
  return undefined;
}

/**
 * What an import failure says when dist/ or node_modules/ is incomplete (a build or an install that stopped
 * half-way), as one line; undefined for any other error, which is shown as it is.
 */
function incompleteInstall(error) {
  const { code, url, message } = /** @type {{ code?: unknown, url?: unknown, message?: unknown }} */ (error ?? {});
  if (code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  if (typeof url === 'string') {
    const path = fileURLToPath(url);
    if (path.startsWith(`${root}dist/`)) return `the CLI's build is incomplete (${path.slice(root.length)} is missing)`;
  }
  const pkg = typeof message === 'string' ? /^Cannot find package '([^']+)' imported from (\S+)/.exec(message) : null;
  if (pkg?.[1] !== undefined && pkg[2]?.startsWith(`${root}dist/`)) return `a dependency is not installed (${pkg[1]})`;
  return undefined;
}

/** The text `--version` or `--help` prints when it is the only argument; undefined otherwise (or without a built help text). */
function quickAnswer(args) {
  if (args.length !== 1) return undefined;
  try {
    if (args[0] === '--version' || args[0] === '-v') return `${JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version}\n`;
    // A help text older than the build (dist/ rebuilt by tsc alone) may be out of date: the CLI answers then.
    if ((args[0] === '--help' || args[0] === '-h') && (mtime('dist/help.txt') ?? 0) >= (mtime('dist/cli.js') ?? Infinity)) return readFileSync(`${root}dist/help.txt`, 'utf8');
  } catch {
    // The CLI itself answers (or says what is wrong).
  }
  return undefined;
}

async function start() {
  const problem = buildProblem();
  if (problem !== undefined) {
    process.stderr.write(`mlflow-install: ${problem}\n`);
    return 2;
  }
  const quick = quickAnswer(process.argv.slice(2));
  if (quick !== undefined) {
    process.stdout.write(quick);
    return 0;
  }
  try {
    const { drawEarlyFrame } = await import('../dist/wizard/first-frame.js');
    drawEarlyFrame(process.argv);
    const { main } = await import('../dist/cli.js');
    return await main(process.argv);
  } catch (error) {
    const incomplete = incompleteInstall(error);
    if (incomplete === undefined) throw error;
    process.stderr.write(`mlflow-install: ${incomplete}: run \`npm install\` in ${folder} first\n`);
    return 2;
  }
}

process.exitCode = await start();
