import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderChart } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { envOf, only, podTemplate, secretValue, serverContainer } from './inspect.js';

// The two values blocks of the seed README (shared/seed/mlflow-chart-README.md), verbatim.
const seedPostgresBlock = `
mlflowBackend:
  connections:
    username: my_user
    password: my_password
    host: my_host
    port: 5342
    database: my_db
`;

const seedAuroraBlock = `
database:
  enabled: true 
  engine:
    postgres: {} #psql
    mysql: mysql+pymysql

mlflowBackend:
  filepath: {}

  connections:
    db_host: "your_mysql_db_host"
    db_master_user: "admin_user"
    db_user: "mlflow"
    db_name: "mlflow"
    db_port: "3306"
`;

// The seed's Aurora flow reads the credentials from AWS Secrets Manager through the Secrets Store CSI
// driver (its "Prerequisite"): this is the part of the values that says which secret to read.
const auroraSecretsStore = {
  secrets: {
    store: {
      enabled: true,
      provider: 'aws',
      objects: [{ objectName: 'mlflow/aurora', objectType: 'secretsmanager', jmesPath: [{ path: 'password', objectAlias: 'password' }, { path: 'master_password', objectAlias: 'master-password' }] }],
      secretKeys: { password: 'password', 'master-password': 'master-password' },
    },
  },
};

describe.each(helmMajors.map((major) => toolSet(major)))('the seed README examples with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined)('the postgres connections block points the server at that database', async () => {
    const { ok, manifests, stderr } = await renderChart(tools, parse(seedPostgresBlock));
    expect(stderr).toBe('');
    expect(ok).toBe(true);
    manifests.forEach(validateManifest);
    const server = serverContainer(manifests);
    expect(envOf(server, 'MLFLOW_DB_SCHEME')?.value).toBe('postgresql+psycopg2');
    expect(envOf(server, 'MLFLOW_DB_HOST')?.value).toBe('my_host');
    expect(envOf(server, 'MLFLOW_DB_PORT')?.value).toBe('5342');
    expect(envOf(server, 'MLFLOW_DB_NAME')?.value).toBe('my_db');
    expect(envOf(server, 'MLFLOW_DB_USER')?.value).toBe('my_user');
    const ref = envOf(server, 'MLFLOW_DB_PASSWORD')?.valueFrom?.secretKeyRef;
    expect(ref).toEqual({ name: 'mlflow-db', key: 'password' });
    expect(secretValue(manifests, ref as { name: string; key: string })).toBe('my_password');
    expect(JSON.stringify(only(manifests, 'Deployment'))).not.toContain('my_password');
  });

  it.skipIf(tools.unavailable !== undefined)('the Aurora MySQL block creates the database first and points the server at it', async () => {
    const { ok, manifests, stderr } = await renderChart(tools, { ...parse(seedAuroraBlock), ...auroraSecretsStore });
    expect(stderr).toBe('');
    expect(ok).toBe(true);
    manifests.forEach(validateManifest);
    const server = serverContainer(manifests);
    expect(envOf(server, 'MLFLOW_DB_SCHEME')?.value).toBe('mysql+pymysql');
    expect(envOf(server, 'MLFLOW_DB_HOST')?.value).toBe('your_mysql_db_host');
    expect(envOf(server, 'MLFLOW_DB_PORT')?.value).toBe('3306');
    expect(envOf(server, 'MLFLOW_DB_USER')?.value).toBe('mlflow');
    expect(envOf(server, 'MLFLOW_DB_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'mlflow-store', key: 'password' });
    // the server waits until the created user can log in
    const wait = podTemplate(only(manifests, 'Deployment')).spec.initContainers?.find((c) => c.name === 'wait-for-database');
    expect(wait && envOf(wait, 'MLFLOW_DB_WAIT_LOGIN')?.value).toBe('1');

    const create = only(manifests, 'Job', 'create-database');
    expect(create.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
    const pod = podTemplate(create);
    expect(pod.metadata?.annotations).toMatchObject({ 'linkerd.io/inject': 'disabled', 'sidecar.istio.io/inject': 'false' });
    const container = pod.spec.containers[0];
    expect(container?.command?.at(-1)).toBe('create-database');
    expect(container && envOf(container, 'MLFLOW_DB_MASTER_USER')?.value).toBe('admin_user');
    expect(container && envOf(container, 'MLFLOW_DB_MASTER_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'mlflow-store', key: 'master-password' });
    expect(pod.spec.volumes?.some((v) => v.csi?.driver === 'secrets-store.csi.k8s.io')).toBe(true);

    const spc = only(manifests, 'SecretProviderClass');
    expect((spc.spec as { secretObjects: { secretName: string }[] }).secretObjects[0]?.secretName).toBe('mlflow-store');
    // the secret it syncs does not exist before the install, so the migration waits for the first upgrade
    expect(only(manifests, 'Job', 'migrate').metadata.annotations?.['helm.sh/hook']).toBe('pre-upgrade');
  });

  it.skipIf(tools.unavailable !== undefined)('the Aurora block without a secrets store says where the passwords must come from', async () => {
    const { ok, stderr } = await renderChart(tools, parse(seedAuroraBlock));
    expect(ok).toBe(false);
    expect(stderr).toMatch(/mlflowBackend: a database backend needs its password/);
  });
});
