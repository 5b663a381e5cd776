import { authSecretKeys } from './auth-secret.js';
import { passwordSecrets, secretNames, type PasswordSecret } from './secrets.js';
import { storeSettings } from './secrets-store.js';
import { chartAppVersion } from './image.js';
import { imageTagFor } from './mlflow-version.js';
import { defaultPorts, isDatabaseBackend, type Answers, type AuthPermission, type DatabaseEngine } from './schema.js';

/**
 * Answers -> the values of charts/mlflow (pure). Only the keys the answers decide are written; the
 * chart's defaults stand for the rest. No password ever appears: the chart is given Secret names.
 */
export interface ChartValues {
  database: {
    enabled: boolean;
    engine?: Record<DatabaseEngine, string | null>;
    options?: Record<string, string>;
    create?: { enabled: boolean; masterSecret: string; masterPasswordKey: string };
  };
  mlflowBackend?: {
    connections: { host: string; port: number; database: string; username: string; db_master_user?: string };
    existingSecret: string;
    existingSecretPasswordKey: string;
  };
  defaultArtifactRoot: string | null;
  artifacts: { serve: boolean; s3EndpointUrl: string };
  persistence?: { enabled: boolean; size: string; storageClass: string };
  ingress: {
    enabled: boolean;
    className?: string | null;
    annotations?: Record<string, string>;
    hosts?: Array<{ host: string; paths: Array<{ path: string; pathType: string }> }>;
    tls?: Array<{ hosts: string[]; secretName: string }>;
  };
  secrets: {
    store: {
      enabled: boolean;
      provider?: string;
      parameters?: Record<string, string>;
      objects?: Record<string, unknown>[];
      secretName?: string;
      secretKeys?: Record<string, string>;
    };
  };
  prometheus: { expose: boolean; serviceMonitor: { enabled: boolean } };
  auth:
    | { enabled: false }
    | { enabled: true; adminUser: string; defaultPermission: AuthPermission; existingSecret: string; adminPasswordKey: string; flaskSecretKeyKey: string };
  networkPolicy: { enabled: false } | { enabled: true; allowedNamespaces: string[]; allowedCidrs: string[]; restrictEgress: boolean };
  serviceAccount: { annotations: Record<string, string> };
  /** Only for another MLflow version than the chart's: the chart's own tag follows its appVersion. */
  image?: { tag: string };
  podLabels?: Record<string, string>;
}

const schemes: Record<DatabaseEngine, string> = { postgres: 'postgresql', mysql: 'mysql+pymysql', mssql: 'mssql+pymssql' };

/** The system CA bundle of the MLflow image (Debian): verify-full for MySQL checks against it. */
export const systemCaBundle = '/etc/ssl/certs/ca-certificates.crt';

/** Query-string options of the backend URI for the chosen TLS mode (sslMode is checked per engine beforehand). */
export function databaseOptions(engine: DatabaseEngine, sslMode: string): Record<string, string> {
  if (!sslMode) return {};
  if (engine === 'postgres') return { sslmode: sslMode };
  if (engine === 'mysql') {
    // PyMySQL turns TLS on when any ssl_* option is given; without a CA it does not verify.
    if (sslMode === 'require') return { ssl_check_hostname: 'false' };
    if (sslMode === 'verify-full') return { ssl_ca: systemCaBundle };
  }
  return {};
}

/** The server keeps data on its own volume for the file backend and for artifacts it stores itself. */
export function needsVolume(answers: Answers): boolean {
  return answers.backend.type === 'file' || answers.artifacts.root === '';
}

function secretFor(passwords: readonly PasswordSecret[], role: PasswordSecret['role']): PasswordSecret | undefined {
  return passwords.find((secret) => secret.role === role);
}

function databaseValues(answers: Answers, passwords: readonly PasswordSecret[]): Pick<ChartValues, 'database' | 'mlflowBackend'> {
  const engine = answers.backend.type;
  if (!isDatabaseBackend(engine)) return { database: { enabled: false } };
  const { db, createDatabase } = answers.backend;
  const password = secretFor(passwords, 'password');
  const master = secretFor(passwords, 'master-password');
  const connections: NonNullable<ChartValues['mlflowBackend']>['connections'] = {
    host: db.host,
    port: db.port ?? defaultPorts[engine],
    database: db.name,
    username: db.user,
  };
  if (createDatabase.enabled) connections.db_master_user = createDatabase.masterUser;
  return {
    database: {
      enabled: true,
      engine: {
        postgres: engine === 'postgres' ? schemes.postgres : null,
        mysql: engine === 'mysql' ? schemes.mysql : null,
        mssql: engine === 'mssql' ? schemes.mssql : null,
      },
      options: databaseOptions(engine, db.sslMode),
      create: {
        enabled: createDatabase.enabled,
        // A synced Secret is found by the chart through secrets.store; the others are named here.
        masterSecret: master && master.from !== 'store' ? master.secret : '',
        masterPasswordKey: 'master-password',
      },
    },
    mlflowBackend: {
      connections,
      existingSecret: password && password.from !== 'store' ? password.secret : '',
      existingSecretPasswordKey: 'password',
    },
  };
}

