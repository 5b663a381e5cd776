import { answerFields, flagFor, resolveKey, valueAt } from './fields.js';
import { defaultOrigin, problem, type Origin } from './origin.js';
import { passwordSecrets } from './secrets.js';
import { referenceFormats, requiredParameters } from './secrets-store.js';
import { isDatabaseBackend, type Answers } from './schema.js';
import { needsVolume } from './to-values.js';

/** The answers that matter for these answers: the questions the wizard asks, in its order. */
export function relevantKeys(answers: Answers): string[] {
  const database = isDatabaseBackend(answers.backend.type);
  const create = database && answers.backend.createDatabase.enabled;
  const store = database && answers.secrets.provider !== 'kubernetes';
  const ingress = answers.ingress.enabled;
  const relevant: Record<string, boolean> = {
    'backend.volume.size': needsVolume(answers),
    'backend.volume.storageClass': needsVolume(answers),
    'backend.db.host': database,
    'backend.db.port': database,
    'backend.db.name': database,
    'backend.db.user': database,
    'backend.db.existingSecret': database,
    'backend.db.sslMode': database && answers.backend.type !== 'mssql',
    'backend.createDatabase.enabled': database,
    'backend.createDatabase.masterUser': create,
    'backend.createDatabase.masterSecret': create,
    'artifacts.s3EndpointUrl': answers.artifacts.root.startsWith('s3://'),
    'ingress.host': ingress,
    'ingress.className': ingress,
    'ingress.annotations': ingress,
    'ingress.tls.enabled': ingress,
    'ingress.tls.secretName': ingress && answers.ingress.tls.enabled,
    'secrets.provider': database,
    'secrets.installDriver': store,
    'secrets.objects.password': store && !answers.backend.db.existingSecret,
    'secrets.objects.masterPassword': store && create && !answers.backend.createDatabase.masterSecret,
    'secrets.parameters': store,
    'prometheus.serviceMonitor': answers.prometheus.expose,
    'auth.adminUser': answers.auth.enabled,
    'auth.defaultPermission': answers.auth.enabled,
    'networkPolicy.ingressNamespace': answers.networkPolicy.enabled && ingress,
    'networkPolicy.prometheusNamespace': answers.networkPolicy.enabled && answers.prometheus.expose,
    'networkPolicy.extraNamespaces': answers.networkPolicy.enabled,
    'networkPolicy.allowedCidrs': answers.networkPolicy.enabled,
    'networkPolicy.restrictEgress': answers.networkPolicy.enabled,
  };
  return answerFields.map((field) => field.key).filter((key) => relevant[key] ?? true);
}

