import { adminPasswordEnv, authSecretKeys, authSecretSpec, noLoginWarning } from '../answers/auth-secret.js';
import { passwordSecrets, type PasswordSecret, type SecretEnvironment } from '../answers/secrets.js';
import type { Answers } from '../answers/schema.js';
import { installerLabel, podSecurityModes, podSecurityLabelPrefix } from '../answers/labels.js';
import { savedAnswersSpec } from '../answers/saved.js';
import type { ChartValues } from '../answers/to-values.js';
import { chartFullname } from './chart.js';
import type { ClusterView } from './cluster-view.js';
import {
  helmArgv,
  kubectlArgv,
  secretsStoreDriverCommands,
  type KubeTarget,
  type PlannedCommand,
  type Tools,
} from './commands.js';
import { backupCommand, type BackupCommand } from './backup.js';
import { diffValues, type ValueChange } from './diff.js';
import { upgradeConsequences, versionChange } from './upgrade.js';
import { plannedResources, plannedVolumes, type Manifest, type PlannedResource, type PlannedVolume } from './manifests.js';

/** A Secret the release uses: by name and keys, never by value. */
export interface PlannedSecret {
  name: string;
  namespace: string;
  keys: string[];
  /** Who provides it: this installer (from stdin), the Secrets Store CSI driver (synced), or you (must exist). */
  providedBy: 'mlflow-install' | 'secrets-store-csi-driver' | 'existing';
  /** Where each value comes from, in words. */
  source: string;
}

export type PlanCluster =
  | { consulted: false; note: string }
  | { consulted: true; context?: string; releaseExists: boolean; namespaceExists?: boolean; valuesDiff: ValueChange[] };

/** Everything an install would do, without doing any of it. */
export interface Plan {
  release: string;
  namespace: string;
  action: 'install' | 'upgrade' | 'unknown';
  cluster: PlanCluster;
  chart: { path: string; helm: string; helmVersion: string };
  valuesFile: string;
  secrets: PlannedSecret[];
  volumes: PlannedVolume[];
  resources: PlannedResource[];
  commands: PlannedCommand[];
  savedAnswers: { configMap: string; keys: readonly string[] };
  /** Whether a login is required, in one line. */
  login: string;
  /** The MLflow version, and what changing it does to the database. */
  mlflow: PlannedVersion;
  /** Answers given but ignored, and other things worth saying. */
  notes: string[];
  equivalentCommand: string[];
}

export interface PlannedVersion {
  version: string;
  /** The version the release runs now, when the cluster was read and it runs another one. */
  upgradeFrom?: string;
  /** What the upgrade does and what it rules out afterwards. */
  consequences: string[];
  /** The one command that backs the database up first; undefined when none can (SQL Server: your own backup). */
  backup?: BackupCommand;
}

export interface PlanInput {
  answers: Answers;
  values: ChartValues;
  ignored: readonly string[];
  valuesFile: string;
  chart: string;
  tools: Tools & { helmVersion: string };
  kube: KubeTarget;
  timeout: string;
  /** --backup-to, absolute: the database is backed up there first when the release exists. */
  backupTo?: string;
  manifests: readonly Manifest[];
  cluster?: ClusterView;
  env: SecretEnvironment;
  equivalentCommand: string[];
  /** Why the cluster was not consulted, when it was tried and did not answer. */
  clusterNote?: string;
  /** More to say, e.g. that the answers an earlier run saved were used. */
  notes?: readonly string[];
}

function describeSource(source: PasswordSecret, env: SecretEnvironment): string {
  switch (source.from) {
    case 'installer':
      return env[source.input.env] !== undefined
        ? `${source.key}: from ${source.input.env}`
        : `${source.key}: asked for at the prompt (or set ${source.input.env})`;
    case 'store':
      return `${source.key}: synced from the provider's ${source.reference || '(reference not given)'}`;
    case 'existing':
      return `${source.key}: must already be in the Secret`;
  }
}

const providers: Record<PasswordSecret['from'], PlannedSecret['providedBy']> = {
  installer: 'mlflow-install',
  store: 'secrets-store-csi-driver',
  existing: 'existing',
};

/** The login's Secret: created once, never overwritten (a rerun keeps the admin password and the Flask key). */
export function plannedAuthSecret(answers: Answers, env: SecretEnvironment): PlannedSecret | undefined {
  const spec = authSecretSpec(answers);
  if (spec === undefined) return undefined;
  const password = env[adminPasswordEnv] !== undefined ? `from ${adminPasswordEnv} or the prompt` : `typed at the prompt, from ${adminPasswordEnv}, or generated (32 random characters)`;
  return {
    name: spec.name,
    namespace: spec.namespace,
    keys: [authSecretKeys.adminPassword, authSecretKeys.flaskSecretKey],
    providedBy: 'mlflow-install',
    source: `${authSecretKeys.adminPassword}: ${password}; ${authSecretKeys.flaskSecretKey}: generated; an existing Secret is kept as it is`,
  };
}