function ingressValues(answers: Answers): ChartValues['ingress'] {
  const { ingress, release } = answers;
  if (!ingress.enabled) return { enabled: false };
  return {
    enabled: true,
    className: ingress.className || null,
    annotations: ingress.annotations,
    hosts: [{ host: ingress.host, paths: [{ path: '/', pathType: 'Prefix' }] }],
    tls: ingress.tls.enabled ? [{ hosts: [ingress.host], secretName: ingress.tls.secretName || `${release}-mlflow-tls` }] : [],
  };
}

function storeValues(answers: Answers, passwords: readonly PasswordSecret[]): ChartValues['secrets'] {
  const store = storeSettings(answers, passwords);
  if (!store) return { store: { enabled: false } };
  return {
    store: {
      enabled: true,
      provider: store.provider,
      parameters: store.parameters,
      objects: store.objects,
      secretName: store.secretName,
      secretKeys: store.secretKeys,
    },
  };
}

/** The login: the chart reads the admin password and the Flask secret key from the Secret the installer creates. */
function authValues(answers: Answers): ChartValues['auth'] {
  const { auth, release } = answers;
  if (!auth.enabled) return { enabled: false };
  return {
    enabled: true,
    adminUser: auth.adminUser,
    defaultPermission: auth.defaultPermission,
    existingSecret: secretNames(release).auth,
    adminPasswordKey: authSecretKeys.adminPassword,
    flaskSecretKeyKey: authSecretKeys.flaskSecretKey,
  };
}

/**
 * The namespaces whose pods may reach the server: the ingress controller's (with an Ingress), Prometheus's (with
 * metrics), then the extra ones; each once, and never the release's own, which the chart always admits.
 */
export function allowedNamespaces(answers: Answers): string[] {
  const { networkPolicy, ingress, prometheus, namespace } = answers;
  const wanted = [
    ingress.enabled ? networkPolicy.ingressNamespace : '',
    prometheus.expose ? networkPolicy.prometheusNamespace : '',
    ...networkPolicy.extraNamespaces,
  ];
  return [...new Set(wanted.filter((name) => name !== '' && name !== namespace))];
}

function networkPolicyValues(answers: Answers): ChartValues['networkPolicy'] {
  if (!answers.networkPolicy.enabled) return { enabled: false };
  const { allowedCidrs, restrictEgress } = answers.networkPolicy;
  return { enabled: true, allowedNamespaces: allowedNamespaces(answers), allowedCidrs, restrictEgress };
}

export function toChartValues(answers: Answers): ChartValues {
  const passwords = passwordSecrets(answers);
  const values: ChartValues = {
    ...databaseValues(answers, passwords),
    defaultArtifactRoot: answers.artifacts.root || null,
    artifacts: {
      serve: answers.artifacts.serve,
      s3EndpointUrl: answers.artifacts.root.startsWith('s3://') ? answers.artifacts.s3EndpointUrl : '',
    },
    ingress: ingressValues(answers),
    secrets: storeValues(answers, passwords),
    prometheus: {
      expose: answers.prometheus.expose,
      serviceMonitor: { enabled: answers.prometheus.expose && answers.prometheus.serviceMonitor },
    },
    auth: authValues(answers),
    networkPolicy: networkPolicyValues(answers),
    serviceAccount: { annotations: answers.serviceAccount.annotations },
  };
  if (answers.mlflow.version !== chartAppVersion) values.image = { tag: imageTagFor(answers.mlflow.version) };
  if (needsVolume(answers)) {
    values.persistence = { enabled: true, size: answers.backend.volume.size, storageClass: answers.backend.volume.storageClass };
  }
  if (answers.serviceAccount.annotations['azure.workload.identity/client-id']) {
    // Azure workload identity injects its token only into pods that carry this label.
    values.podLabels = { 'azure.workload.identity/use': 'true' };
  }
  return values;
}
