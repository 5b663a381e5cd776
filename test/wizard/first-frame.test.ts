import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAnswers, fieldByKey } from '../../src/answers/fields.js';
import { colorsEnabled, createPalette } from '../../src/ui/colors.js';
import { drawFirstFrame, earlyFrameOptions, firstQuestion, firstQuestions } from '../../src/wizard/first-frame.js';
import { framePalette } from '../../src/wizard/frame-palette.js';

const kubeconfig = join(mkdtempSync(join(tmpdir(), 'wizard-frame-')), 'config');
writeFileSync(kubeconfig, 'clusters:\n- cluster:\n    server: https://k8s.example:6443\n  name: c\ncontexts:\n- context:\n    cluster: c\n  name: dev\ncurrent-context: dev\n');

const noFlags = { set: [] as string[], color: false };

function terminal(isTTY: boolean) {
  const written: string[] = [];
  const rawModes: boolean[] = [];
  return {
    output: { write: (text: string) => written.push(text), isTTY },
    input: { isTTY, setRawMode: (mode: boolean) => rawModes.push(mode) },
    text: () => written.join(''),
    rawModes,
  };
}

describe('the first frame, drawn before the prompts load', () => {
  it('shows the same question, default and explanation as the schema', () => {
    for (const key of ['release', 'namespace'] as const) {
      expect(firstQuestions[key].default).toBe(defaultAnswers()[key]);
      expect(firstQuestions[key].explanation).toBe(fieldByKey(key)?.description);
    }
  });

  it('knows the first question from the flags alone, and draws none when a preset may answer it', () => {
    expect(firstQuestion(noFlags)).toBe('release');
    expect(firstQuestion({ ...noFlags, release: 'x' })).toBe('namespace');
    expect(firstQuestion({ ...noFlags, set: ['release=x'] })).toBe('namespace');
    expect(firstQuestion({ ...noFlags, release: 'x', set: ['namespace=y'] })).toBeUndefined();
    expect(firstQuestion({ ...noFlags, preset: 'local' })).toBeUndefined();
  });

  it('draws the welcome and the question, holds typed keys unechoed, and erases the question for the prompt', async () => {
    const screen = terminal(true);
    const frame = await drawFirstFrame({ ...noFlags, kubeconfig }, {}, screen.output, screen.input);
    expect(screen.text()).toContain('Kube context  dev\n  API server    https://k8s.example:6443\n');
    expect(screen.text().endsWith('\nRelease\n  Helm release name; it prefixes the names of everything installed.\n? Release name (mlflow) ')).toBe(true);
    expect(screen.rawModes).toEqual([true]);
    expect(frame.saidAhead).toEqual(['', 'Release', '  Helm release name; it prefixes the names of everything installed.']);
    frame.takeOver();
    frame.takeOver();
    expect(screen.text().endsWith('(mlflow) \r\u001b[2K')).toBe(true);
  });

  it('outside a terminal, or with a preset: the welcome only, the terminal left as it is', async () => {
    for (const [options, tty] of [[{ ...noFlags, kubeconfig }, false], [{ ...noFlags, kubeconfig, preset: 'local' }, true]] as const) {
      const screen = terminal(tty);
      const frame = await drawFirstFrame(options, {}, screen.output, screen.input);
      expect(screen.text()).not.toContain('? ');
      expect(screen.rawModes).toEqual([]);
      frame.takeOver();
      expect(screen.text()).not.toContain('\u001b[2K');
    }
  });
});

describe('the early frame, for bin/ to draw before the command line parser loads', () => {
  it('is drawn only for a plain interactive install that nothing before the questions can refuse', () => {
    expect(earlyFrameOptions([])).toEqual({ color: true, set: [] });
    expect(earlyFrameOptions(['--kubeconfig', '/k', '--context=prod', '--no-color', '--values-file', 'v.yaml', '--verbose'])).toEqual({
      kubeconfig: '/k',
      context: 'prod',
      color: false,
      set: [],
    });
    for (const args of [['--yes'], ['--dry-run'], ['status'], ['--preset', 'local'], ['--set', 'a=b'], ['--release', 'x'], ['-n', 'x'], ['--help'], ['--context'], ['--context', '--yes'], ['--no-color=1'], ['--timeout', '1m']]) {
      expect(earlyFrameOptions(args), args.join(' ')).toBeUndefined();
    }
  });
});

describe('the palette of the first frame (no chalk)', () => {
  it('writes the same codes as ui/colors.ts under every colour rule', () => {
    for (const color of [true, false]) {
      for (const isTTY of [true, false]) {
        for (const env of [{}, { NO_COLOR: '1' }, { NO_COLOR: '' }, { FORCE_COLOR: '1' }, { FORCE_COLOR: '0' }, { TERM: 'dumb' }, { TERM: 'dumb', FORCE_COLOR: '1' }]) {
          const context = { color, isTTY, env };
          const mine = framePalette(context);
          const theirs = createPalette(colorsEnabled(context));
          for (const style of ['ok', 'warn', 'fail', 'dim', 'bold', 'code'] as const) expect(mine[style]('x')).toBe(theirs[style]('x'));
        }
      }
    }
  });
});