/** Whether the server asks for a login, in one line. */
export function loginLine(answers: Answers): string {
  return answers.auth.enabled
    ? `required (MLflow basic-auth; admin ${answers.auth.adminUser}, others ${answers.auth.defaultPermission} by default)`
    : `not required: ${noLoginWarning}`;
}

/** The Secrets by name, one entry per Secret with all its keys. */
export function plannedSecrets(answers: Answers, env: SecretEnvironment): PlannedSecret[] {
  const auth = plannedAuthSecret(answers, env);
  return [...passwordSecretsByName(answers, env), ...(auth ? [auth] : [])];
}

function passwordSecretsByName(answers: Answers, env: SecretEnvironment): PlannedSecret[] {
  const byName = new Map<string, PlannedSecret>();
  for (const secret of passwordSecrets(answers)) {
    const entry = byName.get(secret.secret);
    if (entry) {
      entry.keys.push(secret.key);
      entry.source = `${entry.source}; ${describeSource(secret, env)}`;
      continue;
    }
    byName.set(secret.secret, {
      name: secret.secret,
      namespace: answers.namespace,
      keys: [secret.key],
      providedBy: providers[secret.from],
      source: describeSource(secret, env),
    });
  }
  return [...byName.values()];
}

function plannedCluster(cluster: ClusterView | undefined, values: ChartValues, why?: string): PlanCluster {
  if (!cluster) {
    return { consulted: false, note: `the cluster was not consulted${why ? ` (${why})` : ''}: whether this installs or upgrades is not known` };
  }
  return {
    consulted: true,
    ...(cluster.context ? { context: cluster.context } : {}),
    releaseExists: cluster.releaseExists,
    ...(cluster.namespaceExists === undefined ? {} : { namespaceExists: cluster.namespaceExists }),
    valuesDiff: cluster.releaseExists ? diffValues(cluster.currentValues ?? {}, values) : [],
  };
}

function commands(input: PlanInput): PlannedCommand[] {
  const { answers, tools, kube, timeout, cluster } = input;
  const { release, namespace } = answers;
  const steps: PlannedCommand[] = [];
  const backup = backupStep(input);
  if (backup) steps.push(backup);
  if (cluster?.namespaceExists !== true) {
    steps.push({
      step: 'namespace',
      title: `Create the namespace ${namespace}, enforcing Pod Security "restricted"`,
      argv: kubectlArgv(tools, kube, ['create', '-f', '-']),
      stdin: `Namespace ${namespace} labelled ${installerLabel.key}=${installerLabel.value} (so that uninstall --purge knows it may remove it) and ${podSecurityLabelPrefix}/{${podSecurityModes.join(',')}}=restricted, {${podSecurityModes.map((mode) => `${mode}-version`).join(',')}}=latest`,
      ...(cluster?.namespaceExists === false ? {} : { when: 'when the namespace is missing' }),
    });
  }
  const created = passwordSecretsByName(answers, input.env).filter((secret) => secret.providedBy === 'mlflow-install');
  if (created.length > 0) {
    steps.push({
      step: 'secrets',
      title: `Create or update the Secret${created.length > 1 ? 's' : ''} ${created.map((secret) => secret.name).join(', ')}`,
      argv: kubectlArgv(tools, kube, ['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-'], namespace),
      stdin: created.map((secret) => `Secret ${secret.name} (${secret.source})`).join('; '),
    });
  }
  const auth = plannedAuthSecret(answers, input.env);
  if (auth) {
    steps.push({
      step: 'auth-secret',
      title: `Create the Secret ${auth.name} of the login (kept as it is when it exists)`,
      argv: kubectlArgv(tools, kube, ['create', '-f', '-'], namespace),
      stdin: `Secret ${auth.name} (${auth.source})`,
    });
  }
  if (input.values.secrets.store.enabled && answers.secrets.provider !== 'kubernetes' && answers.secrets.installDriver && cluster?.secretsStoreDriverInstalled !== true) {
    steps.push(...secretsStoreDriverCommands(tools, kube, answers.secrets.provider, timeout));
  }
  steps.push({
    step: 'helm-upgrade',
    title: `Install or upgrade the release ${release}`,
    argv: helmArgv(tools, kube).upgradeInstall({ release, chart: input.chart, namespace, timeout, valuesFiles: [input.valuesFile] }),
  });
  const deployment = input.manifests.find((manifest) => manifest.kind === 'Deployment')?.metadata.name ?? chartFullname(release);
  steps.push({
    step: 'rollout',
    title: `Wait for the rollout of deployment/${deployment}`,
    argv: kubectlArgv(tools, kube, ['rollout', 'status', `deployment/${deployment}`, '--timeout', timeout], namespace),
  });
  steps.push({
    step: 'pods-ready',
    title: 'Wait until every server pod is Running and Ready',
    argv: kubectlArgv(
      tools,
      kube,
      ['wait', 'pod', '--for=condition=Ready', '--selector', `app.kubernetes.io/instance=${release},app.kubernetes.io/component=tracking-server`, '--timeout', timeout],
      namespace,
    ),
  });
  steps.push({ step: 'helm-test', title: 'Check /health with the chart test', argv: helmArgv(tools, kube).test(release, namespace, timeout) });
  if (cluster?.clusterUid === undefined) {
    steps.push({
      step: 'cluster-uid',
      title: 'Read the cluster identity saved with the answers (the kube-system namespace UID)',
      argv: kubectlArgv(tools, kube, ['get', 'namespace', 'kube-system', '--output', 'jsonpath={.metadata.uid}']),
    });
  }
  const saved = savedAnswersSpec(answers);
  steps.push({
    step: 'save-answers',
    title: `Save the answers with the release (ConfigMap ${saved.name})`,
    argv: kubectlArgv(tools, kube, ['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-'], namespace),
    stdin: `ConfigMap ${saved.name} (${saved.keys.join(', ')})`,
  });
  return steps;
}

