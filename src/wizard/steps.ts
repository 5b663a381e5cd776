import { missingAnswers, relevantKeys } from '../answers/consistency.js';
import { referenceFormats, requiredParameters } from '../answers/secrets-store.js';
import { defaultPorts, isDatabaseBackend, sslModes, type Answers, type BackendType, type SecretProvider } from '../answers/schema.js';
import type { PasswordRole } from '../answers/secrets.js';
import { askChoice, askText, askYesNo, awaitLookup, explain, whyNoList, type WizardIO } from './ask.js';
import type { Choice } from './prompter.js';
import { loginSteps } from './login-steps.js';
import { chartAppVersion } from '../answers/image.js';
import { compareVersions } from '../answers/mlflow-version.js';
import { currentAnswers, givenBySource, type PasswordEnv, type PasswordSource, type WizardState } from './state.js';

/** One question (or a short run of them) of the wizard, in the order. */
export interface Step {
  id: string;
  section: string;
  /** How "Change an answer" names it. */
  label: string;
  /** The answer keys it sets. */
  keys: readonly string[];
  relevant(state: WizardState): boolean;
  /** Answered by --set or --preset: skipped (an earlier run's answer is only the default). */
  given(state: WizardState): boolean;
  ask(io: WizardIO, state: WizardState): Promise<void>;
}

const isRelevant = (state: WizardState, key: string): boolean => relevantKeys(currentAnswers(state)).includes(key);
const allGiven = (keys: readonly string[]) => (state: WizardState) => keys.every((key) => givenBySource(state, key));

function textStep(section: string, key: string, label: string, options: { required?: boolean; suggestion?: string; relevant?: (state: WizardState) => boolean } = {}): Step {
  return {
    id: key,
    section,
    label,
    keys: [key],
    relevant: options.relevant ?? ((state) => isRelevant(state, key)),
    given: allGiven([key]),
    ask: async (io, state) => {
      await askText(io, state, { key, message: label, required: options.required ?? false, ...(options.suggestion ? { suggestion: options.suggestion } : {}) });
    },
  };
}

function yesNoStep(section: string, key: string, label: string, question: string, relevant?: (state: WizardState) => boolean): Step {
  return {
    id: key,
    section,
    label,
    keys: [key],
    relevant: relevant ?? ((state) => isRelevant(state, key)),
    given: allGiven([key]),
    ask: async (io, state) => {
      await askYesNo(io, state, key, question);
    },
  };
}

const backendChoices: Choice<BackendType>[] = [
  { value: 'file', name: 'file: SQLite on a persistent volume in the cluster', description: 'Nothing to provide; one server replica.' },
  { value: 'postgres', name: 'postgres: an existing PostgreSQL server', description: 'Host, database, user and password asked next.' },
  { value: 'mysql', name: 'mysql: an existing MySQL or MariaDB server', description: 'Host, database, user and password asked next.' },
  { value: 'mssql', name: 'mssql: an existing SQL Server', description: 'Host, database, user and password asked next.' },
];

/**
 * With a database backend the volume holds only artifacts: asked once the artifact store is known (a bucket
 * needs no volume), while the file backend needs it whatever the artifacts.
 */
function volumeRelevant(state: WizardState): boolean {
  const answers = currentAnswers(state);
  const artifactsKnown = answers.backend.type === 'file' || state.done.has('artifacts.root') || givenBySource(state, 'artifacts.root');
  return artifactsKnown && isRelevant(state, 'backend.volume.size');
}

