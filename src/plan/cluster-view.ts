import type { ReleaseVersions } from './upgrade.js';

/**
 * What the plan knows of the live cluster. `--dry-run` without a cluster passes none, and the plan says
 * the cluster was not consulted; a later step fills it in from helm and kubectl.
 */
export interface ClusterView {
  /** The kube context the view was read from. */
  context?: string;
  releaseExists: boolean;
  /** `helm get values` of the existing release (what its values file and --set gave). */
  currentValues?: Record<string, unknown>;
  namespaceExists?: boolean;
  /** Whether the Secrets Store CSI driver (its SecretProviderClass CRD) is installed. */
  secretsStoreDriverInstalled?: boolean;
  /** The kube-system namespace's UID, when already read: the install need not read it again. */
  clusterUid?: string;
  /** The MLflow versions of the existing release: what it runs and what last migrated its database. */
  versions?: ReleaseVersions;
}
