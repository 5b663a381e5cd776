/** The label on everything the installer itself creates (the namespace, Secrets, saved answers), not helm. */
export const installerLabel = { key: 'app.kubernetes.io/managed-by', value: 'mlflow-install' } as const;

export function installerLabels(release: string): Record<string, string> {
  return { [installerLabel.key]: installerLabel.value, 'app.kubernetes.io/instance': release };
}

export const podSecurityLabelPrefix = 'pod-security.kubernetes.io';
export const podSecurityModes = ['enforce', 'warn', 'audit'] as const;

/**
 * The namespace the installer creates enforces Pod Security "restricted", and warns and audits at it. The
 * versions say `latest` explicitly: without a version label the cluster's AdmissionConfiguration default
 * applies, which an admin may have pinned to an older, looser policy.
 */
export const restrictedNamespaceLabels: Readonly<Record<string, string>> = Object.fromEntries(
  podSecurityModes.flatMap((mode) => [
    [`${podSecurityLabelPrefix}/${mode}`, 'restricted'],
    [`${podSecurityLabelPrefix}/${mode}-version`, 'latest'],
  ]),
);

/**
 * The namespace the installer creates: labelled so that `uninstall --purge` knows it may remove it, and
 * enforcing Pod Security "restricted".
 */
export function namespaceManifest(namespace: string): string {
  const labels = { [installerLabel.key]: installerLabel.value, ...restrictedNamespaceLabels };
  return JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } });
}
