import { UsageError } from '../errors.js';
import { isDatabaseBackend, type Answers } from './schema.js';
import { installerLabels } from './labels.js';

/**
 * Where each database password lives. Passwords are never in the answers, the values file or argv:
 * the chart only references Secrets, which the installer creates from stdin (values from the prompt or
 * the environment, at apply time), the Secrets Store CSI driver syncs, or the person already has.
 */
export type PasswordRole = 'password' | 'master-password';

export type PasswordSecret =
  | { role: PasswordRole; from: 'installer'; secret: string; key: PasswordRole; input: SecretInput }
  | { role: PasswordRole; from: 'existing'; secret: string; key: PasswordRole }
  | { role: PasswordRole; from: 'store'; secret: string; key: PasswordRole; reference: string };

export interface SecretInput {
  /** The environment variable read when set (non-interactive runs need it). */
  env: 'MLFLOW_DB_PASSWORD' | 'MLFLOW_DB_MASTER_PASSWORD';
  /** The prompt that asks for it otherwise (masked). */
  prompt: string;
}

/** A Secret the installer creates before helm runs; its values are filled in only at apply time. */
export interface SecretSpec {
  name: string;
  namespace: string;
  purpose: string;
  keys: Array<{ key: PasswordRole; input: SecretInput }>;
}

export function secretNames(release: string) {
  return {
    database: `${release}-mlflow-db`,
    master: `${release}-mlflow-db-master`,
    store: `${release}-mlflow-store`,
    auth: `${release}-mlflow-auth`,
  };
}

export function passwordSecrets(answers: Answers): PasswordSecret[] {
  const { backend, secrets } = answers;
  if (!isDatabaseBackend(backend.type)) return [];
  const names = secretNames(answers.release);
  const viaStore = secrets.provider !== 'kubernetes';
  const result: PasswordSecret[] = [];

  if (backend.db.existingSecret) {
    result.push({ role: 'password', from: 'existing', secret: backend.db.existingSecret, key: 'password' });
  } else if (viaStore) {
    result.push({ role: 'password', from: 'store', secret: names.store, key: 'password', reference: secrets.objects.password });
  } else {
    const user = backend.db.user || 'the MLflow user';
    const input: SecretInput = { env: 'MLFLOW_DB_PASSWORD', prompt: `Password of the database user ${user}` };
    result.push({ role: 'password', from: 'installer', secret: names.database, key: 'password', input });
  }

  if (backend.createDatabase.enabled) {
    const create = backend.createDatabase;
    if (create.masterSecret) {
      result.push({ role: 'master-password', from: 'existing', secret: create.masterSecret, key: 'master-password' });
    } else if (viaStore) {
      result.push({
        role: 'master-password',
        from: 'store',
        secret: names.store,
        key: 'master-password',
        reference: secrets.objects.masterPassword,
      });
    } else {
      const input: SecretInput = {
        env: 'MLFLOW_DB_MASTER_PASSWORD',
        prompt: `Password of the master user ${create.masterUser || ''}`.trimEnd(),
      };
      result.push({ role: 'master-password', from: 'installer', secret: names.master, key: 'master-password', input });
    }
  }
  return result;
}

/** The Secrets the installer must create (names, keys, where each value comes from). */
export function secretSpecs(answers: Answers): SecretSpec[] {
  return passwordSecrets(answers).flatMap((secret) =>
    secret.from === 'installer'
      ? [
          {
            name: secret.secret,
            namespace: answers.namespace,
            purpose: secret.role === 'password' ? 'database password of the MLflow user' : "database master user's password",
            keys: [{ key: secret.key, input: secret.input }],
          },
        ]
      : [],
  );
}

export type SecretEnvironment = Readonly<Record<string, string | undefined>>;

/** A password variable that is set must hold a usable password; one that is unset means "ask". */
export function checkSecretEnvironment(specs: readonly SecretSpec[], env: SecretEnvironment): void {
  for (const { input } of specs.flatMap((spec) => spec.keys)) {
    const value = env[input.env];
    if (value === undefined) continue;
    if (value === '') throw new UsageError(`${input.env}: is set but empty; expected the password (or unset it to be asked)`);
    if (/[\r\n]/.test(value)) throw new UsageError(`${input.env}: contains a line break; expected the password on one line`);
  }
}

/** The password inputs no environment variable provides: a non-interactive install cannot go on without them. */
export function missingSecretInputs(specs: readonly SecretSpec[], env: SecretEnvironment): SecretInput[] {
  return specs.flatMap((spec) => spec.keys.map((key) => key.input)).filter((input) => env[input.env] === undefined);
}

/** The Secret manifest to apply through stdin, once the values are known (never written anywhere). */
export function secretManifest(spec: SecretSpec, values: Readonly<Record<string, string>>, release: string) {
  const data: Record<string, string> = {};
  for (const { key } of spec.keys) {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for key ${key} of Secret ${spec.name}`);
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: installerLabels(release),
    },
    data,
  };
}
