import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tools.js';
import { startWizard } from '../wizard/scripted-terminal.js';

// The README's picture (docs/recording.svg, written by `npm run record`) must show the questions the wizard asks
// today. What it asks is not kept in a list here: the wizard's own steps (src/wizard/steps.ts) run on scripted
// prompts, with the local preset and enter at every question, on a cluster like the recording's.

interface Recording {
  command: string;
  rerecord: string;
  questions: string[];
}

const recording = JSON.parse(readFileSync(join(repoRoot, 'docs', 'recording.json'), 'utf8')) as Recording;
const svg = readFileSync(join(repoRoot, 'docs', 'recording.svg'), 'utf8');
/** The key frame: the summary and its menu as they were on screen. */
const summarySvg = readFileSync(join(repoRoot, 'docs', 'recording-summary.svg'), 'utf8');

function textOf(picture: string): string {
  return [...picture.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((match) => match[1]).join(' ');
}
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The question line of a prompt's screen, as the terminal shows it before it is answered ("? " stripped). */
function questionLine(screen: string): string {
  return (screen.split('\n')[0] ?? '').replace(/^\? /, '').trim();
}

/** The questions the wizard asks now, in order, when a person presses enter at each one. */
async function questionsByEnter(): Promise<string[]> {
  const { terminal, outcome } = startWizard({
    inputs: { preset: 'local' },
    // The recording's cluster: a default StorageClass, no earlier install, no Prometheus Operator.
    cluster: { storageClasses: [{ name: 'standard', isDefault: true, by: 'rancher.io/local-path' }], serviceMonitorCrd: false },
    context: 'demo',
  });
  const finished = outcome.then(() => undefined);
  const questions: string[] = [];
  for (;;) {
    const question = await Promise.race([terminal.next(), finished]);
    if (question === undefined) break;
    questions.push(questionLine(question.screen()));
    question.press('enter');
  }
  expect((await outcome).action).toBe('install');
  return questions;
}

describe('the recording of a run in the README', () => {
  it('shows the questions the wizard asks today (re-record with `npm run record` when they change)', async () => {
    const asked = await questionsByEnter();
    expect(asked.length).toBeGreaterThan(3);
    expect(
      recording.questions,
      `docs/recording.svg is older than the wizard's questions: it showed\n  ${recording.questions.join('\n  ')}\nand the wizard now asks\n  ${asked.join('\n  ')}\nRe-record it with \`${recording.rerecord}\` (it needs the control plane of \`node scripts/test-setup.mjs\`).`,
    ).toEqual(asked);
    expect(recording.rerecord).toBe('npm run record');
    expect(recording.command).toBe('npx mlflow-install --preset local');
  });

  it('is a picture of the whole run: the questions answered, the one confirmation, the server running and the next steps', () => {
    const text = textOf(svg);
    for (const question of messagesOf(recording.questions)) expect(text, `the SVG shows "${question}" answered`).toContain(question);
    expect(text).toContain('Install now into context demo, namespace mlflow');
    expect(text).toContain('API server    https://127.0.0.1:6443');
    expect(text, 'no second confirmation after the preflight').not.toContain('Change the cluster');
    expect(text).toContain('MLflow is running: release mlflow (revision 1) in namespace mlflow.');
    expect(text).toContain('port-forward service/mlflow 5000:5000');
    const menu = textOf(summarySvg);
    expect(menu).toContain('Summary');
    expect(menu).toContain('What now?');
    expect(menu).toContain('❯ Install now into context demo, namespace mlflow');
  });

  it.each([
    ['recording.svg', svg],
    ['recording-summary.svg', summarySvg],
  ])('%s holds no machine-specific path, server address or password', (_name, svg) => {
    expect(svg).not.toMatch(/\/tmp\/|\/home\/|\/root\/|mlflow-kwok-|mlflow-record-/);
    const ports = [...svg.matchAll(/https?:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => match[1]);
    expect(ports.filter((port) => port !== '6443'), "the API server's port is redacted to 6443").toEqual([]);
    expect(svg).not.toMatch(/MLFLOW_TRACKING_PASSWORD=(?!\$\()/);
  });

  it('is shown at the top of the README, with how to re-record it', () => {
    const top = readme.slice(0, readme.indexOf('\n## Run the tests\n'));
    expect(top).toContain('](docs/recording.svg)');
    expect(readme).toContain('](docs/recording-summary.svg)');
    expect(readme).toContain('npm run record');
  });
});

/** The question text as the answered line shows it: the message, without the default or the (y/N) hint. */
function messagesOf(questions: readonly string[]): string[] {
  return questions.map((question) => question.replace(/ \((?:[^()]|\([^()]*\))*\)$/, ''));
}
