// Whether the install asks before it changes the cluster, and what the question says. The wizard's summary
// already named the context and namespace next to "Install now": asking again is noise, unless the preflight
// found something that summary did not show. Pure: the pipeline does the asking.
import { compareSavedCluster } from '../../wizard/saved-cluster.js';

/** What the person saw, and chose "Install now" on, in the wizard's summary. */
export interface ConfirmedTarget {
  /** The kube context the summary named; undefined when it named "the current context". */
  context?: string;
  namespace: string;
  /** The wizard said the saved answers belong to another cluster (and asked whether to reuse them). */
  toldOtherCluster: boolean;
}

export interface ConfirmationInput {
  /** A person can answer (stdin and stdout are a terminal). */
  interactive: boolean;
  yes: boolean;
  /** Undefined without the wizard (flags only). */
  confirmed?: ConfirmedTarget;
  /** The context and namespace the install changes, as the cluster read found them. */
  context?: string;
  namespace: string;
  /** The titles of the preflight checks that warned. */
  warnings: readonly string[];
  /** The UID the saved answers were saved with, and this cluster's. */
  savedUid?: string;
  clusterUid?: string;
  /** The MLflow upgrade this run makes (the wizard asked about it, and its summary showed it). */
  upgrade?: { from: string; to: string };
}

/** What the preflight found that the summary did not show, one phrase each; empty when nothing is new. */
export function newSinceSummary(input: ConfirmationInput, confirmed: ConfirmedTarget): string[] {
  const news: string[] = [];
  if (input.warnings.length > 0) news.push(`the preflight warned (${input.warnings.join(', ')}: see above)`);
  if (input.context !== undefined && input.context !== confirmed.context) {
    news.push(`the context is now ${input.context}, not ${confirmed.context ?? 'the one the summary showed'}`);
  }
  if (input.namespace !== confirmed.namespace) news.push(`the namespace is ${input.namespace}, not ${confirmed.namespace}`);
  if (!confirmed.toldOtherCluster && compareSavedCluster(input.savedUid, input.clusterUid).kind === 'other') {
    news.push('the answers saved in this namespace were saved on another cluster');
  }
  return news;
}

/** The one question to ask before anything changes, or undefined when none is asked. */
export function confirmationQuestion(input: ConfirmationInput): string | undefined {
  if (!input.interactive || input.yes) return undefined;
  const where = `${input.context === undefined ? 'the current context' : `context ${input.context}`}, namespace ${input.namespace}`;
  const target = input.upgrade ? `upgrade MLflow ${input.upgrade.from} -> ${input.upgrade.to}, migrating its database, in ${where}` : `install into ${where}`;
  if (input.confirmed === undefined) return `Change the cluster now (${target})?`;
  const news = newSinceSummary(input, input.confirmed);
  if (news.length === 0) return undefined;
  const said = news.join('; ');
  return `${said.charAt(0).toUpperCase()}${said.slice(1)}. Change the cluster anyway (${target})?`;
}
