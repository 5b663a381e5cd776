import type { PasswordRole, PasswordSecret } from './secrets.js';
import type { Answers, SecretProvider } from './schema.js';

/**
 * The Secrets Store CSI side: each password's reference in the provider (`secrets.objects.*`) turned into
 * the provider's object format (the chart renders it into the SecretProviderClass) and the key of the
 * synced Secret it lands in.
 */
type StoreProvider = Exclude<SecretProvider, 'kubernetes'>;

export const referenceFormats: Record<StoreProvider, { pattern: RegExp; accepts: string }> = {
  aws: {
    pattern: /^(arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:[A-Za-z0-9/_+=.@:!-]+|[A-Za-z0-9/_+=.@!-]{1,512})(#[A-Za-z0-9_.-]+)?$/,
    accepts: 'a Secrets Manager secret name or ARN (or an SSM parameter ARN), optionally with #key for a JSON secret',
  },
  azure: { pattern: /^[0-9A-Za-z-]{1,127}$/, accepts: 'a Key Vault secret name (letters, digits and -)' },
  gcp: {
    pattern: /^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/,
    accepts: 'a Secret Manager version name: projects/PROJECT/secrets/SECRET/versions/VERSION',
  },
  vault: { pattern: /^[^\s#]+#[^\s#]+$/, accepts: 'a Vault path and key: secret/data/mlflow#password' },
};

/** The provider parameters a SecretProviderClass cannot work without. */
export const requiredParameters: Record<StoreProvider, readonly string[]> = {
  aws: [],
  azure: ['keyvaultName', 'tenantId'],
  gcp: [],
  vault: ['roleName', 'vaultAddress'],
};

const aliases: Record<PasswordRole, string> = {
  password: 'mlflow-db-password',
  'master-password': 'mlflow-db-master-password',
};

type StoreSecret = Extract<PasswordSecret, { from: 'store' }>;

function awsObjects(secrets: readonly StoreSecret[]): Record<string, unknown>[] {
  // Both passwords may sit in one JSON secret: one object with a jmesPath entry per key, not two objects.
  const byName = new Map<string, Record<string, unknown>>();
  for (const secret of secrets) {
    const [objectName = '', jsonKey] = secret.reference.split('#');
    const objectType = /^arn:aws[a-z-]*:ssm:/.test(objectName) ? 'ssmparameter' : 'secretsmanager';
    if (jsonKey === undefined) {
      byName.set(`${objectName}#${secret.role}`, { objectName, objectType, objectAlias: aliases[secret.role] });
      continue;
    }
    // The JSON document itself is mounted too: an alias keeps an ARN out of the file name.
    const object = byName.get(objectName) ?? { objectName, objectType, objectAlias: `mlflow-db-secret-${byName.size + 1}`, jmesPath: [] as unknown[] };
    (object.jmesPath as unknown[]).push({ path: jsonKey, objectAlias: aliases[secret.role] });
    byName.set(objectName, object);
  }
  return [...byName.values()];
}

function providerObjects(provider: StoreProvider, secrets: readonly StoreSecret[]): Record<string, unknown>[] {
  switch (provider) {
    case 'aws':
      return awsObjects(secrets);
    case 'azure':
      return secrets.map((secret) => ({ objectName: secret.reference, objectType: 'secret', objectAlias: aliases[secret.role] }));
    case 'gcp':
      return secrets.map((secret) => ({ resourceName: secret.reference, path: aliases[secret.role] }));
    case 'vault':
      return secrets.map((secret) => {
        const [secretPath = '', secretKey = ''] = secret.reference.split('#');
        return { objectName: aliases[secret.role], secretPath, secretKey };
      });
  }
}

export interface StoreSettings {
  provider: StoreProvider;
  secretName: string;
  objects: Record<string, unknown>[];
  secretKeys: Record<string, string>;
  parameters: Record<string, string>;
}

/** The chart's secrets.store values, or undefined when no password comes from a provider. */
export function storeSettings(answers: Answers, passwords: readonly PasswordSecret[]): StoreSettings | undefined {
  const provider = answers.secrets.provider;
  const fromStore = passwords.filter((secret): secret is StoreSecret => secret.from === 'store');
  const first = fromStore[0];
  if (provider === 'kubernetes' || !first) return undefined;
  const parameters = { ...answers.secrets.parameters };
  if (provider === 'azure') {
    // Workload identity: the provider needs the same client ID the ServiceAccount is annotated with.
    const clientId = answers.serviceAccount.annotations['azure.workload.identity/client-id'];
    if (clientId && parameters.clientID === undefined) parameters.clientID = clientId;
    if (parameters.usePodIdentity === undefined) parameters.usePodIdentity = 'false';
  }
  return {
    provider,
    secretName: first.secret,
    objects: providerObjects(provider, fromStore),
    secretKeys: Object.fromEntries(fromStore.map((secret) => [secret.key, aliases[secret.role]])),
    parameters,
  };
}
