// The login values (auth.*) and the server's browser-facing security flags, rendered by both helm majors:
// what reaches the server, the migrations, the ServiceMonitor and the helm test; secrets only as secretKeyRefs.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../helpers/render.js';
import { renderChart } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { argOf, only, podTemplate, serverContainer, type Container } from './inspect.js';

const auth = { auth: { enabled: true, existingSecret: 'mlflow-mlflow-auth' } };
const postgres = { database: { engine: { postgres: 'psql' } }, mlflowBackend: { connections: { host: 'db' }, existingSecret: 'db' } };
const mysql = { database: { engine: { mysql: 'mysql+pymysql' } }, mlflowBackend: { connections: { host: 'db' }, existingSecret: 'db' } };

const envOf = (container: Container): Record<string, unknown> => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const migrateJob = (manifests: Manifest[]): Container => podTemplate(only(manifests, 'Job', 'migrate')).spec.containers[0] as Container;

describe.each(helmMajors.map((major) => toolSet(major)))('the login with helm $major', (tools) => {
  const skip = tools.unavailable !== undefined;

  it.skipIf(skip)('is off by default: no --app-name, no login environment, no scrape login', async () => {
    const { manifests, stdout } = await renderChart(tools, {}, { withTests: true });
    const server = serverContainer(manifests);
    expect(argOf(server, 'app-name')).toBeUndefined();
    expect(Object.keys(envOf(server)).filter((name) => name.startsWith('MLFLOW_AUTH') || name === 'MLFLOW_FLASK_SERVER_SECRET_KEY')).toEqual([]);
    expect(argOf(server, 'x-frame-options')).toBe('SAMEORIGIN');
    expect(argOf(server, 'cors-allowed-origins')).toBeUndefined();
    expect(stdout).not.toContain('basicAuth');
  });

  it.skipIf(skip)('turned on with the file backend: basic-auth, the password and Flask key as secretKeyRefs, users in SQLite on the volume, upgraded by the init container', async () => {
    const { manifests, stdout } = await renderChart(tools, { ...auth, auth: { ...auth.auth, adminUser: 'root-user', defaultPermission: 'NO_PERMISSIONS', adminPasswordKey: 'pw', flaskSecretKeyKey: 'fk' } });
    manifests.forEach(validateManifest);
    const server = serverContainer(manifests);
    expect(argOf(server, 'app-name')).toBe('basic-auth');
    expect(envOf(server)).toMatchObject({
      MLFLOW_AUTH_CONFIG_PATH: '/tmp/basic_auth.ini',
      MLFLOW_AUTH_CACHE_TTL_SECONDS: '30',
      MLFLOW_AUTH_ADMIN_USER: 'root-user',
      MLFLOW_AUTH_DEFAULT_PERMISSION: 'NO_PERMISSIONS',
      MLFLOW_AUTH_DATABASE_URI: 'sqlite:////mlflow/basic_auth.db',
      MLFLOW_AUTH_ADMIN_PASSWORD: { secretKeyRef: { name: 'mlflow-mlflow-auth', key: 'pw' } },
      MLFLOW_FLASK_SERVER_SECRET_KEY: { secretKeyRef: { name: 'mlflow-mlflow-auth', key: 'fk' } },
    });
    const migrate = podTemplate(only(manifests, 'Deployment')).spec.initContainers?.find((c) => c.name === 'migrate') as Container;
    expect(envOf(migrate)).toMatchObject({ MLFLOW_AUTH_CONFIG_PATH: '/tmp/basic_auth.ini', MLFLOW_AUTH_DATABASE_URI: 'sqlite:////mlflow/basic_auth.db' });
    // The upgrade needs no password: the init container never sees it.
    expect(envOf(migrate)).not.toHaveProperty('MLFLOW_AUTH_ADMIN_PASSWORD');
    expect(stdout).not.toMatch(/admin-password|flask-secret-key/);
  });

  it.skipIf(skip)('with PostgreSQL: users in the backend database, upgraded by the migrate Job after the tracking schema', async () => {
    const { manifests } = await renderChart(tools, { ...postgres, ...auth });
    const server = envOf(serverContainer(manifests));
    expect(server).not.toHaveProperty('MLFLOW_AUTH_DATABASE_URI');
    const job = migrateJob(manifests);
    expect(envOf(job)).toHaveProperty('MLFLOW_AUTH_CONFIG_PATH');
    expect(envOf(job)).not.toHaveProperty('MLFLOW_AUTH_ADMIN_PASSWORD');
    expect(job.command?.slice(-3)).toEqual(['mlflow', 'db', 'upgrade']);
  });

  it.skipIf(skip)('with MySQL/MariaDB: users in SQLite on the server volume (MLflow cannot migrate them on InnoDB), which the Job does not touch', async () => {
    const { manifests } = await renderChart(tools, { ...mysql, ...auth, defaultArtifactRoot: 's3://bucket/mlflow' });
    expect(envOf(serverContainer(manifests))).toMatchObject({ MLFLOW_AUTH_DATABASE_URI: 'sqlite:////mlflow/basic_auth.db' });
    expect(podTemplate(only(manifests, 'Deployment')).spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim).toBeDefined();
    expect(envOf(migrateJob(manifests))).not.toHaveProperty('MLFLOW_AUTH_CONFIG_PATH');
  });

  it.skipIf(skip)('the ServiceMonitor scrapes /metrics as the admin: the name from a chart-made Secret, the password from the auth Secret', async () => {
    const { manifests } = await renderChart(tools, { ...auth, auth: { ...auth.auth, adminUser: 'ops' }, prometheus: { expose: true, serviceMonitor: { enabled: true } } });
    const monitor = only(manifests, 'ServiceMonitor').spec as { endpoints: { basicAuth?: unknown }[] };
    expect(monitor.endpoints[0]?.basicAuth).toEqual({
      username: { name: 'mlflow-metrics-user', key: 'username' },
      password: { name: 'mlflow-mlflow-auth', key: 'admin-password' },
    });
    const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'mlflow-metrics-user') as Manifest;
    validateManifest(secret);
    expect(Buffer.from(String((secret.data as Record<string, string>).username), 'base64').toString()).toBe('ops');
    const open = await renderChart(tools, { prometheus: { expose: true, serviceMonitor: { enabled: true } } });
    expect((only(open.manifests, 'ServiceMonitor').spec as { endpoints: { basicAuth?: unknown }[] }).endpoints[0]?.basicAuth).toBeUndefined();
    expect(open.manifests.some((m) => m.metadata.name === 'mlflow-metrics-user')).toBe(false);
  });

  it.skipIf(skip)('the helm test checks the anonymous 401 when the login is on', async () => {
    const { manifests } = await renderChart(tools, auth, { withTests: true });
    const test = manifests.find((m) => m.kind === 'Pod' && m.metadata.annotations?.['helm.sh/hook'] === 'test') as Manifest;
    validateManifest(test);
    expect(((test.spec as { containers: { command: string[] }[] }).containers[0]?.command ?? []).slice(-2)).toEqual(['http://mlflow:5000', 'login']);
  });

  it.skipIf(skip)('CORS origins from the ingress hosts (https when TLS names them) plus mlflow.corsAllowedOrigins; X-Frame-Options from its value', async () => {
    const { manifests } = await renderChart(tools, {
      ingress: { enabled: true, hosts: [{ host: 'mlflow.example.com', paths: [] }, { host: 'plain.example.com', paths: [] }], tls: [{ hosts: ['mlflow.example.com'], secretName: 't' }] },
      mlflow: { corsAllowedOrigins: ['https://notebooks.example.com:8443'], xFrameOptions: 'DENY' },
    });
    const server = serverContainer(manifests);
    expect(argOf(server, 'cors-allowed-origins')).toBe('https://mlflow.example.com,http://plain.example.com,https://notebooks.example.com:8443');
    expect(argOf(server, 'x-frame-options')).toBe('DENY');
    expect(argOf(server, 'allowed-hosts')).toContain('mlflow.example.com');
  });
});