const storageClassStep: Step = {
  id: 'backend.volume.storageClass',
  section: 'Volume',
  label: 'StorageClass of the volume',
  keys: ['backend.volume.storageClass'],
  relevant: (state) => isRelevant(state, 'backend.volume.storageClass'),
  given: allGiven(['backend.volume.storageClass']),
  ask: async (io, state) => {
    const key = 'backend.volume.storageClass';
    const lookup = await awaitLookup(io, 'the StorageClasses', () => io.lookups.storageClasses());
    if (lookup.state !== 'done' || lookup.value.length === 0) {
      if (lookup.state === 'done') io.say(io.palette.warn('  The cluster lists no StorageClass: the volume needs one (name it, or add a default class to the cluster).'));
      else whyNoList(io, 'StorageClasses', lookup);
      await askText(io, state, { key, message: 'StorageClass (empty: the cluster default)' });
      return;
    }
    const fallback = lookup.value.find((sc) => sc.isDefault);
    const choices: Choice<string>[] = [
      { value: '', name: fallback ? `the cluster's default (${fallback.name})` : "the cluster's default (none is marked default)" },
      ...lookup.value.map((sc) => ({ value: sc.name, name: sc.name, ...(sc.by ? { description: `provisioner ${sc.by}` } : {}) })),
    ];
    await askChoice(io, state, key, 'StorageClass of the volume', choices);
  },
};

const portStep: Step = {
  id: 'backend.db.port',
  section: 'Backend store',
  label: 'Database port',
  keys: ['backend.db.port'],
  relevant: (state) => isRelevant(state, 'backend.db.port'),
  given: allGiven(['backend.db.port']),
  ask: async (io, state) => {
    const answers = currentAnswers(state);
    const engine = answers.backend.type;
    const port = answers.backend.db.port ?? (isDatabaseBackend(engine) ? defaultPorts[engine] : undefined);
    await askText(io, state, { key: 'backend.db.port', message: 'Database port', required: true, ...(port === undefined ? {} : { default: String(port) }) });
  },
};

const passwordEnv: Record<PasswordRole, PasswordEnv> = { password: 'MLFLOW_DB_PASSWORD', 'master-password': 'MLFLOW_DB_MASTER_PASSWORD' };
const existingSecretKey: Record<PasswordRole, string> = { password: 'backend.db.existingSecret', 'master-password': 'backend.createDatabase.masterSecret' };

/** Where a password comes from today, when the person has not said: an existing Secret, the store, or typed. */
export function passwordSourceOf(state: WizardState, role: PasswordRole): PasswordSource {
  const chosen = state.passwordSource[role];
  if (chosen) return chosen;
  const answers = currentAnswers(state);
  const existing = role === 'password' ? answers.backend.db.existingSecret : answers.backend.createDatabase.masterSecret;
  if (existing) return 'existing';
  return answers.secrets.provider === 'kubernetes' ? 'typed' : 'store';
}

/** A password from a secret store: chosen for one of the passwords, or a provider given. */
function usesStore(state: WizardState): boolean {
  return currentAnswers(state).secrets.provider !== 'kubernetes' || Object.values(state.passwordSource).includes('store');
}

function needsPassword(state: WizardState, role: PasswordRole): boolean {
  const answers = currentAnswers(state);
  if (!isDatabaseBackend(answers.backend.type)) return false;
  return role === 'password' || answers.backend.createDatabase.enabled;
}

function passwordSourceStep(role: PasswordRole): Step {
  const who = role === 'password' ? 'the database user' : 'the master user';
  return {
    id: `${role}.source`,
    section: 'Backend store',
    label: `Where the password of ${who} comes from`,
    keys: [existingSecretKey[role], 'secrets.provider'],
    relevant: (state) => needsPassword(state, role),
    given: (state) => givenBySource(state, existingSecretKey[role]) || (givenBySource(state, 'secrets.provider') && currentAnswers(state).secrets.provider !== 'kubernetes'),
    ask: async (io, state) => {
      const store = role === 'master-password' && passwordSourceOf(state, 'password') === 'store';
      const env = passwordEnv[role];
      const typed: Choice<PasswordSource> = {
        value: 'typed',
        name: state.env[env] === undefined ? 'type it now (masked; the installer keeps it in a Kubernetes Secret)' : `from ${env}, already set (the installer keeps it in a Kubernetes Secret)`,
      };
      const existing: Choice<PasswordSource> = { value: 'existing', name: 'an existing Kubernetes Secret in the namespace' };
      const storeChoice: Choice<PasswordSource> = { value: 'store', name: 'a cloud secret store: AWS, Azure, GCP or Vault (chosen under Secrets)' };
      const choices = role === 'password' ? [typed, existing, storeChoice] : store ? [storeChoice, existing] : [typed, existing];
      explain(io, `The password of ${who} is never written to a file or a command line.`);
      const current = passwordSourceOf(state, role);
      const source = await io.prompter.select<PasswordSource>({
        message: `Password of ${who}`,
        choices,
        ...(choices.some((choice) => choice.value === current) ? { default: current } : {}),
      });
      state.passwordSource[role] = source;
      if (source !== 'existing') state.typed.set(existingSecretKey[role], '');
      if (source === 'typed' && role === 'password') state.typed.set('secrets.provider', 'kubernetes');
    },
  };
}

