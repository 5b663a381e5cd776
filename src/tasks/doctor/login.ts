// Whether the server asks for a login: the live value auth.enabled (absent: no login).
import { finding, type Finding } from './check.js';
import { readableRelease, type DoctorReads } from './reads.js';

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The login finding from the release's values (pure). */
export function loginFinding(values: Record<string, unknown>): Finding {
  const auth = record(values.auth);
  if (auth.enabled === true) {
    const user = typeof auth.adminUser === 'string' && auth.adminUser !== '' ? auth.adminUser : 'admin';
    const permission = typeof auth.defaultPermission === 'string' && auth.defaultPermission !== '' ? auth.defaultPermission : 'READ';
    return finding('login', 'login', 'login', 'pass', `required (admin user ${user}; a new user's default permission is ${permission})`);
  }
  return finding(
    'login',
    'login',
    'login',
    'warn',
    'none: anyone who reaches the server can read, change and delete every experiment and model',
    'Rerun the install with --set auth.enabled=true (an admin user and password, kept in a Secret), or keep the server reachable only through port-forward.',
  );
}

export async function loginChecks(reads: DoctorReads): Promise<Finding[]> {
  const release = await readableRelease(reads);
  return release === undefined ? [] : [loginFinding(release.values)];
}
