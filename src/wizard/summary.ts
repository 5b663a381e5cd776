import { relevantKeys } from '../answers/consistency.js';
import { fieldByKey, valueAt } from '../answers/fields.js';
import { isPasswordLikeKey } from '../answers/origin.js';
import { defaultPorts, isDatabaseBackend, type Answers } from '../answers/schema.js';
import { adminPasswordEnv, noLoginWarning } from '../answers/auth-secret.js';
import { passwordSecrets, secretNames } from '../answers/secrets.js';
import { earlierLogin } from './login-steps.js';
import { shellLine } from '../cluster/display.js';
import type { Palette } from '../ui/colors.js';
import { steps } from './steps.js';
import { sourceOf, type WizardState } from './state.js';

export const hidden = '****';

const passwordSecretKeys = ['backend.db.existingSecret', 'backend.createDatabase.masterSecret'];

/** Answers the wizard takes a default for without asking, named in words rather than by their key. */
const unaskedLabels: [string, string][] = [
  ['auth.adminUser', 'Admin user'],
  ['auth.defaultPermission', 'Permission of other users'],
  ['networkPolicy.enabled', 'NetworkPolicy'],
  ['networkPolicy.prometheusNamespace', "Prometheus's namespace"],
  ['networkPolicy.extraNamespaces', 'More namespaces admitted'],
  ['networkPolicy.allowedCidrs', 'Address ranges admitted'],
  ['networkPolicy.restrictEgress', 'Egress limited to DNS, DB, 443'],
];

const labels = new Map<string, string>([...unaskedLabels, ...steps.flatMap((step) => step.keys.map((key) => [key, step.label] as const))]);

function shown(key: string, value: unknown, answers: Answers): string {
  if (isPasswordLikeKey(key) && value !== '') return hidden;
  if (key === 'backend.db.port' && value === undefined && isDatabaseBackend(answers.backend.type)) return `${defaultPorts[answers.backend.type]} (engine default)`;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (key === 'artifacts.root' && value === '') return "on the server's volume";
  if (key === 'backend.db.sslMode' && value === '') return "the driver's default";
  if (key === 'secrets.provider' && value === 'kubernetes') return 'a Kubernetes Secret';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  if (value === '' || value === undefined) return key.endsWith('storageClass') || key.endsWith('className') ? "the cluster's default" : '(none)';
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '(none)' : entries.map(([name, entry]) => `${name}=${isPasswordLikeKey(name) ? hidden : String(entry)}`).join(', ');
  }
  return String(value);
}

function passwordRows(state: WizardState, answers: Answers): [string, string, string][] {
  return passwordSecrets(answers).map((secret) => {
    const label = secret.role === 'password' ? 'Database password' : 'Master password';
    if (secret.from === 'existing') return [label, `in Secret ${secret.secret}`, 'existing'];
    if (secret.from === 'store') return [label, `from ${answers.secrets.provider} (synced to Secret ${secret.secret})`, 'secret store'];
    const typed = state.passwords[secret.input.env] !== undefined;
    return [label, `${hidden} (into Secret ${secret.secret})`, typed ? 'you' : state.env[secret.input.env] !== undefined ? secret.input.env : 'not given'];
  });
}

function adminPasswordRow(state: WizardState, answers: Answers): [string, string, string][] {
  if (!answers.auth.enabled) return [];
  const secret = secretNames(answers.release).auth;
  if (earlierLogin(state)) return [['Admin password', `kept in Secret ${secret} from the earlier install`, 'earlier run']];
  if (state.passwords[adminPasswordEnv] !== undefined) return [['Admin password', `${hidden} (into Secret ${secret})`, 'you']];
  if (state.env[adminPasswordEnv] !== undefined) return [['Admin password', `${hidden} (into Secret ${secret})`, adminPasswordEnv]];
  return [['Admin password', `generated at install (into Secret ${secret})`, 'generated']];
}

/** Every answer (passwords as ****), where each came from, the values file and the equivalent command. */
export function summaryLines(state: WizardState, answers: Answers, valuesFile: string, command: readonly string[], palette: Palette): string[] {
  const isEmptyMap = (value: unknown) => value !== null && typeof value === 'object' && Object.keys(value).length === 0;
  const keys = relevantKeys(answers).filter((key) => {
    const field = fieldByKey(key);
    const value = field ? valueAt(answers, field.path) : undefined;
    // An empty existing-Secret answer says nothing the password rows below do not say better.
    if (passwordSecretKeys.includes(key) && value === '') return false;
    return !(field?.kind === 'map' && isEmptyMap(value));
  });
  const rows: [string, string, string][] = keys.map((key) => {
    const field = fieldByKey(key);
    const value = field ? valueAt(answers, field.path) : undefined;
    return [labels.get(key) ?? key, shown(key, value, answers), sourceOf(state, key)];
  });
  rows.push(...passwordRows(state, answers), ...adminPasswordRow(state, answers));
  const width = Math.max(...rows.map(([label]) => label.length));
  const [file = 'npx', ...args] = command;
  return [
    '',
    palette.bold('Summary'),
    ...rows.map(([label, value, source]) => `  ${label.padEnd(width)}  ${value}  ${palette.dim(`(${source})`)}`),
    ...(answers.auth.enabled ? [] : [palette.warn(`  Warning: ${noLoginWarning}.`)]),
    '',
    `  Values file: ${valuesFile} ${palette.dim('(mode 0600, no password in it)')}`,
    '  The same install without questions (passwords from MLFLOW_DB_PASSWORD / MLFLOW_DB_MASTER_PASSWORD):',
    `    ${palette.code(shellLine(file, args))}`,
    '',
  ];
}
