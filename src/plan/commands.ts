import type { SecretProvider } from '../answers/schema.js';
import type { BackupFormat } from './backup.js';
import { helmArgs, type HelmMajor, type KubeAccess, type UpgradeInstallOptions } from '../cluster/helm.js';

/**
 * The argv of the commands an install runs, in order, with no I/O: the plan shows them and the
 * install pipeline runs the same. Secret values never appear: Secrets go in on stdin.
 */
export interface PlannedCommand {
  /** A stable name for the step, e.g. `helm-upgrade`. */
  step: string;
  title: string;
  /** The binary first, then its arguments. */
  argv: string[];
  /** What goes to stdin, described (never the values). */
  stdin?: string;
  /** The condition under which the step runs, when it does not always. */
  when?: string;
  /** Where its stdout goes, as bytes (`> file`), and what it must hold to be whole: the --backup-to step. */
  writesTo?: { file: string; format: BackupFormat };
}

export interface Tools {
  helm: string;
  kubectl: string;
  helmMajor: HelmMajor;
}

export type KubeTarget = KubeAccess;

export function kubectlArgv(tools: Tools, kube: KubeTarget, words: readonly string[], namespace?: string): string[] {
  return [
    tools.kubectl,
    ...words,
    ...(namespace === undefined ? [] : ['--namespace', namespace]),
    ...(kube.context ? ['--context', kube.context] : []),
    ...(kube.kubeconfig ? ['--kubeconfig', kube.kubeconfig] : []),
  ];
}

export function helmArgv(tools: Tools, kube: KubeTarget) {
  const args = helmArgs(tools.helmMajor, kube);
  return {
    upgradeInstall: (options: UpgradeInstallOptions) => [tools.helm, ...args.upgradeInstall(options)],
    test: (release: string, namespace: string, timeout: string) => [tools.helm, ...args.test(release, namespace, timeout)],
    repoAdd: (name: string, url: string) => [tools.helm, ...args.repoAdd(name, url)],
  };
}

interface DriverChart {
  release: string;
  /** The chart's repository: added under `repoName` first. */
  repoName: string;
  repo: string;
  chart: string;
  set?: Record<string, string>;
}

/** The Secrets Store CSI driver, installed into kube-system with Secret syncing on. */
export const secretsStoreDriverChart: DriverChart = {
  release: 'csi-secrets-store',
  repoName: 'secrets-store-csi-driver',
  repo: 'https://kubernetes-sigs.github.io/secrets-store-csi-driver/charts',
  chart: 'secrets-store-csi-driver',
  set: { 'syncSecret.enabled': 'true' },
};

/** Each provider's own chart (GCP publishes a manifest instead of a chart repository). */
export const secretsStoreProviders: Record<Exclude<SecretProvider, 'kubernetes'>, DriverChart | { manifest: string }> = {
  aws: {
    release: 'secrets-provider-aws',
    repoName: 'aws-secrets-manager',
    repo: 'https://aws.github.io/secrets-store-csi-driver-provider-aws',
    chart: 'secrets-store-csi-driver-provider-aws',
  },
  azure: {
    release: 'csi-secrets-store-provider-azure',
    repoName: 'csi-secrets-store-provider-azure',
    repo: 'https://azure.github.io/secrets-store-csi-driver-provider-azure/charts',
    chart: 'csi-secrets-store-provider-azure',
    // The Azure chart can bring its own copy of the driver; the one installed above is used instead.
    set: { 'secrets-store-csi-driver.install': 'false' },
  },
  gcp: {
    manifest: 'https://raw.githubusercontent.com/GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp/main/deploy/provider-gcp-plugin.yaml',
  },
  vault: {
    release: 'vault-csi-provider',
    repoName: 'hashicorp',
    repo: 'https://helm.releases.hashicorp.com',
    chart: 'vault',
    // Only the CSI provider of the Vault chart: no Vault server, no injector.
    set: { 'server.enabled': 'false', 'injector.enabled': 'false', 'csi.enabled': 'true' },
  },
};

export function secretsStoreDriverCommands(
  tools: Tools,
  kube: KubeTarget,
  provider: Exclude<SecretProvider, 'kubernetes'>,
  timeout: string,
): PlannedCommand[] {
  const helm = helmArgv(tools, kube);
  const when = 'when the Secrets Store CSI driver is not installed yet';
  const install = (chart: DriverChart, title: string, step: string): PlannedCommand[] => [
    { step: `${step}-repo`, title: `Add the chart repository ${chart.repoName}`, argv: helm.repoAdd(chart.repoName, chart.repo), when },
    {
      step,
      title,
      argv: helm.upgradeInstall({
        release: chart.release,
        chart: `${chart.repoName}/${chart.chart}`,
        namespace: 'kube-system',
        timeout,
        ...(chart.set ? { set: chart.set } : {}),
      }),
      when,
    },
  ];
  const providerChart = secretsStoreProviders[provider];
  const providerTitle = `Install the ${provider} provider of the Secrets Store CSI driver`;
  return [
    ...install(secretsStoreDriverChart, 'Install the Secrets Store CSI driver', 'secrets-store-driver'),
    ...('manifest' in providerChart
      ? [{ step: 'secrets-store-provider', title: providerTitle, argv: kubectlArgv(tools, kube, ['apply', '-f', providerChart.manifest]), when }]
      : install(providerChart, providerTitle, 'secrets-store-provider')),
  ];
}
