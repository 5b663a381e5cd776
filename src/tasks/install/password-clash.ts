import type { SecretEnvironment } from '../../answers/secrets.js';
import { Redactor } from '../../cluster/redact.js';
import { UsageError } from '../../errors.js';
import { requiredPermissions, SECRET_PROVIDER_CLASS_CRD, SERVICE_MONITOR_CRD, type PreflightInput } from '../preflight.js';

/** Words every install passes to kubectl or helm besides the plan's own argv. */
const fixedWords = ['kube-system', 'customresourcedefinition', 'storageclasses', 'ingressclasses', 'namespaces', 'app.kubernetes.io/instance', '{{.Version}}', SERVICE_MONITOR_CRD, SECRET_PROVIDER_CLASS_CRD];

/**
 * A password that is part of an argument (say "mlflow", which is also the release name) cannot be kept out of
 * the commands' arguments, and the runner rightly refuses to run any of them: say so before anything runs.
 */
export function refuseClashingPasswords(env: SecretEnvironment, variables: readonly string[], argv: readonly string[], preflight: PreflightInput): void {
  const words = [...argv, ...fixedWords, ...requiredPermissions(preflight).map(([, resource]) => resource)];
  for (const variable of variables) {
    const password = env[variable];
    if (password === undefined || password === '') continue;
    const redactor = new Redactor().add(password);
    const clash = words.find((word) => redactor.reveals(word));
    if (clash !== undefined) {
      throw new UsageError(
        `${variable}: the password is part of an argument the install passes to kubectl or helm (${JSON.stringify(clash)}), so it could not be kept out of the commands; expected a password that is not part of the names used (release, namespace, hosts, files)`,
      );
    }
  }
}
