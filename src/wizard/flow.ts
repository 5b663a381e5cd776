import { equivalentCommand, type RunFlags } from '../answers/command-line.js';
import { ignoredAnswers, inconsistency, missingAnswers } from '../answers/consistency.js';
import { resolveKey } from '../answers/fields.js';
import { mergeLayers } from '../answers/layers.js';
import type { Origin } from '../answers/origin.js';
import type { ResolvedAnswers } from '../answers/resolve.js';
import type { SecretEnvironment } from '../answers/secrets.js';
import type { ConfirmedTarget } from '../tasks/install/confirmation.js';
import { CancelledError } from '../errors.js';
import { askText, type WizardIO } from './ask.js';
import { checkEarlierInstall, type Reresolve } from './earlier-install.js';
import { cancelledMessage } from './prompter.js';
import { steps, type Step } from './steps.js';
import { currentAnswers, newState, type WizardState } from './state.js';
import { summaryLines } from './summary.js';

export type WizardAction = 'install' | 'plan';

export interface WizardOutcome {
  action: WizardAction;
  /** The sources' answers with the person's on top, as the rest of the install takes them. */
  resolved: ResolvedAnswers;
  /** The environment with the typed passwords added: in memory only, never process.env. */
  env: SecretEnvironment;
  /** What the summary showed next to "Install now": the install asks again only about what it did not show. */
  confirmed: ConfirmedTarget;
}

export interface WizardInputs {
  resolved: ResolvedAnswers;
  env: SecretEnvironment;
  reresolve: Reresolve;
  /** The flags of the equivalent command (preset, context, values file, ...). */
  runFlags: RunFlags;
  valuesFile: string;
  /** The kube context the install will change (from the kubeconfig); undefined when none could be read. */
  context?: string;
}

const namespaceIndex = steps.findIndex((step) => step.id === 'namespace');

function pending(state: WizardState): Step | undefined {
  return steps.find((step) => !state.done.has(step.id) && step.relevant(state) && !step.given(state));
}

async function ask(io: WizardIO, state: WizardState, step: Step, section: { last?: string }): Promise<void> {
  if (section.last !== step.section) {
    io.say('');
    io.say(io.palette.bold(step.section));
    section.last = step.section;
  }
  await step.ask(io, state);
  state.done.add(step.id);
}

/** Asks every relevant question not yet answered, in order; the earlier install is looked up once the names are known. */
async function askPending(io: WizardIO, state: WizardState, reresolve: Reresolve, checked: { key?: string }): Promise<void> {
  const section: { last?: string } = {};
  for (let step = pending(state); step !== undefined; step = pending(state)) {
    const { release, namespace } = currentAnswers(state);
    if (steps.indexOf(step) > namespaceIndex && checked.key !== `${namespace}/${release}`) {
      await checkEarlierInstall(io, state, reresolve);
      checked.key = `${namespace}/${release}`;
      continue;
    }
    await ask(io, state, step, section);
  }
  // What --yes would miss and no question covered (a preset's own requirement, a provider's client ID).
  for (const missing of missingAnswers(currentAnswers(state), state.base.presetRequired)) {
    if (state.typed.has(missing.key)) continue;
    await askText(io, state, { key: missing.key, message: missing.key, required: true, help: missing.description });
  }
}

function finalResolved(state: WizardState): ResolvedAnswers {
  const answers = currentAnswers(state);
  const origins = new Map<string, Origin>(state.base.origins);
  for (const key of state.typed.keys()) {
    const field = resolveKey(key)?.field.key;
    if (field !== undefined) origins.set(field, { kind: 'flag', text: `your answer to ${key}` });
  }
  return { ...state.base, answers, origins, ignored: ignoredAnswers(answers, origins) };
}

function commandFor(state: WizardState, inputs: WizardInputs): string[] {
  const baseline = state.base.preset ? mergeLayers([state.base.preset.layer]).answers : undefined;
  return equivalentCommand(currentAnswers(state), inputs.runFlags, baseline);
}

type MenuChoice = WizardAction | 'change' | 'cancel';

/** "Install now", with where: the summary's confirmation is the install's, so it names the cluster. */
export function installChoiceName(context: string | undefined, namespace: string): string {
  return `Install now into ${context === undefined ? 'the current context' : `context ${context}`}, namespace ${namespace}`;
}

async function changeAnswer(io: WizardIO, state: WizardState): Promise<void> {
  const choices = steps
    .filter((step) => step.relevant(state))
    .map((step) => ({ value: step.id, name: `${step.section}: ${step.label}` }));
  const id = await io.prompter.select<string>({ message: 'Which answer?', choices: [...choices, { value: '', name: 'none: back to the summary' }] });
  const step = steps.find((candidate) => candidate.id === id);
  if (step === undefined) return;
  await ask(io, state, step, {});
}

/** The questions, the summary and the choice of what to do: the whole interactive part of an install. */
export async function runQuestions(io: WizardIO, inputs: WizardInputs): Promise<WizardOutcome> {
  const state = newState(inputs.resolved, inputs.env);
  const checked: { key?: string } = {};
  for (;;) {
    await askPending(io, state, inputs.reresolve, checked);
    const answers = currentAnswers(state);
    for (const line of summaryLines(state, answers, inputs.valuesFile, commandFor(state, inputs), io.palette)) io.say(line);
    const problem = inconsistency(answers, finalResolved(state).origins);
    if (problem) {
      io.say(io.palette.warn(`  These answers do not fit together: ${problem.message}. Change one of them.`));
      await changeAnswer(io, state);
      continue;
    }
    const choice = await io.prompter.select<MenuChoice>({
      message: 'What now?',
      choices: [
        { value: 'install', name: installChoiceName(inputs.context, answers.namespace) },
        { value: 'plan', name: 'Write values and plan only', description: 'Writes the values file and prints the plan; changes nothing in the cluster.' },
        { value: 'change', name: 'Change an answer' },
        { value: 'cancel', name: 'Cancel' },
      ],
    });
    if (choice === 'cancel') throw new CancelledError(cancelledMessage);
    if (choice === 'change') {
      await changeAnswer(io, state);
      continue;
    }
    const confirmed: ConfirmedTarget = { ...(inputs.context ? { context: inputs.context } : {}), namespace: answers.namespace, toldOtherCluster: state.toldOtherCluster === true };
    return { action: choice, resolved: finalResolved(state), env: { ...inputs.env, ...state.passwords }, confirmed };
  }
}
