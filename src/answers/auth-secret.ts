import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { installerLabels } from './labels.js';
import type { Answers } from './schema.js';
import { secretNames, type SecretEnvironment } from './secrets.js';

/**
 * The login's Secret `<release>-mlflow-auth`: the admin password (typed, MLFLOW_ADMIN_PASSWORD, or generated) and
 * the Flask secret key (generated). The admin password is never an answer; both values live in memory until they
 * reach the cluster on stdin, and an existing Secret is never overwritten (MLflow uses the password only to create
 * the admin at its first start, so a new one would say something untrue).
 */
export const adminPasswordEnv = 'MLFLOW_ADMIN_PASSWORD';

export const authSecretKeys = { adminPassword: 'admin-password', flaskSecretKey: 'flask-secret-key' } as const;

/** MLflow 3.16.1 (mlflow/server/auth `_validate_bootstrap_admin_password`, mlflow/utils/validation `_validate_password`). */
export const minimumAdminPasswordLength = 12;
export const refusedAdminPassword = 'password1234';

/** The rule an admin password breaks, in words, or undefined when MLflow accepts it. */
export function adminPasswordProblem(password: string): string | undefined {
  // Python's len() counts code points, as the spread does.
  const length = [...password].length;
  if (length === 0) return `is empty; expected at least ${minimumAdminPasswordLength} characters (MLflow refuses a shorter admin password)`;
  if (/[\r\n]/.test(password)) return 'contains a line break; expected the password on one line';
  if (password === refusedAdminPassword) return `is ${refusedAdminPassword}, the old default MLflow refuses; expected any other password of at least ${minimumAdminPasswordLength} characters`;
  if (length < minimumAdminPasswordLength) return `has ${length} characters; expected at least ${minimumAdminPasswordLength} (MLflow refuses a shorter admin password)`;
  return undefined;
}

/** A set MLFLOW_ADMIN_PASSWORD must be one MLflow accepts: checked before anything is read or changed. */
export function checkAdminPasswordEnvironment(env: SecretEnvironment): void {
  const value = env[adminPasswordEnv];
  if (value === undefined) return;
  const problem = adminPasswordProblem(value);
  if (problem !== undefined) throw new UsageError(`${adminPasswordEnv}: ${problem} (or unset it to have one generated)`);
}

/** Where the admin password came from: said in the plan and the next steps, never the password. */
export type AdminPasswordSource = 'prompt' | 'environment' | 'generated';

export interface AuthSecretValues {
  adminPassword: string;
  flaskSecretKey: string;
  passwordFrom: AdminPasswordSource;
}

/** Random characters from the system's CSPRNG, URL-safe (so they survive a shell, a URL and an ini file). */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** 24 random bytes: 32 characters. */
export const generatedPasswordBytes = 24;

/**
 * The values of the Secret for this run: the typed or given password, else a generated one; always a new Flask key
 * (used only when the Secret is created: an existing one keeps its own).
 */
export function authSecretValues(env: SecretEnvironment, typed: boolean): AuthSecretValues {
  const given = env[adminPasswordEnv];
  return {
    adminPassword: given ?? randomSecret(generatedPasswordBytes),
    flaskSecretKey: randomSecret(32),
    passwordFrom: given === undefined ? 'generated' : typed ? 'prompt' : 'environment',
  };
}

export interface AuthSecretSpec {
  name: string;
  namespace: string;
}

/** The login's Secret, when the answers want a login. */
export function authSecretSpec(answers: Answers): AuthSecretSpec | undefined {
  if (!answers.auth.enabled) return undefined;
  return { name: secretNames(answers.release).auth, namespace: answers.namespace };
}

/** The Secret manifest for `kubectl create -f -` (stdin only; never written anywhere). */
export function authSecretManifest(spec: AuthSecretSpec, values: AuthSecretValues, release: string) {
  const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: spec.name, namespace: spec.namespace, labels: installerLabels(release) },
    data: {
      [authSecretKeys.adminPassword]: encode(values.adminPassword),
      [authSecretKeys.flaskSecretKey]: encode(values.flaskSecretKey),
    },
  };
}

/** The command that prints the admin password from its Secret (the password itself is never printed by us). */
export function readPasswordCommand(secret: string, namespace: string, context?: string): string {
  const contextFlag = context ? ` --context ${context}` : '';
  return `kubectl get secret ${secret} -n ${namespace}${contextFlag} -o jsonpath='{.data.${authSecretKeys.adminPassword}}' | base64 -d`;
}

/** The one line said wherever a server has no login. */
export const noLoginWarning = 'no login: anyone who reaches the server can read, change and delete every experiment and run';