function passwordStep(role: PasswordRole): Step {
  const env = passwordEnv[role];
  return {
    id: `${role}.value`,
    section: 'Backend store',
    label: role === 'password' ? 'Database password' : 'Master password',
    keys: [],
    relevant: (state) => needsPassword(state, role) && passwordSourceOf(state, role) === 'typed' && !usesStoreProvider(state),
    given: (state) => state.env[env] !== undefined,
    ask: async (io, state) => {
      const answers = currentAnswers(state);
      const user = role === 'password' ? answers.backend.db.user : answers.backend.createDatabase.masterUser;
      explain(io, `Kept in memory and handed to the install through stdin only (set ${env} to skip this question).`);
      state.passwords[env] = await io.prompter.password({
        message: `Password of ${user || (role === 'password' ? 'the database user' : 'the master user')}`,
        validate: (text) => (text === '' ? 'required: the password cannot be empty' : /[\r\n]/.test(text) ? 'expected the password on one line' : true),
      });
    },
  };
}

const usesStoreProvider = (state: WizardState): boolean => currentAnswers(state).secrets.provider !== 'kubernetes';

function existingSecretStep(role: PasswordRole): Step {
  const key = existingSecretKey[role];
  return {
    ...textStep('Backend store', key, role === 'password' ? 'Existing Secret with the password' : 'Existing Secret with the master password', {
      required: true,
      relevant: (state) => needsPassword(state, role) && passwordSourceOf(state, role) === 'existing',
    }),
  };
}

const sslModeStep: Step = {
  id: 'backend.db.sslMode',
  section: 'Backend store',
  label: 'TLS to the database',
  keys: ['backend.db.sslMode'],
  relevant: (state) => isRelevant(state, 'backend.db.sslMode'),
  given: allGiven(['backend.db.sslMode']),
  ask: async (io, state) => {
    const engine = currentAnswers(state).backend.type;
    const modes = engine === 'mysql' ? ['disable', 'require', 'verify-full'] : [...sslModes];
    const choices: Choice<string>[] = [{ value: '', name: "the driver's default" }, ...modes.map((mode) => ({ value: mode, name: mode }))];
    await askChoice(io, state, 'backend.db.sslMode', 'TLS to the database', choices);
  },
};

type ArtifactStore = 'server' | 's3' | 'gs' | 'azure';

function artifactStoreOf(root: string): ArtifactStore {
  if (root.startsWith('s3://')) return 's3';
  if (root.startsWith('gs://')) return 'gs';
  if (root.startsWith('wasbs://') || root.startsWith('abfss://')) return 'azure';
  return 'server';
}

const artifactExamples: Record<Exclude<ArtifactStore, 'server'>, { prefix: string[]; example: string }> = {
  s3: { prefix: ['s3://'], example: 's3://my-bucket/mlflow' },
  gs: { prefix: ['gs://'], example: 'gs://my-bucket/mlflow' },
  azure: { prefix: ['wasbs://', 'abfss://'], example: 'wasbs://container@account.blob.core.windows.net/mlflow' },
};

