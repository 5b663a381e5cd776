import { confirm, input, password, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { resolveAnswers, type AnswerInputs } from '../../src/answers/resolve.js';
import { createPalette } from '../../src/ui/colors.js';
import type { WizardIO } from '../../src/wizard/ask.js';
import { runQuestions, type WizardOutcome } from '../../src/wizard/flow.js';
import type { ClusterLookups, EarlierInstall, Lookup, NamedClass } from '../../src/wizard/lookups.js';
import { asCancelled, type Choice, type Prompter, type Validate } from '../../src/wizard/prompter.js';

/** One question on the (simulated) screen: read it, type, press keys. */
export interface Asked {
  kind: 'input' | 'select' | 'confirm' | 'password';
  screen(): string;
  /**
   * The screen without any white space: long validation messages wrap at 80 columns, and where a line
   * breaks (with or without colour codes, e.g. under CI=true) changes where a space goes. Compare with squash().
   */
  flat(): string;
  /** Everything the prompt wrote, escape codes included. */
  output(): string;
  type(text: string): void;
  press(key: 'enter' | 'down' | 'up' | 'backspace' | 'ctrl-c'): void;
}

/** Text without white space, to find a message in flat() wherever the terminal wrapped it. */
export const squash = (text: string): string => text.replace(/\s+/g, '');

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The wizard's prompts as real @inquirer/prompts rendered by @inquirer/testing, one at a time: the test
 * takes each question with next(), reads its screen and answers it with keystrokes.
 */
export class ScriptedTerminal implements Prompter {
  private readonly asked: Asked[] = [];
  private readonly waiting: ((question: Asked) => void)[] = [];
  /** Every question's screen, in order: what the person saw. */
  readonly transcript: string[] = [];

  async next(): Promise<Asked> {
    await settle();
    const ready = this.asked.shift();
    if (ready) return ready;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  input(config: { message: string; default?: string; validate: Validate }): Promise<string> {
    return this.run('input', (props) => render(input, props), config);
  }

  select<V>(config: { message: string; choices: readonly Choice<V>[]; default?: V }): Promise<V> {
    return this.run('select', (props) => render(select<V>, props), { ...config, choices: [...config.choices] });
  }

  confirm(config: { message: string; default: boolean }): Promise<boolean> {
    return this.run('confirm', (props) => render(confirm, props), config);
  }

  password(config: { message: string; validate: Validate }): Promise<string> {
    return this.run('password', (props) => render(password, props), { ...config, mask: '*' });
  }

  private async run<P, T>(kind: Asked['kind'], start: (props: P) => ReturnType<typeof render<P, T>>, props: P): Promise<T> {
    const session = await start(props);
    const question: Asked = {
      kind,
      screen: () => session.getScreen(),
      flat: () => squash(session.getScreen()),
      output: () => session.getFullOutput(),
      type: (text) => session.events.type(text),
      press: (key) => session.events.keypress(key === 'ctrl-c' ? { name: 'c', ctrl: true } : key),
    };
    this.transcript.push(`[${kind}] ${session.getScreen()}`);
    const waiter = this.waiting.shift();
    if (waiter) waiter(question);
    else this.asked.push(question);
    try {
      return await session.answer;
    } catch (error) {
      throw asCancelled(error);
    }
  }
}

export function done<T>(value: T): Promise<Lookup<T>> {
  return Promise.resolve({ state: 'done', value });
}

export interface FakeCluster {
  storageClasses?: NamedClass[];
  ingressClasses?: NamedClass[];
  serviceMonitorCrd?: boolean;
  clusterUid?: string;
  earlier?: EarlierInstall;
  /** Every look-up fails with this reason. */
  failing?: string;
}

export function fakeLookups(cluster: FakeCluster = {}): ClusterLookups & { stopped: boolean } {
  const answer = <T>(value: T): Promise<Lookup<T>> => (cluster.failing ? Promise.resolve({ state: 'failed', reason: cluster.failing }) : done(value));
  const lookups = {
    stopped: false,
    storageClasses: () => answer(cluster.storageClasses ?? [{ name: 'standard', isDefault: true, by: 'rancher.io/local-path' }, { name: 'fast-ssd', isDefault: false }]),
    ingressClasses: () => answer(cluster.ingressClasses ?? [{ name: 'nginx', isDefault: true, by: 'k8s.io/ingress-nginx' }, { name: 'traefik', isDefault: false }]),
    serviceMonitorCrd: () => answer(cluster.serviceMonitorCrd ?? false),
    clusterUid: () => answer(cluster.clusterUid ?? 'uid-of-this-cluster'),
    earlierInstall: () => answer(cluster.earlier ?? {}),
    stop: () => {
      lookups.stopped = true;
    },
  };
  return lookups;
}

export interface WizardSession {
  terminal: ScriptedTerminal;
  /** The explanations the wizard wrote between the questions. */
  said: string[];
  outcome: Promise<WizardOutcome>;
}

/** Starts the questions on scripted prompts and a fake cluster. */
export function startWizard(options: { inputs?: AnswerInputs; env?: Record<string, string>; cluster?: FakeCluster; lookups?: ClusterLookups; context?: string } = {}): WizardSession {
  const terminal = new ScriptedTerminal();
  const said: string[] = [];
  const inputs = options.inputs ?? {};
  const io: WizardIO = {
    prompter: terminal,
    say: (line) => said.push(line),
    palette: createPalette(false),
    lookups: options.lookups ?? fakeLookups(options.cluster),
    lookupWaitMs: 1_000,
  };
  const outcome = runQuestions(io, {
    resolved: resolveAnswers(inputs),
    env: options.env ?? {},
    reresolve: (saved) => resolveAnswers({ ...inputs, ...(saved ? { savedAnswers: saved } : {}) }),
    runFlags: { ...(inputs.preset ? { preset: inputs.preset } : {}), valuesFile: './mlflow-values.yaml' },
    valuesFile: './mlflow-values.yaml',
    ...(options.context ? { context: options.context } : {}),
  });
  // A rejection is the test's to assert; do not let it count as unhandled meanwhile.
  outcome.catch(() => undefined);
  return { terminal, said, outcome };
}

/** Answers the next question: checks its screen shows `expected`, then types and presses enter. */
export async function answer(terminal: ScriptedTerminal, expected: string | RegExp, keys: { type?: string; down?: number } = {}): Promise<Asked> {
  const question = await terminal.next();
  const screen = question.screen();
  if (typeof expected === 'string' ? !screen.includes(expected) : !expected.test(screen)) {
    throw new Error(`expected a question showing ${String(expected)}, the screen is:\n${screen}\n(asked so far:\n${terminal.transcript.join('\n')})`);
  }
  for (let step = 0; step < (keys.down ?? 0); step += 1) question.press('down');
  if (keys.type !== undefined) question.type(keys.type);
  question.press('enter');
  await settle();
  return question;
}
