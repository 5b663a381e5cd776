import { describe, expect, it } from 'vitest';
import { confirmationQuestion, type ConfirmationInput } from '../../src/tasks/install/confirmation.js';

const afterWizard: ConfirmationInput = {
  interactive: true,
  yes: false,
  confirmed: { context: 'kind-dev', namespace: 'tracking', toldOtherCluster: false },
  context: 'kind-dev',
  namespace: 'tracking',
  warnings: [],
  savedUid: 'uid-1',
  clusterUid: 'uid-1',
};

describe('the one confirmation before the install changes the cluster', () => {
  it('after the wizard, with nothing new since its summary: no second question', () => {
    expect(confirmationQuestion(afterWizard)).toBeUndefined();
    expect(confirmationQuestion({ ...afterWizard, savedUid: undefined, clusterUid: undefined })).toBeUndefined();
  });

  it('without the wizard (flags only, in a terminal, no --yes): the one question, naming the context', () => {
    const { confirmed: _none, ...flagsOnly } = afterWizard;
    expect(confirmationQuestion(flagsOnly)).toBe('Change the cluster now (install into context kind-dev, namespace tracking)?');
    const { context: _unknown, ...noContext } = flagsOnly;
    expect(confirmationQuestion(noContext)).toBe('Change the cluster now (install into the current context, namespace tracking)?');
  });

  it('never with --yes or outside a terminal, whatever the preflight found', () => {
    const worrying = { ...afterWizard, warnings: ['storage class'], clusterUid: 'uid-2' };
    expect(confirmationQuestion({ ...worrying, yes: true })).toBeUndefined();
    expect(confirmationQuestion({ ...worrying, interactive: false })).toBeUndefined();
  });

  it('asks once, naming what is new, when the preflight warned', () => {
    expect(confirmationQuestion({ ...afterWizard, warnings: ['storage class', 'service mesh'] })).toBe(
      'The preflight warned (storage class, service mesh: see above). Change the cluster anyway (install into context kind-dev, namespace tracking)?',
    );
  });

  it('asks when the cluster is not the one the summary showed, or not the one the answers were saved on', () => {
    expect(confirmationQuestion({ ...afterWizard, context: 'prod' })).toBe('The context is now prod, not kind-dev. Change the cluster anyway (install into context prod, namespace tracking)?');
    expect(confirmationQuestion({ ...afterWizard, clusterUid: 'uid-2' })).toBe(
      'The answers saved in this namespace were saved on another cluster. Change the cluster anyway (install into context kind-dev, namespace tracking)?',
    );
    // The wizard already said so, and the person chose: not asked again.
    expect(confirmationQuestion({ ...afterWizard, clusterUid: 'uid-2', confirmed: { context: 'kind-dev', namespace: 'tracking', toldOtherCluster: true } })).toBeUndefined();
    expect(confirmationQuestion({ ...afterWizard, warnings: ['ingress class'], context: 'prod' })).toBe(
      'The preflight warned (ingress class: see above); the context is now prod, not kind-dev. Change the cluster anyway (install into context prod, namespace tracking)?',
    );
  });
});