const artifactRootStep: Step = {
  id: 'artifacts.root',
  section: 'Artifacts',
  label: 'Artifact store',
  keys: ['artifacts.root'],
  relevant: () => true,
  given: allGiven(['artifacts.root']),
  ask: async (io, state) => {
    const current = currentAnswers(state).artifacts.root;
    explain(io, 'Artifacts are the files runs log (models, plots). The server can keep them on its volume, or in a bucket.');
    const store = await io.prompter.select<ArtifactStore>({
      message: 'Where artifacts are kept',
      choices: [
        { value: 'server', name: "on the server's volume (proxied through the server)" },
        { value: 's3', name: 'Amazon S3 or an S3-compatible store (MinIO, Ceph)' },
        { value: 'gs', name: 'Google Cloud Storage' },
        { value: 'azure', name: 'Azure Blob Storage' },
      ],
      default: artifactStoreOf(current),
    });
    if (store === 'server') {
      state.typed.set('artifacts.root', '');
      state.typed.set('artifacts.serve', true);
      return;
    }
    const { prefix, example } = artifactExamples[store];
    await askText(io, state, {
      key: 'artifacts.root',
      message: 'Artifact root URI',
      required: true,
      help: `The bucket and path, e.g. ${example}`,
      ...(artifactStoreOf(current) === store ? { default: current } : {}),
      extra: (value) => (prefix.some((start) => String(value).startsWith(start)) ? undefined : `artifacts.root: expected a URI starting with ${prefix.join(' or ')}, e.g. ${example}`),
    });
  },
};

/** The ServiceAccount annotation that gives the pod a cloud identity, for the cloud in use (none for Vault). */
export function identityAnnotation(answers: Answers): string | undefined {
  const cloud: SecretProvider | undefined =
    answers.secrets.provider !== 'kubernetes' && isDatabaseBackend(answers.backend.type)
      ? answers.secrets.provider
      : ({ s3: 'aws', gs: 'gcp', azure: 'azure', server: undefined } as const)[artifactStoreOf(answers.artifacts.root)];
  if (cloud === 'aws') return 'eks.amazonaws.com/role-arn';
  if (cloud === 'gcp') return 'iam.gke.io/gcp-service-account';
  if (cloud === 'azure') return 'azure.workload.identity/client-id';
  return undefined;
}

const identityHelp: Record<string, string> = {
  'eks.amazonaws.com/role-arn': 'The IAM role the server uses (IRSA), e.g. arn:aws:iam::123456789012:role/mlflow; empty: none.',
  'iam.gke.io/gcp-service-account': 'The Google service account the server uses (Workload Identity), e.g. mlflow@project.iam.gserviceaccount.com; empty: none.',
  'azure.workload.identity/client-id': 'The client ID of the managed identity the server uses (Azure workload identity); empty: none.',
};

const identityStep: Step = {
  id: 'serviceAccount.identity',
  section: 'Artifacts',
  label: 'Cloud identity of the server',
  keys: ['serviceAccount.annotations'],
  relevant: (state) => identityAnnotation(currentAnswers(state)) !== undefined,
  given: (state) => {
    const annotation = identityAnnotation(currentAnswers(state));
    return annotation !== undefined && givenBySource(state, `serviceAccount.annotations.${annotation}`);
  },
  ask: async (io, state) => {
    const annotation = identityAnnotation(currentAnswers(state));
    if (annotation === undefined) return;
    const key = `serviceAccount.annotations.${annotation}`;
    await askText(io, state, {
      key,
      message: `Cloud identity (${annotation})`,
      required: state.base.presetRequired.includes(key) || missingAnswers(currentAnswers(state)).some((missing) => missing.key === key),
      help: identityHelp[annotation] ?? '',
    });
  },
};

const ingressClassStep: Step = {
  id: 'ingress.className',
  section: 'Ingress',
  label: 'IngressClass',
  keys: ['ingress.className'],
  relevant: (state) => isRelevant(state, 'ingress.className'),
  given: allGiven(['ingress.className']),
  ask: async (io, state) => {
    const key = 'ingress.className';
    const lookup = await awaitLookup(io, 'the IngressClasses', () => io.lookups.ingressClasses());
    if (lookup.state !== 'done' || lookup.value.length === 0) {
      if (lookup.state === 'done') io.say(io.palette.warn('  The cluster lists no IngressClass: the Ingress needs an ingress controller (name its class, or install one).'));
      else whyNoList(io, 'IngressClasses', lookup);
      await askText(io, state, { key, message: 'IngressClass (empty: the cluster default)' });
      return;
    }
    const fallback = lookup.value.find((ic) => ic.isDefault);
    const choices: Choice<string>[] = [
      { value: '', name: fallback ? `the cluster's default (${fallback.name})` : "the cluster's default (none is marked default)" },
      ...lookup.value.map((ic) => ({ value: ic.name, name: ic.name, ...(ic.by ? { description: `controller ${ic.by}` } : {}) })),
    ];
    const chosen = await askChoice(io, state, key, 'IngressClass', choices);
    const namespace = (chosen === '' ? fallback : lookup.value.find((ic) => ic.name === chosen))?.namespace;
    if (namespace === undefined) delete state.ingressNamespace;
    else state.ingressNamespace = namespace;
  },
};

