/** The label on everything the installer itself creates (the namespace, Secrets, saved answers), not helm. */
export const installerLabel = { key: 'app.kubernetes.io/managed-by', value: 'mlflow-install' } as const;

export function installerLabels(release: string): Record<string, string> {
  return { [installerLabel.key]: installerLabel.value, 'app.kubernetes.io/instance': release };
}

/** The namespace the installer creates, labelled so that `uninstall --purge` knows it may remove it. */
export function namespaceManifest(namespace: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [installerLabel.key]: installerLabel.value } } });
}
