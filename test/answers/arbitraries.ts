import fc from 'fast-check';
import { AnswersSchema, type Answers } from '../../src/answers/schema.js';

/** Random complete, consistent Answers: what a person could end up with after every source and question. */
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const sqlName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);
const optional = <T>(arbitrary: fc.Arbitrary<T>, empty: T) => fc.oneof(fc.constant(empty), arbitrary);
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
const path = fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { maxLength: 3 }).map((parts) => (parts.length ? `/${parts.join('/')}` : ''));
const annotationKey = fc.tuple(optional(dnsName, ''), fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,20}[a-z0-9])?$/)).map(([prefix, name]) => (prefix ? `${prefix}/${name}` : name));
const annotations = fc.dictionary(annotationKey, fc.string({ maxLength: 30 }), { maxKeys: 3 });

const artifactRoot = fc.oneof(
  fc.constant(''),
  fc.tuple(bucket, path).map(([b, p]) => `s3://${b}${p}`),
  fc.tuple(bucket, path).map(([b, p]) => `gs://${b}${p}`),
  fc.tuple(bucket, label, path).map(([c, a, p]) => `wasbs://${c}@${a}.blob.core.windows.net${p}`),
  fc.tuple(bucket, label, path).map(([c, a, p]) => `abfss://${c}@${a}.dfs.core.windows.net${p}`),
);

const references = {
  aws: fc.oneof(
    fc.stringMatching(/^[a-z][a-z0-9/_-]{2,20}$/),
    fc.stringMatching(/^[a-z][a-z0-9/_-]{2,20}$/).map((name) => `${name}#password`),
    fc.constant('arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlflow-AbCdEf'),
  ),
  azure: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  gcp: fc.tuple(label, label).map(([project, secret]) => `projects/${project}/secrets/${secret}/versions/latest`),
  vault: fc.tuple(label, label).map(([where, key]) => `secret/data/${where}#${key}`),
};

const parameters = {
  aws: fc.constantFrom({}, { region: 'eu-west-1' }),
  azure: fc.constant({ keyvaultName: 'kv-mlflow', tenantId: '00000000-0000-0000-0000-000000000000', clientID: '11111111-1111-1111-1111-111111111111' }),
  gcp: fc.constant({}),
  vault: fc.constant({ roleName: 'mlflow', vaultAddress: 'https://vault.vault:8200' }),
};

const database = fc.constantFrom('postgres', 'mysql', 'mssql').chain((type) =>
  fc.record({
    type: fc.constant(type),
    db: fc.record({
      host: fc.oneof(dnsName, fc.constant('10.1.2.3')),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      name: sqlName,
      user: sqlName,
      existingSecret: optional(dnsName, ''),
      sslMode: type === 'postgres' ? fc.constantFrom('', 'disable', 'require', 'verify-full') : type === 'mysql' ? fc.constantFrom('', 'require', 'verify-full') : fc.constant(''),
    }),
    createDatabase: fc.oneof(
      fc.constant({ enabled: false, masterUser: '', masterSecret: '' }),
      fc.record({ enabled: fc.constant(true), masterUser: sqlName, masterSecret: optional(dnsName, '') }),
    ),
    secrets: fc.constantFrom('kubernetes', 'aws', 'azure', 'gcp', 'vault').chain((provider): fc.Arbitrary<Record<string, unknown>> =>
      provider === 'kubernetes'
        ? fc.constant({ provider, installDriver: false, objects: { password: '', masterPassword: '' }, parameters: {} })
        : fc.record({
            provider: fc.constant(provider),
            installDriver: fc.boolean(),
            objects: fc.record({ password: references[provider as keyof typeof references], masterPassword: references[provider as keyof typeof references] }),
            parameters: parameters[provider as keyof typeof parameters],
          }),
    ),
  }),
);

const fileBackend = fc.record({
  type: fc.constant('file'),
  db: fc.constant({}),
  createDatabase: fc.constant({}),
  secrets: fc.constant({}),
});

export const answersArbitrary: fc.Arbitrary<Answers> = fc
  .record({
    release: label,
    namespace: label,
    backend: fc.oneof(fileBackend, database),
    volume: fc.record({
      size: fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('Gi', 'Mi', 'Ti', 'G')).map(([n, unit]) => `${n}${unit}`),
      storageClass: optional(dnsName, ''),
    }),
    artifacts: artifactRoot.chain((root) =>
      fc.record({
        root: fc.constant(root),
        serve: root === '' ? fc.constant(true) : fc.boolean(),
        s3EndpointUrl: root.startsWith('s3://') ? fc.constantFrom('', 'http://minio.minio:9000', 'https://s3.example.com') : fc.constant(''),
      }),
    ),
    ingress: fc.oneof(
      fc.constant({ enabled: false }),
      fc.record({
        enabled: fc.constant(true),
        host: fc.tuple(label, dnsName).map(([a, b]) => `${a}.${b}`),
        className: optional(dnsName, ''),
        annotations,
        tls: fc.record({ enabled: fc.boolean(), secretName: optional(dnsName, '') }),
      }),
    ),
    prometheus: fc.boolean().chain((expose) => fc.record({ expose: fc.constant(expose), serviceMonitor: expose ? fc.boolean() : fc.constant(false) })),
    serviceAccount: fc.record({ annotations }),
  })
  .map(({ backend, volume, ...rest }) => {
    const { type, db, createDatabase, secrets } = backend;
    return AnswersSchema.parse({ ...rest, backend: { type, volume, db, createDatabase }, secrets });
  });
