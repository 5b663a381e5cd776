import { z } from 'zod';
import {
  isArtifactRoot,
  isDns1123Label,
  isDns1123Subdomain,
  isHostname,
  isHttpUrl,
  isIngressHost,
  isIpv4Cidr,
  isMlflowUsername,
  isParameterKey,
  isQualifiedName,
  isSqlName,
  isSqlUser,
  isStorageQuantity,
} from './formats.js';
import { chartAppVersion } from './image.js';
import { isSupportedMlflowVersion, minimumMlflowVersion } from './mlflow-version.js';

/**
 * The single model of what the person wants. Every leaf carries a one-line description (the wizard's
 * question and the docs reuse it) and, in `answerMeta`, the words that say what it accepts.
 * Empty strings mean "not set": that lets `--set key=` clear what a preset or an earlier run gave.
 */
export interface AnswerMeta {
  accepts: string;
}

export const answerMeta = z.registry<AnswerMeta>();

function answer<T extends z.ZodType>(schema: T, description: string, accepts: string): T {
  const described = schema.describe(description);
  answerMeta.add(described as z.ZodType, { accepts });
  return described;
}

function checkedString(check: (value: string) => boolean) {
  return z.string().refine(check);
}

function optionalString(check: (value: string) => boolean) {
  return checkedString((value) => value === '' || check(value)).default('');
}

export const databaseEngines = ['postgres', 'mysql', 'mssql'] as const;
export type DatabaseEngine = (typeof databaseEngines)[number];
export const backendTypes = ['file', ...databaseEngines] as const;
export type BackendType = (typeof backendTypes)[number];
export const secretProviders = ['kubernetes', 'aws', 'azure', 'gcp', 'vault'] as const;
export type SecretProvider = (typeof secretProviders)[number];
export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
/** MLflow's permissions (mlflow/server/auth/permissions.py), the default one every user has on what nobody granted. */
export const authPermissions = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const;
export type AuthPermission = (typeof authPermissions)[number];

const yesNo = 'true or false';
const secretName = 'a Kubernetes Secret name (lowercase letters, digits, - and .), or empty';
const annotations = 'a map of annotation names (e.g. eks.amazonaws.com/role-arn) to string values';
const namespaceName = 'a namespace name (a DNS-1123 label: lowercase letters, digits and -), or empty';