const providerChoices: Choice<SecretProvider>[] = [
  { value: 'aws', name: 'AWS Secrets Manager' },
  { value: 'azure', name: 'Azure Key Vault' },
  { value: 'gcp', name: 'Google Secret Manager' },
  { value: 'vault', name: 'HashiCorp Vault' },
];

const providerStep: Step = {
  id: 'secrets.provider',
  section: 'Secrets',
  label: 'Secret store',
  keys: ['secrets.provider'],
  relevant: (state) => isDatabaseBackend(currentAnswers(state).backend.type) && usesStore(state),
  given: allGiven(['secrets.provider']),
  ask: async (io, state) => {
    await askChoice(io, state, 'secrets.provider', 'Secret store the passwords are read from (Secrets Store CSI driver)', providerChoices);
  },
};

function referenceStep(key: 'secrets.objects.password' | 'secrets.objects.masterPassword', label: string): Step {
  return {
    id: key,
    section: 'Secrets',
    label,
    keys: [key],
    relevant: (state) => isRelevant(state, key),
    given: allGiven([key]),
    ask: async (io, state) => {
      const provider = currentAnswers(state).secrets.provider;
      const format = provider === 'kubernetes' ? undefined : referenceFormats[provider];
      await askText(io, state, {
        key,
        message: label,
        required: true,
        extra: (value) => (format && !format.pattern.test(String(value)) ? `${key}: expected ${format.accepts}` : undefined),
      });
    },
  };
}

const parametersStep: Step = {
  id: 'secrets.parameters',
  section: 'Secrets',
  label: 'Secret store parameters',
  keys: ['secrets.parameters'],
  relevant: (state) => {
    const answers = currentAnswers(state);
    return isRelevant(state, 'secrets.parameters') && answers.secrets.provider !== 'kubernetes' && requiredParameters[answers.secrets.provider].length > 0;
  },
  given: (state) => {
    const provider = currentAnswers(state).secrets.provider;
    return provider === 'kubernetes' || requiredParameters[provider].every((name) => givenBySource(state, `secrets.parameters.${name}`));
  },
  ask: async (io, state) => {
    const provider = currentAnswers(state).secrets.provider;
    if (provider === 'kubernetes') return;
    for (const name of requiredParameters[provider]) {
      const key = `secrets.parameters.${name}`;
      if (givenBySource(state, key)) continue;
      await askText(io, state, { key, message: `${provider} parameter ${name}`, required: true, help: `A parameter the ${provider} provider needs.` });
    }
  },
};

const serviceMonitorStep: Step = {
  id: 'prometheus.serviceMonitor',
  section: 'Prometheus',
  label: 'ServiceMonitor',
  keys: ['prometheus.serviceMonitor'],
  relevant: (state) => isRelevant(state, 'prometheus.serviceMonitor'),
  given: allGiven(['prometheus.serviceMonitor']),
  ask: async (io, state) => {
    const lookup = await awaitLookup(io, 'the ServiceMonitor CRD', () => io.lookups.serviceMonitorCrd());
    if (lookup.state === 'done' && !lookup.value) {
      io.say(io.palette.dim('  The cluster has no ServiceMonitor CRD (Prometheus Operator): no ServiceMonitor is created.'));
      state.typed.set('prometheus.serviceMonitor', false);
      return;
    }
    const help = lookup.state === 'done' ? undefined : `Could not check for the ServiceMonitor CRD (${lookup.state === 'failed' ? lookup.reason : 'no answer in time'}); say yes only if the Prometheus Operator is installed.`;
    await askYesNo(io, state, 'prometheus.serviceMonitor', 'Create a ServiceMonitor?', help);
  },
};

