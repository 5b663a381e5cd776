import { adminPasswordEnv, adminPasswordProblem, noLoginWarning } from '../answers/auth-secret.js';
import { relevantKeys } from '../answers/consistency.js';
import { secretNames } from '../answers/secrets.js';
import { askText, askYesNo, explain, type WizardIO } from './ask.js';
import { currentAnswers, givenBySource, type WizardState } from './state.js';
import type { Step } from './steps.js';

/** What exposes the server beyond port-forward: the Ingress, else the chart's NodePort Service. */
export function exposure(state: WizardState): string {
  const { ingress } = currentAnswers(state);
  return ingress.enabled ? `the Ingress${ingress.host ? ` at ${ingress.host}` : ''}` : "the NodePort Service (on every node's address)";
}

/** An earlier run of this release had a login: its Secret holds the admin password, which a rerun keeps. */
export function earlierLogin(state: WizardState): boolean {
  const origin = state.base.origins.get('auth.enabled');
  return origin?.kind === 'file' && origin.label !== state.base.preset?.label && state.base.answers.auth.enabled;
}

const loginStep: Step = {
  id: 'auth.enabled',
  section: 'Login',
  label: 'Login',
  keys: ['auth.enabled'],
  relevant: () => true,
  given: (state) => givenBySource(state, 'auth.enabled'),
  ask: async (io, state) => {
    const wanted = await askYesNo(io, state, 'auth.enabled', 'Require a login?');
    if (wanted) return;
    io.say(io.palette.warn(`  Warning: ${noLoginWarning}, and ${exposure(state)} exposes it.`));
    const sure = await io.prompter.confirm({ message: 'Install without a login anyway?', default: false });
    if (sure) return;
    // "No" to going without a login is a yes to the login: asking the first question again would offer "no" again.
    state.typed.set('auth.enabled', true);
    io.say('  A login will be required.');
  },
};

const adminPasswordStep: Step = {
  id: 'auth.adminPassword',
  section: 'Login',
  label: 'Admin password',
  keys: [],
  relevant: (state) => currentAnswers(state).auth.enabled && !earlierLogin(state),
  given: (state) => state.env[adminPasswordEnv] !== undefined,
  ask: async (io, state) => {
    const { auth, release } = currentAnswers(state);
    explain(io, `Kept in memory and put only into the Secret ${secretNames(release).auth} (set ${adminPasswordEnv} to skip this question).`);
    const typed = await io.prompter.password({
      message: `Admin password for ${auth.adminUser} (empty: generate one)`,
      validate: (text) => (text === '' ? true : (adminPasswordProblem(text) ?? true)),
    });
    if (typed === '') delete state.passwords[adminPasswordEnv];
    else state.passwords[adminPasswordEnv] = typed;
  },
};

const ingressNamespaceStep: Step = {
  id: 'networkPolicy.ingressNamespace',
  section: 'Login',
  label: "Ingress controller's namespace",
  keys: ['networkPolicy.ingressNamespace'],
  relevant: (state) => relevantKeys(currentAnswers(state)).includes('networkPolicy.ingressNamespace'),
  given: (state) => givenBySource(state, 'networkPolicy.ingressNamespace'),
  ask: async (io, state) => {
    const found = state.ingressNamespace;
    const help = found
      ? `The NetworkPolicy admits the ingress controller's pods; the IngressClass says they run in ${found}.`
      : "The NetworkPolicy admits the ingress controller's pods; the cluster did not say where they run (empty: the Ingress gets no answer).";
    await askText(io, state, { key: 'networkPolicy.ingressNamespace', message: "Namespace of the ingress controller", help, ...(found ? { suggestion: found } : {}) });
  },
};

/** Asked where no namespace rule can admit the traffic: a preset that requires it, or an AWS ALB (IP mode). */
function wantsAddressRanges(state: WizardState): boolean {
  const answers = currentAnswers(state);
  if (!relevantKeys(answers).includes('networkPolicy.allowedCidrs')) return false;
  return state.base.presetRequired.includes('networkPolicy.allowedCidrs') || (answers.ingress.enabled && answers.ingress.className === 'alb');
}

const allowedCidrsStep: Step = {
  id: 'networkPolicy.allowedCidrs',
  section: 'Login',
  label: 'Address ranges admitted',
  keys: ['networkPolicy.allowedCidrs'],
  relevant: wantsAddressRanges,
  given: (state) => givenBySource(state, 'networkPolicy.allowedCidrs'),
  ask: async (io, state) => {
    await askText(io, state, {
      key: 'networkPolicy.allowedCidrs',
      message: 'Address ranges admitted to the server (CIDR)',
      help: "An AWS ALB in IP mode reaches the pods from the VPC's addresses, which no namespace rule admits: give the VPC's CIDR, e.g. 10.0.0.0/16 (comma-separated for more).",
      required: state.base.presetRequired.includes('networkPolicy.allowedCidrs'),
    });
  },
};

/** Right after the ingress questions: the login, its admin password, and who may reach the server. */
export const loginSteps: readonly Step[] = [loginStep, adminPasswordStep, ingressNamespaceStep, allowedCidrsStep];