export const AnswersSchema = z
  .object({
    release: answer(
      checkedString((value) => isDns1123Label(value, 53)).default('mlflow'),
      'Helm release name; it prefixes the names of everything installed.',
      'a DNS-1123 label of at most 53 characters: lowercase letters, digits and -, starting and ending with a letter or digit',
    ),
    namespace: answer(
      checkedString((value) => isDns1123Label(value)).default('mlflow'),
      'Kubernetes namespace to install into (created when missing).',
      'a DNS-1123 label of at most 63 characters: lowercase letters, digits and -, starting and ending with a letter or digit',
    ),
    backend: z
      .object({
        type: answer(
          z.enum(backendTypes).default('file'),
          'Backend store: file (SQLite on a persistent volume), postgres, mysql or mssql (SQL Server).',
          `one of ${backendTypes.join(', ')}`,
        ),
        volume: z
          .object({
            size: answer(
              checkedString(isStorageQuantity).default('10Gi'),
              "Size of the server's volume (SQLite database and artifacts kept by the server).",
              'a Kubernetes quantity greater than zero, e.g. 10Gi or 500Mi',
            ),
            storageClass: answer(
              optionalString(isDns1123Subdomain),
              "StorageClass of the server's volume; empty uses the cluster's default.",
              'a StorageClass name (lowercase letters, digits, - and .), or empty for the default',
            ),
          })
          .strict()
          .prefault({}),
        db: z
          .object({
            host: answer(
              optionalString(isHostname),
              'Database host name or IP address.',
              'a host name or IPv4 address, e.g. db.example.internal',
            ),
            port: answer(
              z.number().int().min(1).max(65535).optional(),
              'Database port; empty uses the engine default (5432, 3306 or 1433).',
              'an integer from 1 to 65535',
            ),
            name: answer(
              optionalString(isSqlName),
              'Name of the database MLflow keeps its runs in.',
              'a database name: a letter or _, then letters, digits, _ or -, at most 63 characters',
            ),
            user: answer(
              optionalString(isSqlUser),
              'Database user MLflow connects as (its password is asked for, or read from MLFLOW_DB_PASSWORD).',
              'a user name: a letter or _, then letters, digits, _, . or -, at most 63 characters',
            ),
            existingSecret: answer(
              optionalString(isDns1123Subdomain),
              'An existing Secret in the namespace with the database password (key `password`); empty: the installer creates one.',
              secretName,
            ),
            sslMode: answer(
              z.enum(['', ...sslModes]).default(''),
              'TLS to the database (postgres: libpq sslmode; mysql: require or verify-full); empty: the driver default.',
              `one of ${sslModes.join(', ')}, or empty`,
            ),
          })
          .strict()
          .prefault({}),
        createDatabase: z
          .object({
            enabled: answer(
              z.boolean().default(false),
              'Create the database and its user first, with master credentials (a Job before the server starts).',
              yesNo,
            ),
            masterUser: answer(
              optionalString(isSqlUser),
              'Master (admin) user that creates the database and the MLflow user.',
              'a user name: a letter or _, then letters, digits, _, . or -, at most 63 characters',
            ),
            masterSecret: answer(
              optionalString(isDns1123Subdomain),
              "An existing Secret with the master user's password (key `master-password`); empty: the installer provides one.",
              secretName,
            ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    artifacts: z
      .object({
        root: answer(
          optionalString(isArtifactRoot),
          "Where artifacts go: empty keeps them on the server's volume; or an s3://, gs://, wasbs:// or abfss:// URI.",
          'empty, or a URI such as s3://bucket/path, gs://bucket/path, wasbs://container@account.blob.core.windows.net/path or abfss://container@account.dfs.core.windows.net/path',
        ),
        serve: answer(
          z.boolean().default(true),
          'Proxy artifact uploads and downloads through the server, so clients need no bucket credentials.',
          yesNo,
        ),
        s3EndpointUrl: answer(
          optionalString(isHttpUrl),
          'Endpoint of an S3-compatible store (MinIO, Ceph) for an s3:// root; empty for AWS S3.',
          'an http:// or https:// URL, or empty',
        ),
      })
      .strict()
      .prefault({}),
    ingress: z
      .object({
        enabled: answer(z.boolean().default(false), 'Expose MLflow through an Ingress.', yesNo),
        host: answer(
          optionalString(isIngressHost),
          'Host name the Ingress serves MLflow on.',
          'a lowercase DNS name such as mlflow.example.com (not an IP address)',
        ),
        className: answer(
          optionalString(isDns1123Subdomain),
          "IngressClass to use; empty uses the cluster's default class.",
          'an IngressClass name (lowercase letters, digits, - and .), or empty',
        ),
        annotations: answer(
          z.record(checkedString(isQualifiedName), z.string()).default({}),
          'Annotations for the Ingress (e.g. cert-manager issuer, ALB scheme).',
          annotations,
        ),
        tls: z
          .object({
            enabled: answer(z.boolean().default(false), 'Serve the Ingress over HTTPS.', yesNo),
            secretName: answer(
              optionalString(isDns1123Subdomain),
              'Secret with the TLS certificate (created by cert-manager or by you); empty: <release>-mlflow-tls.',
              secretName,
            ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        enabled: answer(
          z.boolean().default(true),
          "Require a login (MLflow's basic-auth); the admin password is typed (masked), read from MLFLOW_ADMIN_PASSWORD or generated, and kept in a Secret only.",
          yesNo,
        ),
        adminUser: answer(
          checkedString(isMlflowUsername).default('admin'),
          'User name of the admin MLflow creates at its first start (a rerun never resets it).',
          'a user name of 1 to 255 characters with no space or colon (HTTP basic auth splits at the first colon)',
        ),
        defaultPermission: answer(
          z.enum(authPermissions).default('READ'),
          'What a logged-in user may do with experiments and models nobody gave them a permission on.',
          `one of ${authPermissions.join(', ')}`,
        ),
      })
      .strict()
      .prefault({}),
    secrets: z
      .object({
        provider: answer(
          z.enum(secretProviders).default('kubernetes'),
          'Where database passwords live: a Kubernetes Secret the installer creates, or aws, azure, gcp, vault (Secrets Store CSI).',
          `one of ${secretProviders.join(', ')}`,
        ),
        installDriver: answer(
          z.boolean().default(false),
          'Install the Secrets Store CSI driver and the provider into kube-system when they are missing.',
          yesNo,
        ),
        objects: z
          .object({
            password: answer(
              z.string().default(''),
              "Where the provider keeps the database user's password (a reference, never the password itself).",
              'aws: secret name or ARN, with #key for a JSON secret; azure: Key Vault secret name; gcp: projects/P/secrets/S/versions/V; vault: path#key',
            ),
            masterPassword: answer(
              z.string().default(''),
              "Where the provider keeps the master user's password (for createDatabase).",
              'aws: secret name or ARN, with #key for a JSON secret; azure: Key Vault secret name; gcp: projects/P/secrets/S/versions/V; vault: path#key',
            ),
          })
          .strict()
          .prefault({}),
        parameters: answer(
          z.record(checkedString(isParameterKey), z.string()).default({}),
          'Other parameters of the provider (aws: region; azure: keyvaultName, tenantId, clientID; vault: roleName, vaultAddress).',
          'a map of parameter names to string values',
        ),
      })
      .strict()
      .prefault({}),
    prometheus: z
      .object({
        expose: answer(z.boolean().default(false), 'Expose Prometheus metrics on /metrics.', yesNo),
        serviceMonitor: answer(
          z.boolean().default(false),
          'Create a ServiceMonitor (needs the Prometheus Operator CRDs and prometheus.expose).',
          yesNo,
        ),
      })
      .strict()
      .prefault({}),
    networkPolicy: z
      .object({
        enabled: answer(
          z.boolean().default(true),
          "Admit traffic to the server only from its own namespace, the ingress controller's, Prometheus's and the extra namespaces (a NetworkPolicy).",
          yesNo,
        ),
        ingressNamespace: answer(
          optionalString(isDns1123Label),
          "Namespace of the ingress controller, admitted when the Ingress is on; the wizard offers the namespace of the helm release that made the IngressClass.",
          namespaceName,
        ),
        prometheusNamespace: answer(
          optionalString(isDns1123Label),
          'Namespace of the Prometheus that scrapes /metrics, admitted when the metrics are on; empty: none.',
          namespaceName,
        ),
        extraNamespaces: answer(
          z.array(checkedString((value) => isDns1123Label(value))).default([]),
          'More namespaces whose pods may reach the server.',
          'a list of namespace names (DNS-1123 labels), comma-separated with --set, e.g. team-a,team-b',
        ),
        allowedCidrs: answer(
          z.array(checkedString((value) => isIpv4Cidr(value))).default([]),
          "Address ranges admitted to the server, for a load balancer that reaches pods from its own addresses (an AWS ALB in IP mode: the VPC's CIDR).",
          'a list of IPv4 ranges in CIDR notation, comma-separated with --set, e.g. 10.0.0.0/16',
        ),
        restrictEgress: answer(
          z.boolean().default(false),
          'Let the server connect only to DNS, the database port and 443 (HTTPS).',
          yesNo,
        ),
      })
      .strict()
      .prefault({}),
    mlflow: z
      .object({
        version: answer(
          checkedString(isSupportedMlflowVersion).default(chartAppVersion),
          'MLflow version to run (image tag v<version>-full); an upgrade migrates the database first, a downgrade below it is refused.',
          `an MLflow release X.Y.Z from ${minimumMlflowVersion} on (the first that takes the --allowed-hosts the chart sets), e.g. ${chartAppVersion}`,
        ),
      })
      .strict()
      .prefault({}),
    serviceAccount: z
      .object({
        annotations: answer(
          z.record(checkedString(isQualifiedName), z.string()).default({}),
          'Annotations for the ServiceAccount: cloud identity (IRSA, GKE or Azure workload identity).',
          annotations,
        ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Answers = z.output<typeof AnswersSchema>;

export function isDatabaseBackend(type: BackendType): type is DatabaseEngine {
  return type !== 'file';
}

export const defaultPorts: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306, mssql: 1433 };
