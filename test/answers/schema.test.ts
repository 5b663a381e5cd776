import { describe, expect, it } from 'vitest';
import { answerFields, defaultAnswers, fieldByKey, resolveKey } from '../../src/answers/fields.js';
import { layerFromSetFlags } from '../../src/answers/layers.js';

/** Every answer with values it must take and values it must refuse (as `--set key=value` text). */
const table: Record<string, { good: string[]; bad: string[] }> = {
  release: { good: ['mlflow', 'ml-2', 'a'.repeat(53)], bad: ['MLflow', '-ml', 'ml-', 'ml_flow', 'a'.repeat(54), ''] },
  namespace: { good: ['mlflow', 'team-a', 'a'.repeat(63)], bad: ['Team', 'a.b', 'a'.repeat(64), ''] },
  'backend.type': { good: ['file', 'postgres', 'mysql', 'mssql'], bad: ['sqlite', 'Postgres', ''] },
  'backend.volume.size': { good: ['10Gi', '500Mi', '1', '1.5Gi', '20G'], bad: ['0', '0Gi', '10gb', 'ten', '-1Gi', ''] },
  'backend.volume.storageClass': { good: ['', 'gp3', 'standard-rwo', 'fast.ssd'], bad: ['Fast', 'a b', '-x'] },
  'backend.db.host': { good: ['', 'db', 'db.internal', 'DB.Example.com', '10.0.0.5'], bad: ['db host', 'db_host', 'http://db', '-db'] },
  'backend.db.port': { good: ['1', '5432', '65535'], bad: ['0', '65536', 'abc', '5432.5', '', '-1'] },
  'backend.db.name': { good: ['mlflow', '_x', 'ml-flow', 'a'.repeat(63)], bad: ['1db', 'ml flow', 'ml;drop', 'a'.repeat(64)] },
  'backend.db.user': { good: ['mlflow', 'svc.mlflow', 'a_b-c'], bad: ['1user', 'us er', "o'brien", 'user@host'] },
  'backend.db.existingSecret': { good: ['', 'db-secret', 'a.b'], bad: ['Db', 'a_b', 'a b'] },
  'backend.db.sslMode': { good: ['', 'disable', 'require', 'verify-full', 'verify-ca', 'allow', 'prefer'], bad: ['on', 'true', 'REQUIRE'] },
  'backend.createDatabase.enabled': { good: ['true', 'false'], bad: ['yes', '1', 'on', ''] },
  'backend.createDatabase.masterUser': { good: ['admin', 'postgres', ''], bad: ['adm in', '9admin'] },
  'backend.createDatabase.masterSecret': { good: ['', 'master-secret'], bad: ['Master', 'a b'] },
  'artifacts.root': {
    good: ['', 's3://bucket', 's3://my-bucket/mlflow/artifacts', 'gs://bucket/x', 'wasbs://cont1@acct.blob.core.windows.net/p', 'abfss://cont1@acct.dfs.core.windows.net'],
    bad: ['/mnt/artifacts', 'file:///x', 'http://bucket', 'hdfs://x/y', 's3://', 's3://B', 'wasbs://acct.blob.core.windows.net', 's3://a b', 'wasbs://c1@acct.blob.core.windows.net'],
  },
  'artifacts.serve': { good: ['true', 'false'], bad: ['no', 'maybe'] },
  'artifacts.s3EndpointUrl': { good: ['', 'http://minio:9000', 'https://s3.example.com'], bad: ['minio:9000', 'ftp://x', 'http://'] },
  'ingress.enabled': { good: ['true', 'false'], bad: ['enabled'] },
  'ingress.host': { good: ['', 'mlflow.example.com', '*.example.com', 'mlflow'], bad: ['10.0.0.1', 'MLflow.example.com', 'mlflow.example.com:443', 'http://x'] },
  'ingress.className': { good: ['', 'nginx', 'alb'], bad: ['Nginx', 'a b'] },
  'ingress.annotations': { good: ['{}', '{a: b}'], bad: ['x', '[a]'] },
  'ingress.tls.enabled': { good: ['true', 'false'], bad: ['tls'] },
  'ingress.tls.secretName': { good: ['', 'mlflow-tls'], bad: ['TLS'] },
  'secrets.provider': { good: ['kubernetes', 'aws', 'azure', 'gcp', 'vault'], bad: ['k8s', 'AWS', ''] },
  'secrets.installDriver': { good: ['true', 'false'], bad: ['install'] },
  'secrets.objects.password': { good: ['', 'mlflow/db#password'], bad: [] },
  'secrets.objects.masterPassword': { good: ['', 'rds!cluster-1#password'], bad: [] },
  'secrets.parameters': { good: ['{}', '{region: eu-west-1}'], bad: ['region', '{1bad: x}'] },
  'prometheus.expose': { good: ['true', 'false'], bad: ['metrics'] },
  'prometheus.serviceMonitor': { good: ['true', 'false'], bad: ['monitor'] },
  'auth.enabled': { good: ['true', 'false'], bad: ['yes'] },
  'auth.adminUser': { good: ['admin', 'ops@example.com', 'a'.repeat(255)], bad: ['', 'ad min', 'ad:min', 'a'.repeat(256)] },
  'auth.defaultPermission': { good: ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'], bad: ['read', 'ADMIN'] },
  'networkPolicy.enabled': { good: ['true', 'false'], bad: ['on'] },
  'networkPolicy.ingressNamespace': { good: ['', 'ingress-nginx'], bad: ['Ingress', 'a_b'] },
  'networkPolicy.prometheusNamespace': { good: ['', 'monitoring'], bad: ['Monitoring'] },
  'networkPolicy.extraNamespaces': { good: ['', 'team-a', 'team-a,team-b', '[team-a, team-b]'], bad: ['Team', 'a,b_c'] },
  'networkPolicy.allowedCidrs': { good: ['', '10.0.0.0/16', '10.0.0.0/16,172.16.0.0/12', '0.0.0.0/0', '1.2.3.4/32'], bad: ['10.0.0.1/16', '10.0.0.0', '10.0.0.0/33', '10.0.0/8', '::/0'] },
  'networkPolicy.restrictEgress': { good: ['true', 'false'], bad: ['1'] },
  'mlflow.version': { good: ['3.16.1', '3.5.0', '4.0.0'], bad: ['3.4.9', '2.22.0', 'v3.16.1', '3.16', '3.16.1rc0', 'latest', ''] },
  'serviceAccount.annotations': { good: ['{}', '{eks.amazonaws.com/role-arn: arn}'], bad: ['arn', '{bad key: x}'] },
};

describe('the Answers schema', () => {
  it('has a row in this table for every answer, and no stale row', () => {
    expect(Object.keys(table).sort()).toEqual(answerFields.map((field) => field.key).sort());
  });

  it('describes every answer in one line and says what it accepts', () => {
    for (const field of answerFields) {
      expect(field.description, field.key).toMatch(/^\S.{9,150}$/);
      expect(field.description, field.key).not.toContain('\n');
      expect(field.accepts.length, field.key).toBeGreaterThan(5);
    }
  });

  it('has the defaults of DESIGN.md', () => {
    const defaults = defaultAnswers();
    expect(defaults.release).toBe('mlflow');
    expect(defaults.namespace).toBe('mlflow');
    expect(defaults.backend.type).toBe('file');
    expect(defaults.backend.volume.size).toBe('10Gi');
    expect(defaults.backend.db.port).toBeUndefined();
    expect(defaults.artifacts).toEqual({ root: '', serve: true, s3EndpointUrl: '' });
    expect(defaults.ingress.enabled).toBe(false);
    expect(defaults.secrets.provider).toBe('kubernetes');
    expect(defaults.prometheus).toEqual({ expose: false, serviceMonitor: false });
    expect(defaults.serviceAccount.annotations).toEqual({});
  });

  for (const [key, { good, bad }] of Object.entries(table)) {
    describe(key, () => {
      for (const value of good) {
        it(`takes ${JSON.stringify(value)}`, () => {
          expect(() => layerFromSetFlags([`${key}=${value}`])).not.toThrow();
        });
      }
      for (const value of bad) {
        it(`refuses ${JSON.stringify(value)} and says what it accepts`, () => {
          const field = fieldByKey(key);
          expect(() => layerFromSetFlags([`${key}=${value}`])).toThrow(field?.accepts ?? 'expected');
        });
      }
    });
  }

  it('addresses an entry of a map answer by the rest of the key, dots and slashes included', () => {
    expect(resolveKey('serviceAccount.annotations.eks.amazonaws.com/role-arn')).toMatchObject({
      field: { key: 'serviceAccount.annotations' },
      entry: 'eks.amazonaws.com/role-arn',
    });
    expect(resolveKey('backend.db')).toBeUndefined();
    expect(resolveKey('backend.db.host')?.entry).toBeUndefined();
  });
});