function isGiven(value: unknown): boolean {
  if (value === undefined || value === '') return false;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Answers some source gave that these answers make irrelevant (shown as notes, not refused). */
export function ignoredAnswers(answers: Answers, origins: ReadonlyMap<string, Origin>): string[] {
  const relevant = new Set(relevantKeys(answers));
  return answerFields
    .filter((field) => origins.has(field.key) && !relevant.has(field.key))
    .filter((field) => isGiven(valueAt(answers, field.path)) && valueAt(answers, field.path) !== field.defaultValue)
    .map((field) => field.key);
}

const mysqlSslModes = ['disable', 'require', 'verify-full'];

/**
 * Combinations no single answer can refuse on its own. The complaint names the source of the answer
 * that must change. Returns the first problem as a UsageError, or undefined.
 */
export function inconsistency(answers: Answers, origins: ReadonlyMap<string, Origin>) {
  const origin = (key: string): Origin => origins.get(key) ?? defaultOrigin;
  const { backend, artifacts, prometheus, secrets } = answers;

  if (!artifacts.serve && artifacts.root === '') {
    return problem(
      origin('artifacts.serve'),
      'artifacts.serve',
      "artifacts kept on the server's volume are reachable only through the server; keep artifacts.serve=true or set artifacts.root to a bucket URI",
    );
  }
  if (prometheus.serviceMonitor && !prometheus.expose) {
    return problem(origin('prometheus.serviceMonitor'), 'prometheus.serviceMonitor', 'a ServiceMonitor needs the metrics: set prometheus.expose=true too');
  }
  if (backend.db.sslMode && isDatabaseBackend(backend.type)) {
    if (backend.type === 'mssql') {
      return problem(origin('backend.db.sslMode'), 'backend.db.sslMode', 'SQL Server negotiates TLS itself (FreeTDS); expected sslMode empty with backend.type mssql');
    }
    if (backend.type === 'mysql' && !mysqlSslModes.includes(backend.db.sslMode)) {
      return problem(origin('backend.db.sslMode'), 'backend.db.sslMode', `got "${backend.db.sslMode}", expected one of ${mysqlSslModes.join(', ')} with backend.type mysql`);
    }
  }
  if (secrets.provider !== 'kubernetes') {
    const format = referenceFormats[secrets.provider];
    for (const secret of passwordSecrets(answers)) {
      if (secret.from !== 'store' || secret.reference === '') continue;
      const key = secret.role === 'password' ? 'secrets.objects.password' : 'secrets.objects.masterPassword';
      if (!format.pattern.test(secret.reference)) {
        return problem(origin(key), key, `expected ${format.accepts} (secrets.provider is ${secrets.provider}; the value is not shown, in case it is a password)`);
      }
    }
  }
  return undefined;
}

/** A required answer no source gave, with the flag that gives it. */
export interface MissingAnswer {
  key: string;
  description: string;
  flag: string;
}

function missing(key: string): MissingAnswer {
  return { key, description: resolveKey(key)?.field.description ?? '', flag: flagFor(key) };
}

/** Required answers that are empty: what `--yes` cannot take a default for. `presetRequired` adds a preset's own. */
export function missingAnswers(answers: Answers, presetRequired: readonly string[] = []): MissingAnswer[] {
  const keys: string[] = [];
  const { backend, ingress, secrets } = answers;
  if (isDatabaseBackend(backend.type)) {
    if (!backend.db.host) keys.push('backend.db.host');
    if (!backend.db.name) keys.push('backend.db.name');
    if (!backend.db.user) keys.push('backend.db.user');
    if (backend.createDatabase.enabled && !backend.createDatabase.masterUser) keys.push('backend.createDatabase.masterUser');
  }
  if (ingress.enabled && !ingress.host) keys.push('ingress.host');
  const fromStore = passwordSecrets(answers).filter((secret) => secret.from === 'store');
  if (secrets.provider !== 'kubernetes' && fromStore.length > 0) {
    for (const secret of fromStore) {
      if (secret.reference === '') keys.push(secret.role === 'password' ? 'secrets.objects.password' : 'secrets.objects.masterPassword');
    }
    for (const parameter of requiredParameters[secrets.provider]) {
      if (!secrets.parameters[parameter]) keys.push(`secrets.parameters.${parameter}`);
    }
    const annotations = answers.serviceAccount.annotations;
    if (secrets.provider === 'azure' && !secrets.parameters.clientID && !annotations['azure.workload.identity/client-id']) {
      keys.push('serviceAccount.annotations.azure.workload.identity/client-id');
    }
  }
  const relevant = new Set(relevantKeys(answers));
  for (const key of presetRequired) {
    const resolved = resolveKey(key);
    if (!resolved || !relevant.has(resolved.field.key)) continue;
    const value = valueAt(answers, resolved.field.path);
    const given = resolved.entry === undefined ? isGiven(value) : isGiven((value as Record<string, unknown>)[resolved.entry]);
    if (!given && !keys.includes(key)) keys.push(key);
  }
  return keys.map(missing);
}

/** Asked only when a release runs another MLflow version than the chart's (the wizard's upgrade question). */
const askedOnlyToUpgrade: readonly string[] = ['mlflow.version'];

/** The questions an interactive run would still ask: relevant answers no source gave. */
export function unansweredQuestions(answers: Answers, origins: ReadonlyMap<string, Origin>): string[] {
  return relevantKeys(answers).filter((key) => !origins.has(key) && !askedOnlyToUpgrade.includes(key));
}