/** Offered only when the earlier install runs an older MLflow than this installer's chart. */
const upgradeStep: Step = {
  id: 'mlflow.version',
  section: 'Release',
  label: 'MLflow version',
  keys: ['mlflow.version'],
  relevant: (state) => state.releaseVersion !== undefined && compareVersions(state.releaseVersion, chartAppVersion) < 0,
  given: allGiven(['mlflow.version']),
  ask: async (io, state) => {
    const from = state.releaseVersion ?? '';
    explain(io, `The release runs MLflow ${from}. Upgrading migrates its database first; afterwards ${from} cannot serve it (back it up first: the plan shows how).`);
    const upgrade = await io.prompter.confirm({ message: `Upgrade MLflow ${from} -> ${chartAppVersion}?`, default: true });
    state.typed.set('mlflow.version', upgrade ? chartAppVersion : from);
  },
};

/** Every question, in the order the wizard asks them. */
export const steps: readonly Step[] = [
  textStep('Release', 'release', 'Release name', { relevant: () => true }),
  textStep('Release', 'namespace', 'Namespace', { relevant: () => true }),
  upgradeStep,
  {
    id: 'backend.type',
    section: 'Backend store',
    label: 'Backend store',
    keys: ['backend.type'],
    relevant: () => true,
    given: allGiven(['backend.type']),
    ask: async (io, state) => {
      await askChoice(io, state, 'backend.type', 'Backend store', backendChoices, 'Where MLflow keeps runs, parameters and metrics.');
    },
  },
  { ...textStep('Volume', 'backend.volume.size', 'Volume size'), relevant: volumeRelevant },
  { ...storageClassStep, relevant: volumeRelevant },
  textStep('Backend store', 'backend.db.host', 'Database host', { required: true }),
  portStep,
  textStep('Backend store', 'backend.db.name', 'Database name', { required: true, suggestion: 'mlflow' }),
  textStep('Backend store', 'backend.db.user', 'Database user', { required: true, suggestion: 'mlflow' }),
  passwordSourceStep('password'),
  passwordStep('password'),
  existingSecretStep('password'),
  sslModeStep,
  yesNoStep('Backend store', 'backend.createDatabase.enabled', 'Create the database first', 'Create the database and its user first?'),
  textStep('Backend store', 'backend.createDatabase.masterUser', 'Master user', { required: true }),
  passwordSourceStep('master-password'),
  passwordStep('master-password'),
  existingSecretStep('master-password'),
  artifactRootStep,
  yesNoStep('Artifacts', 'artifacts.serve', 'Artifacts proxied by the server', 'Proxy artifacts through the server?', (state) => currentAnswers(state).artifacts.root !== ''),
  textStep('Artifacts', 'artifacts.s3EndpointUrl', 'S3 endpoint (empty for AWS S3)'),
  identityStep,
  yesNoStep('Ingress', 'ingress.enabled', 'Ingress', 'Expose MLflow through an Ingress?'),
  textStep('Ingress', 'ingress.host', 'Ingress host', { required: true }),
  ingressClassStep,
  yesNoStep('Ingress', 'ingress.tls.enabled', 'Ingress TLS', 'Serve the Ingress over HTTPS?'),
  textStep('Ingress', 'ingress.tls.secretName', 'TLS Secret (empty: <release>-mlflow-tls)'),
  ...loginSteps,
  providerStep,
  yesNoStep('Secrets', 'secrets.installDriver', 'Install the CSI driver', 'Install the Secrets Store CSI driver when missing?'),
  referenceStep('secrets.objects.password', 'Password reference in the store'),
  referenceStep('secrets.objects.masterPassword', 'Master password reference in the store'),
  parametersStep,
  yesNoStep('Prometheus', 'prometheus.expose', 'Prometheus metrics', 'Expose Prometheus metrics on /metrics?'),
  serviceMonitorStep,
];