/** --backup-to: the release's database, backed up before anything changes (nothing to back up before a first install). */
function backupStep(input: PlanInput): PlannedCommand | undefined {
  const { answers, cluster, backupTo } = input;
  if (backupTo === undefined || cluster?.releaseExists === false) return undefined;
  const from = cluster?.versions?.running?.version ?? answers.mlflow.version;
  const backup = backupCommand(answers, input.tools, input.kube, from);
  if (backup === undefined) return undefined;
  return {
    step: 'backup',
    title: `Back the database up to ${backupTo} (before anything changes)`,
    argv: backup.argv,
    ...(backup.input ? { stdin: 'a newline, which starts the dump once kubectl is attached' } : {}),
    ...(cluster === undefined ? { when: 'when the release exists' } : {}),
    writesTo: { file: backupTo, format: backup.format },
  };
}

function plannedVersion(input: PlanInput): PlannedVersion {
  const { answers } = input;
  const version = answers.mlflow.version;
  const change = input.cluster?.versions ? versionChange(version, input.cluster.versions) : { kind: 'none' as const };
  if (change.kind !== 'upgrade') return { version, consequences: [] };
  const backup = backupCommand(answers, input.tools, input.kube, change.from);
  const consequences = upgradeConsequences(change, answers);
  if (!backup) consequences.push('Back the SQL Server database up first with its own tools (BACKUP DATABASE, or your provider\'s snapshot).');
  return { version, upgradeFrom: change.from, consequences, ...(backup ? { backup } : {}) };
}

export function buildPlan(input: PlanInput): Plan {
  const { answers } = input;
  const cluster = plannedCluster(input.cluster, input.values, input.clusterNote);
  const saved = savedAnswersSpec(answers);
  const notes = [...input.ignored.map((key) => `${key} is ignored with these answers`), ...(input.notes ?? [])];
  if (!input.cluster) notes.push('no cluster was contacted: preflight checks (access, StorageClass, IngressClass, CRDs, Pod Security) run at install time');
  if (input.backupTo !== undefined && input.cluster?.releaseExists === false) notes.push(`--backup-to ${input.backupTo}: release ${answers.release} does not exist yet, so there is no database to back up`);
  if (input.cluster?.namespaceExists === true) {
    notes.push(`namespace ${answers.namespace} exists: it is left as it is, Pod Security labels included; the preflight dry-runs the release's pods there and warns if its level refuses one`);
  }
  return {
    release: answers.release,
    namespace: answers.namespace,
    action: input.cluster ? (input.cluster.releaseExists ? 'upgrade' : 'install') : 'unknown',
    cluster,
    chart: { path: input.chart, helm: input.tools.helm, helmVersion: input.tools.helmVersion },
    valuesFile: input.valuesFile,
    secrets: plannedSecrets(answers, input.env),
    volumes: plannedVolumes(input.manifests),
    resources: plannedResources(input.manifests),
    commands: commands(input),
    savedAnswers: { configMap: `${saved.namespace}/${saved.name}`, keys: saved.keys },
    login: loginLine(answers),
    mlflow: plannedVersion(input),
    notes,
    equivalentCommand: input.equivalentCommand,
  };
}
