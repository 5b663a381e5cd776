import { namespaceIdentity, savedAnswersConfigMap, savedAnswersSpec } from '../../answers/saved.js';
import { missingPermission } from '../../cluster/forbidden.js';
import { authSecretManifest, authSecretSpec } from '../../answers/auth-secret.js';
import { secretManifest, secretSpecs } from '../../answers/secrets.js';
import { CommandFailedError } from '../../cluster/runner.js';
import type { PlannedCommand } from '../../plan/commands.js';
import { watchDiagnosis } from '../diagnose.js';
import { execute, releaseSelector, type InstallRun, type StepReport } from './install-run.js';
import { namespaceManifest } from '../../answers/labels.js';
import { backupDatabase } from './backup-step.js';

export type StepExecutor = (run: InstallRun, command: PlannedCommand, report: StepReport) => Promise<void>;

/** The Secrets the installer creates, as manifests for `kubectl apply -f -`: built here, sent on stdin, kept nowhere. */
export function secretsDocument(run: InstallRun): { names: string[]; text: string } {
  const specs = secretSpecs(run.answers);
  const manifests = specs.map((spec) => {
    const values: Record<string, string> = {};
    for (const { key, input } of spec.keys) {
      const value = run.env[input.env];
      if (value === undefined) throw new Error(`no password for Secret ${spec.name}: ${input.env} is not set`);
      values[key] = value;
    }
    return JSON.stringify(secretManifest(spec, values, run.answers.release));
  });
  return { names: specs.map((spec) => spec.name), text: manifests.join('\n---\n') };
}

