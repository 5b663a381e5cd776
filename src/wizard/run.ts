import { answerInputsFromFlags, resolveAnswers, type ResolvedAnswers } from '../answers/resolve.js';
import type { SecretEnvironment } from '../answers/secrets.js';
import type { GlobalOptions } from '../options.js';
import { runQuestions, type WizardOutcome } from './flow.js';
import { drawFirstFrame, earlyFrame } from './first-frame.js';
import { unreadableCluster, type ClusterLookups } from './lookups.js';
import { inquirerPrompter, type Prompter } from './prompter.js';

export type { WizardOutcome } from './flow.js';

export interface WizardContext {
  stdout: (text: string) => void;
  env: SecretEnvironment;
  cwd: string;
}

const lookupWaitMs = 5_000;

/** The cluster look-ups start on first use, or just after the first question is on screen, whichever comes first. */
function lookupsOnDemand(start: () => Promise<ClusterLookups>): { lookups: ClusterLookups; start: () => void; stop: () => void } {
  let started: Promise<ClusterLookups> | undefined;
  let stopped = false;
  const begin = () => (started ??= start());
  const lookups: ClusterLookups = {
    storageClasses: async () => (await begin()).storageClasses(),
    ingressClasses: async () => (await begin()).ingressClasses(),
    serviceMonitorCrd: async () => (await begin()).serviceMonitorCrd(),
    clusterUid: async () => (await begin()).clusterUid(),
    earlierInstall: async (release, namespace) => (await begin()).earlierInstall(release, namespace),
    stop: () => {
      stopped = true;
      void started?.then((running) => running.stop());
    },
  };
  return {
    lookups,
    start: () => {
      if (!stopped) void begin();
    },
    stop: lookups.stop,
  };
}

/** The first prompt replaces the question drawn ahead; once it is on screen the cluster look-ups start. */
function aroundFirstQuestion(prompter: Prompter, before: () => void, after: () => void): Prompter {
  let first = true;
  const mark = <T>(ask: () => Promise<T>): Promise<T> => {
    if (!first) return ask();
    first = false;
    before();
    const asked = ask();
    setImmediate(after);
    return asked;
  };
  return {
    input: (config) => mark(() => prompter.input(config)),
    select: (config) => mark(() => prompter.select(config)),
    confirm: (config) => mark(() => prompter.confirm(config)),
    password: (config) => mark(() => prompter.password(config)),
  };
}

/** Says each line, except those the first frame already showed, in the same order. */
function sayOnce(write: (line: string) => void, saidAhead: readonly string[]): (line: string) => void {
  let ahead = [...saidAhead];
  return (line) => {
    if (ahead[0] === line) {
      ahead.shift();
      return;
    }
    ahead = [];
    write(line);
  };
}

/** The interactive install: welcome, questions, summary, and the person's choice of what to do. */
export async function runWizard(options: GlobalOptions, context: WizardContext, resolved: ResolvedAnswers): Promise<WizardOutcome> {
  const frame = await (earlyFrame() ?? drawFirstFrame(options, context.env, { write: context.stdout, isTTY: true }));
  const { identity, palette } = frame;

  const cluster = lookupsOnDemand(async () => {
    if (!identity.found) return unreadableCluster(identity.reason);
    const { startKubectlLookups } = await import('./kubectl-lookups.js');
    const known = ['MLFLOW_DB_PASSWORD', 'MLFLOW_DB_MASTER_PASSWORD', 'MLFLOW_ADMIN_PASSWORD'].flatMap((name) => context.env[name] ?? []);
    return startKubectlLookups({
      kubectl: options.kubectl,
      ...(options.context ? { context: options.context } : {}),
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      secrets: known,
    });
  });
  try {
    const prompter = aroundFirstQuestion(await inquirerPrompter({ color: palette.enabled }), frame.takeOver, cluster.start);
    const say = sayOnce((line) => context.stdout(`${line}\n`), frame.saidAhead);
    return await runQuestions(
      { prompter, say, palette, lookups: cluster.lookups, lookupWaitMs },
      {
        resolved,
        env: context.env,
        reresolve: (saved) => resolveAnswers({ ...answerInputsFromFlags(options, context.cwd), ...(saved ? { savedAnswers: saved } : {}) }),
        runFlags: {
          ...(options.preset ? { preset: options.preset } : {}),
          ...(options.context ? { context: options.context } : {}),
          ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
          valuesFile: options.valuesFile,
          ...(options.chart ? { chart: options.chart } : {}),
        },
        valuesFile: options.valuesFile,
        ...(identity.found ? { context: identity.context } : {}),
      },
    );
  } finally {
    cluster.stop();
  }
}
