#!/usr/bin/env node
// `npm run record`: the picture of a run at the top of the README. Starts the tests' real control plane (kwok nodes,
// as scripts/dev-cluster.mjs does), runs the built CLI's wizard with the local preset in a pseudo-terminal, presses
// enter at every question through to the installed server and its next steps, and writes
//   docs/recording.svg   the session's final screen (scrollback included), drawn by scripts/record/terminal-svg.mjs
//   docs/recording-summary.svg   a key frame: the summary and its menu as they were on screen, before the answer
//   docs/recording.json  the questions it showed: test/newcomer/recording.test.ts fails when the wizard asks others.
// Machine-specific text (the kubeconfig's folder, the API server's port, temp folders) is rewritten to stable text;
// the run fails, writing nothing, if a password or a path of this machine is still in the output.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { parse, stringify } from 'yaml';
import { loadKwokCluster } from './load-test-cluster.mjs';
import { mapText, plainText, rowsOf, terminalSvg } from './record/terminal-svg.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const columns = 110;
const screenRows = 50;
const args = ['--preset', 'local'];
const shownCommand = `npx mlflow-install ${args.join(' ')}`;
const contextName = 'demo';
const stableServer = 'https://127.0.0.1:6443';
const questionWaitMs = 120_000;
const installWaitMs = 300_000;

function fail(message) {
  console.error(`record: ${message}`);
  process.exit(1);
}

/** The cluster's kubeconfig with its context, cluster and user named `demo`: the name the recording shows. */
function demoKubeconfig(cluster) {
  const config = parse(readFileSync(cluster.kubeconfig, 'utf8'));
  const [entry] = config.clusters;
  const [user] = config.users;
  const file = join(cluster.dir, 'config');
  const renamed = {
    ...config,
    clusters: [{ ...entry, name: contextName }],
    users: [{ ...user, name: contextName }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
    'current-context': contextName,
  };
  writeFileSync(file, stringify(renamed), { mode: 0o600 });
  return file;
}

/** The environment of the run: the cluster's, colours on, no password variable from this shell. */
function runEnvironment(cluster, kubeconfig) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MLFLOW_') && !['NO_COLOR', 'CI', 'FORCE_COLOR'].includes(key)) env[key] = value;
  }
  return { ...env, ...cluster.env(4), KUBECONFIG: kubeconfig, TERM: 'xterm-256color', COLORTERM: 'truecolor' };
}

function screenText(terminal) {
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let y = 0; y < buffer.length; y += 1) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
  return lines;
}