function plural(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

const createNamespace: StepExecutor = async (run, command, report) => {
  const { namespace } = run.answers;
  try {
    await execute(run, command, { limit: 'quick', input: namespaceManifest(namespace) });
  } catch (error) {
    // Created meanwhile by someone else: what this step wanted is there.
    if (error instanceof CommandFailedError && error.stderrTail.some((line) => /AlreadyExists/.test(line))) {
      report.title(`Namespace ${namespace} exists`);
      return;
    }
    throw error;
  }
  run.ledger.add({ what: `namespace ${namespace} (created)`, undo: [run.tools.kubectl, 'delete', 'namespace', namespace] });
  report.title(`Created the namespace ${namespace}`);
};

const applySecrets: StepExecutor = async (run, command, report) => {
  const { names, text } = secretsDocument(run);
  await execute(run, command, { limit: 'quick', input: text });
  const { namespace } = run.answers;
  run.ledger.add({
    what: `${plural(names.length, 'Secret')} ${names.join(', ')} in ${namespace} (created or updated)`,
    undo: [run.tools.kubectl, 'delete', 'secret', ...names, '--namespace', namespace],
  });
  report.title(`Applied the ${plural(names.length, 'Secret')} ${names.join(', ')} (from stdin)`);
};

/** Created once; an existing Secret keeps its values (`kubectl create` refuses to overwrite: no read of it needed). */
const createAuthSecret: StepExecutor = async (run, command, report) => {
  const spec = authSecretSpec(run.answers);
  if (spec === undefined || run.auth === undefined) throw new Error('the login Secret was planned without its values');
  const text = JSON.stringify(authSecretManifest(spec, run.auth, run.answers.release));
  try {
    await execute(run, command, { limit: 'quick', input: text });
  } catch (error) {
    if (error instanceof CommandFailedError && error.stderrTail.some((line) => /AlreadyExists/.test(line))) {
      run.authSecretKept = true;
      report.title(`Kept the Secret ${spec.name} as it is (the admin password and the Flask key are unchanged)`);
      return;
    }
    throw error;
  }
  run.ledger.add({
    what: `Secret ${spec.name} in ${spec.namespace} (created)`,
    undo: [run.tools.kubectl, 'delete', 'secret', spec.name, '--namespace', spec.namespace],
  });
  report.title(`Created the Secret ${spec.name} of the login (from stdin)`);
};

const addChartRepository: StepExecutor = async (run, command, report) => {
  await execute(run, command, { limit: 'quick' });
  const name = command.argv[3] ?? '';
  run.ledger.add({ what: `helm chart repository ${name} (added to this machine's helm settings)` });
  report.title(`Added the chart repository ${name}`);
};

const installDriverPart: StepExecutor = async (run, command, report) => {
  const isHelm = command.argv[0] === run.tools.helm;
  report.output(isHelm ? `waiting up to ${run.timeout} for it to be ready in kube-system` : 'applying the manifest');
  await execute(run, command, { limit: isHelm ? 'helm-upgrade' : 'quick' });
  const release = isHelm ? command.argv[3] : undefined;
  run.ledger.add({
    what: `${command.step === 'secrets-store-driver' ? 'the Secrets Store CSI driver' : `the ${run.answers.secrets.provider} provider of the Secrets Store CSI driver`} in kube-system${release ? ` (helm release ${release})` : ''}`,
  });
  report.title(command.title.replace(/^Install/, 'Installed'));
};

/** "REVISION: 3" in helm's status block. */
function revisionIn(output: string): number | undefined {
  const match = /^REVISION: (\d+)$/m.exec(output);
  return match ? Number(match[1]) : undefined;
}

const helmUpgrade: StepExecutor = async (run, command, report) => {
  const { release, namespace } = run.answers;
  const upgrading = run.before.release !== undefined && run.before.release.latest.status !== 'uninstalled';
  report.output(`helm waits up to ${run.timeout} (--timeout) for the release's pods, volume claims and Jobs to be ready`);
  const watch = watchDiagnosis(run.kubectl, { selector: releaseSelector(release), intervalMs: 2_000 });
  let succeeded = false;
  try {
    const result = await execute(run, command, { limit: 'helm-upgrade' });
    succeeded = true;
    const revision = revisionIn(result.stdout);
    if (revision !== undefined) run.installedRevision = revision;
    const at = revision === undefined ? '' : ` (revision ${revision})`;
    const changes = run.valuesDiff?.length;
    const said = upgrading
      ? `Upgraded the release ${release}${at}: ${changes === 0 ? 'no value changed' : `${changes} ${plural(changes ?? 0, 'value')} changed`}`
      : `Installed the release ${release}${at}`;
    run.ledger.add({
      what: upgrading ? `release ${release} upgraded${at}` : `release ${release} installed${at}`,
      ...(upgrading ? {} : { undo: [run.tools.helm, 'uninstall', release, '--namespace', namespace] }),
    });
    report.title(said);
  } finally {
    // On success nobody waits for the last look; on failure it holds the logs of pods helm has since deleted.
    const stopped = watch.stop();
    if (!succeeded) {
      const seen = await stopped;
      if (seen) run.watched = seen;
    }
  }
};

const rollout: StepExecutor = async (run, command, report) => {
  const target = command.argv.find((arg) => arg.startsWith('deployment/')) ?? 'the deployment';
  report.output(`waiting up to ${run.timeout} (--timeout) for ${target} to roll out`);
  await execute(run, command, { limit: 'wait', onLine: (line) => report.output(line) });
  report.title(`${target} rolled out`);
};

const podsReady: StepExecutor = async (run, command, report) => {
  report.output(`waiting up to ${run.timeout} (--timeout) for every server pod to be Running and Ready`);
  const result = await execute(run, command, { limit: 'wait' });
  const pods = [...result.stdout.matchAll(/^pod\/(\S+) condition met$/gm)].map((match) => match[1] ?? '');
  report.title(`Every server pod is Running and Ready: ${pods.join(', ')}`);
};

const helmTest: StepExecutor = async (run, command, report) => {
  report.output(`waiting up to ${run.timeout} (--timeout) for the test pod to get an answer from /health`);
  await execute(run, command, { limit: 'wait' });
  report.title('The chart test passed: the server answers on /health');
};

const readClusterUid: StepExecutor = async (run, command, report) => {
  let uid: string;
  try {
    uid = (await execute(run, command, { limit: 'quick' })).stdout.trim();
  } catch (error) {
    if (missingPermission(error) === undefined) throw error;
    // A namespace admin: the namespace that holds the answers stands for the cluster.
    const namespaceUid = (await run.kubectl.namespaceNamed(run.answers.namespace))?.metadata.uid;
    if (namespaceUid === undefined) throw error;
    run.clusterUid = namespaceIdentity(namespaceUid);
    report.title(`Read the cluster identity (kube-system may not be read: namespace ${run.answers.namespace} UID ${namespaceUid})`);
    return;
  }
  if (uid === '') throw new Error('kubectl printed no UID for the kube-system namespace');
  run.clusterUid = uid;
  report.title(`Read the cluster identity (kube-system UID ${uid})`);
};

const saveAnswers: StepExecutor = async (run, command, report) => {
  const uid = run.clusterUid ?? run.before.clusterUid;
  if (uid === undefined) throw new Error('the cluster identity (kube-system UID) is not known');
  const spec = savedAnswersSpec(run.answers);
  const configMap = savedAnswersConfigMap(spec, uid, run.answers.release);
  await execute(run, command, { limit: 'quick', input: JSON.stringify(configMap) });
  report.title(`Saved the answers in ConfigMap ${spec.namespace}/${spec.name}`);
};

const executors: Record<string, StepExecutor> = {
  backup: backupDatabase,
  namespace: createNamespace,
  secrets: applySecrets,
  'auth-secret': createAuthSecret,
  'secrets-store-driver-repo': addChartRepository,
  'secrets-store-driver': installDriverPart,
  'secrets-store-provider-repo': addChartRepository,
  'secrets-store-provider': installDriverPart,
  'helm-upgrade': helmUpgrade,
  rollout,
  'pods-ready': podsReady,
  'helm-test': helmTest,
  'cluster-uid': readClusterUid,
  'save-answers': saveAnswers,
};

/** How each planned step runs; a step the plan has and this does not know is a bug, caught before anything runs. */
export function executorFor(step: string): StepExecutor {
  const executor = executors[step];
  if (executor === undefined) throw new Error(`the install does not know how to run the planned step "${step}"`);
  return executor;
}
