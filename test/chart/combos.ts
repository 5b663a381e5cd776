/** The chart values for one point of the render matrix, built the way a user would write them. */
export type Backend = 'file' | 'postgres' | 'mysql' | 'mssql';
export type ArtifactRoot = 'none' | 's3' | 'gs' | 'wasbs';
export type Provider = 'none' | 'aws' | 'azure' | 'gcp' | 'vault';

export interface Combo {
  backend: Backend;
  artifacts: ArtifactRoot;
  ingress: boolean;
  provider: Provider;
  prometheus: boolean;
  /** The login: on for half of each backend's artifact/provider pairs (a full extra dimension would double the matrix). */
  auth: boolean;
}

export const specialPassword = `p@ss:w/rd%#?&= '"\\x`;

export const backends: Backend[] = ['file', 'postgres', 'mysql', 'mssql'];
export const artifactRoots: ArtifactRoot[] = ['none', 's3', 'gs', 'wasbs'];
export const providers: Provider[] = ['none', 'aws', 'azure', 'gcp', 'vault'];

export const engineValues: Record<Exclude<Backend, 'file'>, Record<string, string>> = {
  postgres: { postgres: 'psql' },
  mysql: { mysql: 'mysql+pymysql' },
  mssql: { mssql: 'mssql+pymssql' },
};

const artifactUris: Record<Exclude<ArtifactRoot, 'none'>, string> = {
  s3: 's3://ml-artifacts/mlflow',
  gs: 'gs://ml-artifacts/mlflow',
  wasbs: 'wasbs://artifacts@mlstore.blob.core.windows.net/mlflow',
};

const providerObjects: Record<Exclude<Provider, 'none'>, { objects: unknown[]; parameters: Record<string, string> }> = {
  aws: { objects: [{ objectName: 'mlflow/db', objectType: 'secretsmanager', jmesPath: [{ path: 'password', objectAlias: 'password' }] }], parameters: { region: 'eu-west-1' } },
  azure: { objects: [{ objectName: 'mlflow-db-password', objectType: 'secret' }], parameters: { keyvaultName: 'mlkv', tenantId: '00000000-0000-0000-0000-000000000000' } },
  gcp: { objects: [{ resourceName: 'projects/p/secrets/mlflow-db/versions/latest', path: 'password' }], parameters: {} },
  vault: { objects: [{ objectName: 'password', secretPath: 'secret/data/mlflow', secretKey: 'password' }], parameters: { roleName: 'mlflow', vaultAddress: 'https://vault.example.com' } },
};

export function allCombos(): Combo[] {
  const combos: Combo[] = [];
  for (const backend of backends)
    for (const artifacts of artifactRoots)
      for (const ingress of [false, true])
        for (const provider of providers)
          for (const prometheus of [false, true]) {
            const auth = (artifactRoots.indexOf(artifacts) + providers.indexOf(provider)) % 2 === 0;
            combos.push({ backend, artifacts, ingress, provider, prometheus, auth });
          }
  return combos;
}

export function comboName(c: Combo): string {
  return `${c.backend}/${c.artifacts}/${c.ingress ? 'ingress' : 'no-ingress'}/${c.provider}/${c.prometheus ? 'metrics' : 'no-metrics'}/${c.auth ? 'login' : 'no-login'}`;
}

export function valuesFor(c: Combo): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  if (c.backend !== 'file') {
    values.database = { enabled: true, engine: engineValues[c.backend] };
    values.mlflowBackend = {
      connections: {
        host: 'db.internal.example.com',
        port: c.backend === 'mssql' ? 1433 : c.backend === 'mysql' ? 3306 : 5432,
        database: 'mlflow',
        username: 'mlflow',
        ...(c.provider === 'none' ? { password: specialPassword } : {}),
      },
    };
  }
  if (c.artifacts !== 'none') values.defaultArtifactRoot = artifactUris[c.artifacts];
  if (c.ingress) {
    values.ingress = { enabled: true, className: 'nginx', hosts: [{ host: 'mlflow.example.com', paths: [] }], tls: [{ hosts: ['mlflow.example.com'], secretName: 'mlflow-tls' }] };
  }
  if (c.provider !== 'none') {
    const { objects, parameters } = providerObjects[c.provider];
    values.secrets = { store: { enabled: true, provider: c.provider, objects, parameters, secretKeys: { password: 'password' } } };
  }
  if (c.prometheus) {
    values.prometheus = { expose: true, serviceMonitor: { enabled: true } };
    // The NetworkPolicy rides on the metrics half (Prometheus's namespace admitted), its egress restricted with the login.
    values.networkPolicy = { enabled: true, allowedNamespaces: ['monitoring'], restrictEgress: c.auth };
  }
  if (c.auth) values.auth = { enabled: true, existingSecret: 'mlflow-mlflow-auth' };
  return values;
}
