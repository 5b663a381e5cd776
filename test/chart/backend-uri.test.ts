import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderChart, type Manifest } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { specialPassword } from './combos.js';
import { envOf, only, podTemplate, secretValue, serverContainer, type Container } from './inspect.js';

const execFileAsync = promisify(execFile);

/** The container's environment as the kubelet would give it: plain values and Secret references resolved. */
function resolvedEnv(manifests: Manifest[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value = ref ? secretValue(manifests, ref) : variable.value;
    if (value === undefined) throw new Error(`${variable.name} refers to ${ref?.name}/${ref?.key}, which the render does not hold`);
    env[variable.name] = value;
  }
  return env;
}

/** Runs the chart's own launcher (the container's `python -c` script) and reads the URI it builds. */
async function backendUriBuiltBy(container: Container, env: Record<string, string>): Promise<string> {
  const [python, flag, launcher] = container.command ?? [];
  expect([python, flag]).toEqual(['python', '-c']);
  const printUri = ['exec', 'python3', '-c', 'import os; print(os.environ["MLFLOW_BACKEND_STORE_URI"])'];
  const { stdout } = await execFileAsync('python3', ['-c', launcher as string, ...printUri], { env: { PATH: process.env.PATH ?? '', ...env } });
  return stdout.trim();
}

const engines = [
  { engine: { postgres: 'psql' }, scheme: 'postgresql+psycopg2', port: '5432' },
  { engine: { postgres: 'postgresql' }, scheme: 'postgresql+psycopg2', port: '5432' },
  { engine: { mysql: 'mysql+pymysql' }, scheme: 'mysql+pymysql', port: '3306' },
  { engine: { mssql: 'mssql+pymssql' }, scheme: 'mssql+pymssql', port: '1433' },
];

describe.each(helmMajors.map((major) => toolSet(major)))('backend store URI with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined).each(engines)('$scheme from $engine: the special-character password survives URL-encoding', async ({ engine, scheme, port }) => {
    const values = {
      database: { enabled: true, engine, options: { sslmode: 'require' } },
      mlflowBackend: { connections: { host: 'db.internal', database: 'ml flow', username: 'ml@user', password: specialPassword } },
    };
    const { ok, manifests, stderr } = await renderChart(tools, values);
    expect(stderr).toBe('');
    expect(ok).toBe(true);
    const server = serverContainer(manifests);
    expect(JSON.stringify(only(manifests, 'Deployment'))).not.toContain(specialPassword);

    const uri = await backendUriBuiltBy(server, resolvedEnv(manifests, server));
    expect(uri).not.toContain(specialPassword);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe(`${scheme}:`);
    expect(decodeURIComponent(parsed.username)).toBe('ml@user');
    expect(decodeURIComponent(parsed.password)).toBe(specialPassword);
    expect(parsed.hostname).toBe('db.internal');
    expect(parsed.port).toBe(port);
    expect(decodeURIComponent(parsed.pathname)).toBe('/ml flow');
    expect(parsed.search).toBe('?sslmode=require');
  });

  it.skipIf(tools.unavailable !== undefined)('an existing Secret supplies the password and the user', async () => {
    const values = {
      database: { engine: { postgres: 'psql' } },
      mlflowBackend: { connections: { host: 'db' }, existingSecret: 'mlflow-db', existingSecretPasswordKey: 'pw', existingSecretUserKey: 'user' },
    };
    const { manifests } = await renderChart(tools, values);
    const server = serverContainer(manifests);
    expect(envOf(server, 'MLFLOW_DB_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'mlflow-db', key: 'pw' });
    expect(envOf(server, 'MLFLOW_DB_USER')?.valueFrom?.secretKeyRef).toEqual({ name: 'mlflow-db', key: 'user' });
    expect(manifests.filter((m) => m.kind === 'Secret')).toHaveLength(0);
    // The Secret exists before helm runs, so the migration may run before the first install too.
    expect(only(manifests, 'Job', 'migrate').metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
  });

  it.skipIf(tools.unavailable !== undefined)('the file backend keeps SQLite on the volume, at mlflowBackend.filepath when given', async () => {
    const { manifests } = await renderChart(tools, { mlflowBackend: { filepath: '/mlflow/store' } });
    const server = serverContainer(manifests);
    expect(envOf(server, 'MLFLOW_BACKEND_STORE_URI')?.value).toBe('sqlite:////mlflow/store/mlflow.db');
    const pod = podTemplate(only(manifests, 'Deployment'));
    expect(pod.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('mlflow-data');
    expect((only(manifests, 'Deployment').spec as { strategy: { type: string } }).strategy.type).toBe('Recreate');
  });
});
