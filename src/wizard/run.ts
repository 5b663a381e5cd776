import { resolveAnswers, type AnswerInputs, type ResolvedAnswers } from '../answers/resolve.js';
import type { SecretEnvironment } from '../answers/secrets.js';
import type { GlobalOptions } from '../options.js';
import { paletteFor } from '../ui/colors.js';
import { runQuestions, type WizardOutcome } from './flow.js';
import { readKubeIdentity } from './kubeconfig.js';
import { unreadableCluster, type ClusterLookups } from './lookups.js';
import { inquirerPrompter, type Prompter } from './prompter.js';
import { welcomeLines } from './welcome.js';

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

function afterFirstQuestion(prompter: Prompter, then: () => void): Prompter {
  let first = true;
  const mark = <T>(promise: Promise<T>): Promise<T> => {
    if (first) {
      first = false;
      setImmediate(then);
    }
    return promise;
  };
  return {
    input: (config) => mark(prompter.input(config)),
    select: (config) => mark(prompter.select(config)),
    confirm: (config) => mark(prompter.confirm(config)),
    password: (config) => mark(prompter.password(config)),
  };
}

function answerInputs(options: GlobalOptions, cwd: string): AnswerInputs {
  return {
    set: options.set,
    ...(options.preset === undefined ? {} : { preset: options.preset }),
    ...(options.release === undefined ? {} : { release: options.release }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    cwd,
  };
}

/** The interactive install: welcome, questions, summary, and the person's choice of what to do. */
export async function runWizard(options: GlobalOptions, context: WizardContext, resolved: ResolvedAnswers): Promise<WizardOutcome> {
  const palette = paletteFor(options);
  const identity = await readKubeIdentity({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
    env: context.env,
  });
  const preset = resolved.preset ? { name: resolved.preset.name, description: resolved.preset.description } : undefined;
  const givenCount = [...resolved.origins.values()].filter((origin) => origin.kind === 'flag' || (origin.kind === 'file' && origin.label === resolved.preset?.label)).length;
  context.stdout(`${welcomeLines({ identity, ...(preset ? { preset } : {}), givenCount }, palette).join('\n')}\n`);

  const cluster = lookupsOnDemand(async () => {
    if (!identity.found) return unreadableCluster(identity.reason);
    const { startKubectlLookups } = await import('./kubectl-lookups.js');
    const known = ['MLFLOW_DB_PASSWORD', 'MLFLOW_DB_MASTER_PASSWORD'].flatMap((name) => context.env[name] ?? []);
    return startKubectlLookups({
      kubectl: options.kubectl,
      ...(options.context ? { context: options.context } : {}),
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      secrets: known,
    });
  });
  try {
    const prompter = afterFirstQuestion(await inquirerPrompter({ color: palette.enabled }), cluster.start);
    return await runQuestions(
      { prompter, say: (line) => context.stdout(`${line}\n`), palette, lookups: cluster.lookups, lookupWaitMs },
      {
        resolved,
        env: context.env,
        reresolve: (saved) => resolveAnswers({ ...answerInputs(options, context.cwd), ...(saved ? { savedAnswers: saved } : {}) }),
        runFlags: {
          ...(options.preset ? { preset: options.preset } : {}),
          ...(options.context ? { context: options.context } : {}),
          ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
          valuesFile: options.valuesFile,
          ...(options.chart ? { chart: options.chart } : {}),
        },
        valuesFile: options.valuesFile,
      },
    );
  } finally {
    cluster.stop();
  }
}