/** Runs the CLI in a pseudo-terminal and presses enter at every question; the questions, in order, and the terminal. */
async function drive(env, cwd) {
  const terminal = new xterm.Terminal({ cols: columns, rows: screenRows, scrollback: 5000, allowProposedApi: true });
  const child = pty.spawn(process.execPath, [join(root, 'bin', 'mlflow-install.js'), ...args], { name: 'xterm-256color', cols: columns, rows: screenRows, cwd, env });
  let raw = '';
  let pending = Promise.resolve();
  child.onData((data) => {
    raw += data;
    pending = pending.then(() => new Promise((resolve) => terminal.write(data, resolve)));
  });
  let exit;
  const exited = new Promise((resolve) => child.onExit((outcome) => resolve((exit = outcome))));
  const questions = [];
  /** The screen as each question was drawn, before its answer. */
  const frames = [];
  const answered = new Set();
  const deadline = Date.now() + installWaitMs;
  let lastChange = Date.now();
  while (exit === undefined) {
    await pending;
    if (Date.now() > deadline) break;
    const lines = screenText(terminal);
    const row = lines.findIndex((line, index) => line.startsWith('? ') && !answered.has(index));
    if (row >= 0 && answered.size === questions.length) {
      // Wait until the prompt has drawn itself fully (its default and choices), then take the default.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await pending;
      questions.push(screenText(terminal)[row].slice(2).trim());
      frames.push(rowsOf(terminal, { visible: true }));
      answered.add(row);
      child.write('\r');
      lastChange = Date.now();
    } else if (questions.length > 0 && Date.now() - lastChange > questionWaitMs && !lines.some((line) => line.includes('MLflow is running'))) {
      break;
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  if (exit === undefined) {
    child.kill();
    fail(`the run did not finish (${questions.length} questions answered); the screen:\n${screenText(terminal).join('\n')}`);
  }
  await pending;
  if (exit.exitCode !== 0) fail(`the run exited ${exit.exitCode}; the screen:\n${screenText(terminal).join('\n')}`);
  return { terminal, raw, questions, frames };
}

/** Every value of the release's Secrets (the generated admin password, the Flask key): none may be in the output. */
async function secretValues(cluster, namespace) {
  const list = JSON.parse(await cluster.kubectl(['get', 'secrets', '--namespace', namespace, '-o', 'json']));
  return list.items
    .filter((secret) => secret.type !== 'helm.sh/release.v1')
    .flatMap((secret) => Object.values(secret.data ?? {}).map((value) => Buffer.from(value, 'base64').toString('utf8')))
    .filter((value) => value.length >= 6);
}

const { KwokCluster, controlPlane } = await loadKwokCluster();
const plane = controlPlane();
if (!plane.ok) fail(`${plane.reason} (run \`node scripts/test-setup.mjs\` first)`);
if (!existsSync(join(root, 'dist', 'help.txt'))) fail('dist/ is missing: run `npm run record` (it builds first)');

const cluster = await KwokCluster.create({ volumes: 4 });
const cwd = mkdtempSync(join(tmpdir(), 'mlflow-record-'));
try {
  const kubeconfig = demoKubeconfig(cluster);
  const server = /server: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1];
  console.log(`record: running \`${shownCommand}\` on a fresh cluster (Kubernetes ${plane.versions.kubernetes}, kwok nodes)...`);
  const { terminal, raw, questions, frames } = await drive(runEnvironment(cluster, kubeconfig), cwd);
  const secrets = await secretValues(cluster, 'mlflow');
  if (secrets.some((secret) => raw.includes(secret))) fail('a Secret value of the release is in the output: nothing written');

  const replacements = [
    [server, stableServer],
    [cluster.dir, '~/.kube'],
    [cwd, '~/mlflow'],
    [homedir(), '~'],
  ].filter(([from]) => from !== undefined && from !== '');
  const redact = (rows) => mapText(rows, (text) => replacements.reduce((acc, [from, to]) => acc.split(from).join(to), text));
  const rows = redact(rowsOf(terminal));
  // The key frame: the summary and its menu, "Install now" naming the cluster, as the person saw them.
  const summaryFrame = redact(frames.at(-1) ?? []);
  const summaryStart = summaryFrame.findIndex((runs) => plainText([runs]) === 'Summary');
  const menu = summaryFrame.slice(Math.max(0, summaryStart));
  const text = plainText([...rows, ...menu]);
  const leftovers = [...replacements.map(([from]) => from), tmpdir(), 'mlflow-kwok-', 'mlflow-record-'].filter((path) => text.includes(path));
  if (leftovers.length > 0) fail(`machine-specific text left after redaction (${leftovers.join(', ')}): nothing written`);
  if (!plainText(menu).includes('Install now into context')) fail(`the last question was not the summary's menu; the screen:\n${plainText(menu)}`);

  mkdirSync(join(root, 'docs'), { recursive: true });
  const description = `A recorded run of ${shownCommand}: every question answered with enter, then the preflight, the install and the next steps.`;
  writeFileSync(join(root, 'docs', 'recording.svg'), terminalSvg(rows, { columns, title: shownCommand, description }));
  const menuDescription = `The summary of ${shownCommand} and its menu: "Install now" names the kube context and namespace, the one confirmation of the install.`;
  writeFileSync(join(root, 'docs', 'recording-summary.svg'), terminalSvg(menu, { columns, title: `${shownCommand}: the summary`, description: menuDescription }));
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const record = { command: shownCommand, version, kubernetes: plane.versions.kubernetes, rerecord: 'npm run record', questions };
  writeFileSync(join(root, 'docs', 'recording.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`record: wrote docs/recording.svg (${rows.length} lines), docs/recording-summary.svg and docs/recording.json (${questions.length} questions)`);
} finally {
  rmSync(cwd, { recursive: true, force: true });
  await cluster.delete();
}
// The pty's handles keep the event loop alive.
process.exit(0);
