/** The flags every command shares (DESIGN.md, "Common flags"), as commander hands them over. */
export interface GlobalOptions {
  namespace?: string;
  release?: string;
  context?: string;
  kubeconfig?: string;
  valuesFile: string;
  timeout: string;
  chart?: string;
  helm: string;
  kubectl: string;
  set: string[];
  preset?: string;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
  purge: boolean;
  /** install: back the database up to this new file before an existing release changes (absolute once checked). */
  backupTo?: string;
  color: boolean;
  verbose: boolean;
}