const badAuthValues: { name: string; values: Record<string, unknown>; message: RegExp }[] = [
  { name: 'the login without its Secret', values: { auth: { enabled: true } }, message: /auth|existingSecret/ },
  { name: 'an unknown default permission', values: { auth: { enabled: true, existingSecret: 's', defaultPermission: 'WRITE' } }, message: /auth[./]defaultPermission/ },
  { name: 'an admin name with a colon (it cannot travel in a Basic header)', values: { auth: { adminUser: 'ad:min' } }, message: /auth[./]adminUser/ },
  { name: 'an empty admin name', values: { auth: { adminUser: '' } }, message: /auth[./]adminUser/ },
  { name: 'a Secret name that is no Kubernetes name', values: { auth: { enabled: true, existingSecret: 'My_Secret' } }, message: /auth[./]existingSecret/ },
  { name: 'a negative credential cache', values: { auth: { credentialCacheSeconds: -1 } }, message: /auth[./]credentialCacheSeconds/ },
  { name: 'a credential cache of a fraction of a second', values: { auth: { credentialCacheSeconds: 0.5 } }, message: /auth[./]credentialCacheSeconds/ },
  { name: 'an empty password key', values: { auth: { adminPasswordKey: '' } }, message: /auth[./]adminPasswordKey/ },
  { name: 'an unknown auth key', values: { auth: { password: 'x' } }, message: /password/ },
  { name: '--app-name through extraArgs', values: { extraArgs: { 'app-name': 'basic-auth' } }, message: /extraArgs\.app-name/ },
  { name: 'a CORS origin with a path', values: { mlflow: { corsAllowedOrigins: ['https://a.example.com/ui'] } }, message: /mlflow[./]corsAllowedOrigins/ },
  { name: 'a wildcard CORS origin', values: { mlflow: { corsAllowedOrigins: ['*'] } }, message: /mlflow[./]corsAllowedOrigins/ },
  { name: 'an unknown X-Frame-Options', values: { mlflow: { xFrameOptions: 'ALLOW-FROM x' } }, message: /mlflow[./]xFrameOptions/ },
];

describe.each(helmMajors.map((major) => toolSet(major)))('bad login values with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined).each(badAuthValues)('$name fails with a message naming the key', async ({ values, message }) => {
    const { ok, stderr } = await renderChart(tools, values);
    expect(ok).toBe(false);
    expect(stderr).toMatch(message);
  });
});
