import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { databaseOptions, toChartValues } from '../../src/answers/to-values.js';

const valuesFor = (...set: string[]) => toChartValues(resolveAnswers({ set }).answers);
const db = ['backend.db.host=db.internal', 'backend.db.name=mlflow', 'backend.db.user=mlflow'];

describe('answers -> chart values', () => {
  it('maps the defaults to the file backend on a volume, with a login and a NetworkPolicy, nothing else switched on', () => {
    expect(valuesFor()).toEqual({
      database: { enabled: false },
      defaultArtifactRoot: null,
      artifacts: { serve: true, s3EndpointUrl: '' },
      ingress: { enabled: false },
      secrets: { store: { enabled: false } },
      prometheus: { expose: false, serviceMonitor: { enabled: false } },
      auth: { enabled: true, adminUser: 'admin', defaultPermission: 'READ', existingSecret: 'mlflow-mlflow-auth', adminPasswordKey: 'admin-password', flaskSecretKeyKey: 'flask-secret-key' },
      networkPolicy: { enabled: true, allowedNamespaces: [], allowedCidrs: [], restrictEgress: false },
      serviceAccount: { annotations: {} },
      persistence: { enabled: true, size: '10Gi', storageClass: '' },
    });
  });

  it('auth.* -> the chart login, its Secret named after the release; off -> enabled false only', () => {
    expect(valuesFor('release=team', 'auth.adminUser=ops', 'auth.defaultPermission=NO_PERMISSIONS').auth).toEqual({
      enabled: true,
      adminUser: 'ops',
      defaultPermission: 'NO_PERMISSIONS',
      existingSecret: 'team-mlflow-auth',
      adminPasswordKey: 'admin-password',
      flaskSecretKeyKey: 'flask-secret-key',
    });
    expect(valuesFor('auth.enabled=false').auth).toEqual({ enabled: false });
  });

  it('networkPolicy: the ingress namespace with an Ingress, Prometheus with metrics, then the extra ones, each once, never the own namespace', () => {
    const on = ['networkPolicy.ingressNamespace=ingress-nginx', 'networkPolicy.prometheusNamespace=monitoring', 'networkPolicy.extraNamespaces=team-a,monitoring,mlflow'];
    expect(valuesFor(...on).networkPolicy).toEqual({ enabled: true, allowedNamespaces: ['team-a', 'monitoring'], allowedCidrs: [], restrictEgress: false });
    expect(valuesFor(...on, 'ingress.enabled=true', 'ingress.host=ml.example.com', 'prometheus.expose=true', 'networkPolicy.restrictEgress=true').networkPolicy).toEqual({
      enabled: true,
      allowedNamespaces: ['ingress-nginx', 'monitoring', 'team-a'],
      allowedCidrs: [],
      restrictEgress: true,
    });
    expect(valuesFor('networkPolicy.allowedCidrs=10.0.0.0/16,10.1.0.0/16').networkPolicy).toMatchObject({ allowedCidrs: ['10.0.0.0/16', '10.1.0.0/16'] });
    expect(valuesFor('networkPolicy.enabled=false', ...on).networkPolicy).toEqual({ enabled: false });
  });

  it('backend.volume.size and .storageClass -> persistence', () => {
    expect(valuesFor('backend.volume.size=50Gi', 'backend.volume.storageClass=gp3').persistence).toEqual({ enabled: true, size: '50Gi', storageClass: 'gp3' });
  });

  it.each([
    ['postgres', { postgres: 'postgresql', mysql: null, mssql: null }, 5432],
    ['mysql', { postgres: null, mysql: 'mysql+pymysql', mssql: null }, 3306],
    ['mssql', { postgres: null, mysql: null, mssql: 'mssql+pymssql' }, 1433],
  ])('backend.type=%s -> database.enabled, the engine and its default port', (type, engine, port) => {
    const values = valuesFor(`backend.type=${type}`, ...db);
    expect(values.database).toMatchObject({ enabled: true, engine });
    expect(values.mlflowBackend?.connections).toEqual({ host: 'db.internal', port, database: 'mlflow', username: 'mlflow' });
  });

  it('backend.db.port overrides the engine default', () => {
    expect(valuesFor('backend.type=postgres', ...db, 'backend.db.port=6432').mlflowBackend?.connections.port).toBe(6432);
  });

  it('the password goes by reference only: the Secret the installer creates, or backend.db.existingSecret', () => {
    const created = valuesFor('backend.type=postgres', ...db);
    expect(created.mlflowBackend).toMatchObject({ existingSecret: 'mlflow-mlflow-db', existingSecretPasswordKey: 'password' });
    expect(JSON.stringify(created.mlflowBackend)).not.toContain('"password":');
    const named = valuesFor('backend.type=postgres', ...db, 'backend.db.existingSecret=my-db', 'release=prod');
    expect(named.mlflowBackend).toMatchObject({ existingSecret: 'my-db', existingSecretPasswordKey: 'password' });
    expect(valuesFor('backend.type=postgres', ...db, 'release=prod').mlflowBackend?.existingSecret).toBe('prod-mlflow-db');
  });

  it('backend.db.sslMode -> database.options per engine', () => {
    expect(valuesFor('backend.type=postgres', ...db, 'backend.db.sslMode=verify-full').database.options).toEqual({ sslmode: 'verify-full' });
    expect(valuesFor('backend.type=postgres', ...db).database.options).toEqual({});
    expect(databaseOptions('mysql', 'require')).toEqual({ ssl_check_hostname: 'false' });
    expect(databaseOptions('mysql', 'verify-full')).toEqual({ ssl_ca: '/etc/ssl/certs/ca-certificates.crt' });
    expect(databaseOptions('mysql', 'disable')).toEqual({});
  });

  it('a database backend keeps the volume only for artifacts kept by the server', () => {
    expect(valuesFor('backend.type=postgres', ...db).persistence).toBeDefined();
    expect(valuesFor('backend.type=postgres', ...db, 'artifacts.root=s3://bkt/p').persistence).toBeUndefined();
    expect(valuesFor('artifacts.root=s3://bkt/p').persistence).toBeDefined();
  });

  it('backend.createDatabase.* -> database.create and db_master_user, master password by reference', () => {
    const values = valuesFor('backend.type=mysql', ...db, 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=admin');
    expect(values.database.create).toEqual({ enabled: true, masterSecret: 'mlflow-mlflow-db-master', masterPasswordKey: 'master-password' });
    expect(values.mlflowBackend?.connections.db_master_user).toBe('admin');
    const existing = valuesFor('backend.type=mysql', ...db, 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=admin', 'backend.createDatabase.masterSecret=rds-master');
    expect(existing.database.create?.masterSecret).toBe('rds-master');
  });

  it('artifacts.root, .serve and .s3EndpointUrl (the endpoint only with an s3:// root)', () => {
    expect(valuesFor('artifacts.root=s3://bucket/mlflow', 'artifacts.s3EndpointUrl=http://minio:9000', 'artifacts.serve=false')).toMatchObject({
      defaultArtifactRoot: 's3://bucket/mlflow',
      artifacts: { serve: false, s3EndpointUrl: 'http://minio:9000' },
    });
    expect(valuesFor('artifacts.root=gs://bucket', 'artifacts.s3EndpointUrl=http://minio:9000').artifacts.s3EndpointUrl).toBe('');
  });

  it('ingress.* -> ingress with one host on /, TLS with its Secret', () => {
    expect(valuesFor('ingress.enabled=true', 'ingress.host=mlflow.example.com', 'ingress.className=nginx', 'ingress.annotations.a/b=c').ingress).toEqual({
      enabled: true,
      className: 'nginx',
      annotations: { 'a/b': 'c' },
      hosts: [{ host: 'mlflow.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
      tls: [],
    });
    expect(valuesFor('ingress.enabled=true', 'ingress.host=m.example.com', 'ingress.tls.enabled=true').ingress.tls).toEqual([
      { hosts: ['m.example.com'], secretName: 'mlflow-mlflow-tls' },
    ]);
    expect(valuesFor('ingress.enabled=true', 'ingress.host=m.example.com').ingress.className).toBeNull();
  });

  it('prometheus.expose and .serviceMonitor', () => {
    expect(valuesFor('prometheus.expose=true', 'prometheus.serviceMonitor=true').prometheus).toEqual({ expose: true, serviceMonitor: { enabled: true } });
    expect(valuesFor('prometheus.expose=true').prometheus).toEqual({ expose: true, serviceMonitor: { enabled: false } });
  });

  it('serviceAccount.annotations, and the pod label Azure workload identity needs', () => {
    expect(valuesFor('serviceAccount.annotations.eks.amazonaws.com/role-arn=arn:aws:iam::1:role/x').serviceAccount).toEqual({
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' },
    });
    expect(valuesFor('serviceAccount.annotations.azure.workload.identity/client-id=abc').podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
  });

  describe('secrets.provider -> secrets.store (the password synced by the Secrets Store CSI driver)', () => {
    const store = (...set: string[]) => valuesFor('backend.type=postgres', ...db, ...set).secrets.store;

    it('aws: objects with aliases, one object per JSON secret with a jmesPath per key', () => {
      const values = valuesFor(
        'backend.type=mysql',
        ...db,
        'backend.createDatabase.enabled=true',
        'backend.createDatabase.masterUser=admin',
        'secrets.provider=aws',
        'secrets.objects.password=mlflow/db#password',
        'secrets.objects.masterPassword=mlflow/db#master',
        'secrets.parameters.region=eu-west-1',
      );
      expect(values.secrets.store).toEqual({
        enabled: true,
        provider: 'aws',
        parameters: { region: 'eu-west-1' },
        objects: [
          {
            objectName: 'mlflow/db',
            objectType: 'secretsmanager',
            objectAlias: 'mlflow-db-secret-1',
            jmesPath: [
              { path: 'password', objectAlias: 'mlflow-db-password' },
              { path: 'master', objectAlias: 'mlflow-db-master-password' },
            ],
          },
        ],
        secretName: 'mlflow-mlflow-store',
        secretKeys: { password: 'mlflow-db-password', 'master-password': 'mlflow-db-master-password' },
      });
      // The chart finds the synced Secret through secrets.store: no existingSecret, no masterSecret.
      expect(values.mlflowBackend?.existingSecret).toBe('');
      expect(values.database.create?.masterSecret).toBe('');
    });

    it('aws: a plain secret and an SSM parameter', () => {
      expect(store('secrets.provider=aws', 'secrets.objects.password=arn:aws:ssm:eu-west-1:123456789012:parameter/mlflow').objects).toEqual([
        { objectName: 'arn:aws:ssm:eu-west-1:123456789012:parameter/mlflow', objectType: 'ssmparameter', objectAlias: 'mlflow-db-password' },
      ]);
    });

    it('azure: Key Vault objects, and the client ID taken from the workload identity annotation', () => {
      expect(
        store('secrets.provider=azure', 'secrets.objects.password=mlflow-db', 'secrets.parameters.keyvaultName=kv', 'secrets.parameters.tenantId=t', 'serviceAccount.annotations.azure.workload.identity/client-id=cid'),
      ).toMatchObject({
        provider: 'azure',
        objects: [{ objectName: 'mlflow-db', objectType: 'secret', objectAlias: 'mlflow-db-password' }],
        parameters: { keyvaultName: 'kv', tenantId: 't', clientID: 'cid', usePodIdentity: 'false' },
      });
    });

    it('gcp: Secret Manager versions as paths', () => {
      expect(store('secrets.provider=gcp', 'secrets.objects.password=projects/p/secrets/s/versions/latest')).toMatchObject({
        objects: [{ resourceName: 'projects/p/secrets/s/versions/latest', path: 'mlflow-db-password' }],
        secretKeys: { password: 'mlflow-db-password' },
      });
    });

    it('vault: a path and a key', () => {
      expect(store('secrets.provider=vault', 'secrets.objects.password=secret/data/mlflow#pw', 'secrets.parameters.roleName=mlflow', 'secrets.parameters.vaultAddress=https://vault:8200')).toMatchObject({
        objects: [{ objectName: 'mlflow-db-password', secretPath: 'secret/data/mlflow', secretKey: 'pw' }],
        parameters: { roleName: 'mlflow', vaultAddress: 'https://vault:8200' },
      });
    });

    it('stays off when the password is in an existing Secret, or there is no database', () => {
      expect(store('secrets.provider=aws', 'backend.db.existingSecret=mine')).toEqual({ enabled: false });
      expect(valuesFor('secrets.provider=aws').secrets.store).toEqual({ enabled: false });
    });
  });
});
