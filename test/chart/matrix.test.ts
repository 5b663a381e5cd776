import { beforeAll, describe, expect, it } from 'vitest';
import { renderChart, type Manifest } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { allCombos, comboName, specialPassword, valuesFor, type Combo } from './combos.js';
import { argOf, envOf, ofKind, only, podTemplate, serverContainer } from './inspect.js';

const combos = allCombos();
const dbPorts = { postgres: 5432, mysql: 3306, mssql: 1433 } as const;
const schemes = { postgres: 'postgresql+psycopg2', mysql: 'mysql+pymysql', mssql: 'mssql+pymssql' } as const;

async function mapWithLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

function checkCombo(c: Combo, manifests: Manifest[]): void {
  for (const manifest of manifests) validateManifest(manifest);
  const server = serverContainer(manifests);
  const deployment = only(manifests, 'Deployment');
  const pod = podTemplate(deployment);
  const initNames = (pod.spec.initContainers ?? []).map((i) => i.name);
  const serialized = JSON.stringify(deployment);

  // backend
  if (c.backend === 'file') {
    expect(envOf(server, 'MLFLOW_BACKEND_STORE_URI')?.value).toBe('sqlite:////mlflow/mlflow.db');
    expect(initNames).toEqual(['migrate']);
    expect(ofKind(manifests, 'Job')).toHaveLength(0);
  } else {
    expect(envOf(server, 'MLFLOW_DB_SCHEME')?.value).toBe(schemes[c.backend]);
    expect(envOf(server, 'MLFLOW_DB_HOST')?.value).toBe('db.internal.example.com');
    expect(envOf(server, 'MLFLOW_DB_PASSWORD')?.valueFrom?.secretKeyRef?.key).toBeTruthy();
    expect(envOf(server, 'MLFLOW_DB_PASSWORD')?.value).toBeUndefined();
    expect(initNames).toEqual(['wait-for-database']);
    const migrate = only(manifests, 'Job', 'migrate');
    expect(migrate.metadata.annotations?.['helm.sh/hook']).toContain('pre-upgrade');
    const jobPod = podTemplate(migrate);
    expect(jobPod.metadata?.annotations?.['linkerd.io/inject']).toBe('disabled');
    expect(jobPod.metadata?.annotations?.['sidecar.istio.io/inject']).toBe('false');
    expect(migrate.metadata.annotations?.['linkerd.io/inject']).toBeUndefined();
  }
  expect(serialized).not.toContain(specialPassword);
  expect(serialized).not.toContain(encodeURIComponent(specialPassword));

  // volume: the file backend, or artifacts kept by the server
  const usersOnVolume = c.auth && (c.backend === 'file' || c.backend === 'mysql');
  const needsVolume = c.backend === 'file' || c.artifacts === 'none' || usersOnVolume;
  expect(ofKind(manifests, 'PersistentVolumeClaim')).toHaveLength(needsVolume ? 1 : 0);
  if (needsVolume) {
    expect(only(manifests, 'PersistentVolumeClaim').metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  }

  // artifacts
  const destination = argOf(server, 'artifacts-destination');
  if (c.artifacts === 'none') expect(destination).toBe('/mlflow/artifacts');
  else expect(String(destination)).toMatch(new RegExp(`^${c.artifacts}://`));
  expect(argOf(server, 'serve-artifacts')).toBe(true);

  // ingress and allowed hosts
  expect(ofKind(manifests, 'Ingress')).toHaveLength(c.ingress ? 1 : 0);
  const allowed = String(argOf(server, 'allowed-hosts')).split(',');
  expect(allowed).toContain('mlflow.mlflow.svc.cluster.local');
  expect(allowed).toContain('localhost:*');
  if (c.ingress) expect(allowed).toEqual(expect.arrayContaining(['mlflow.example.com', 'mlflow.example.com:*']));
  else expect(allowed).not.toContain('mlflow.example.com');

  // secrets provider
  const spcs = ofKind(manifests, 'SecretProviderClass');
  expect(spcs).toHaveLength(c.provider === 'none' ? 0 : 1);
  const csiVolume = pod.spec.volumes?.find((v) => v.csi?.driver === 'secrets-store.csi.k8s.io');
  if (c.provider === 'none') {
    expect(csiVolume).toBeUndefined();
  } else {
    expect((spcs[0]?.spec as { provider: string }).provider).toBe(c.provider);
    expect(csiVolume).toBeDefined();
    if (c.backend !== 'file') {
      expect(envOf(server, 'MLFLOW_DB_PASSWORD')?.valueFrom?.secretKeyRef?.name).toBe('mlflow-store');
    }
  }

  // prometheus
  expect(argOf(server, 'expose-prometheus')).toBe(c.prometheus ? '/tmp/mlflow-metrics' : undefined);
  expect(pod.metadata?.annotations?.['prometheus.io/scrape']).toBe(c.prometheus ? 'true' : undefined);
  expect(ofKind(manifests, 'ServiceMonitor')).toHaveLength(c.prometheus ? 1 : 0);

  // the login, and the browser-facing flags
  expect(argOf(server, 'app-name')).toBe(c.auth ? 'basic-auth' : undefined);
  expect(envOf(server, 'MLFLOW_FLASK_SERVER_SECRET_KEY')?.valueFrom?.secretKeyRef?.name).toBe(c.auth ? 'mlflow-mlflow-auth' : undefined);
  expect(envOf(server, 'MLFLOW_AUTH_ADMIN_PASSWORD')?.value).toBeUndefined();
  expect(envOf(server, 'MLFLOW_AUTH_DATABASE_URI')?.value).toBe(usersOnVolume ? 'sqlite:////mlflow/basic_auth.db' : undefined);
  const monitor = ofKind(manifests, 'ServiceMonitor')[0]?.spec as { endpoints: { basicAuth?: unknown }[] } | undefined;
  expect(monitor?.endpoints[0]?.basicAuth !== undefined).toBe(c.auth && c.prometheus);
  expect(argOf(server, 'cors-allowed-origins')).toBe(c.ingress ? 'https://mlflow.example.com' : undefined);
  expect(argOf(server, 'x-frame-options')).toBe('SAMEORIGIN');

  // the NetworkPolicy (on with the metrics): Prometheus's namespace admitted; restricted egress opens the database's port
  const policies = ofKind(manifests, 'NetworkPolicy');
  expect(policies).toHaveLength(c.prometheus ? 1 : 0);
  if (c.prometheus) {
    const policy = policies[0]?.spec as { ingress: { from: unknown[] }[]; egress: { to?: unknown; ports?: { port: number | string }[] }[] };
    expect(policy.ingress[0]?.from).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });
    const open = policy.egress.filter((rule) => rule.to === undefined).flatMap((rule) => (rule.ports ?? []).map((p) => p.port));
    if (!c.auth) expect(policy.egress).toEqual([{}]);
    else expect(open).toEqual(c.backend === 'file' ? [53, 53, 443] : [53, 53, 443, dbPorts[c.backend]]);
  }

  // probes and security context, always
  for (const probe of [server.startupProbe, server.livenessProbe, server.readinessProbe]) expect(probe?.httpGet?.path).toBe('/health');
  expect(pod.spec.securityContext?.runAsNonRoot).toBe(true);
  expect(server.securityContext?.allowPrivilegeEscalation).toBe(false);
  expect(server.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
}

describe.each(helmMajors.map((major) => toolSet(major)))('render matrix with helm $major', (tools) => {
  const results = new Map<string, { ok: boolean; manifests: Manifest[]; stderr: string }>();

  beforeAll(async () => {
    if (tools.unavailable) return;
    const rendered = await mapWithLimit(combos, 4, (c) => renderChart(tools, valuesFor(c)));
    combos.forEach((c, i) => results.set(comboName(c), rendered[i] as { ok: boolean; manifests: Manifest[]; stderr: string }));
  }, 600_000);

  it.skipIf(tools.unavailable !== undefined)(`renders ${combos.length} combinations${tools.unavailable ? ` (skipped: ${tools.unavailable})` : ''}`, () => {
    let manifestCount = 0;
    for (const c of combos) {
      const result = results.get(comboName(c));
      if (!result?.ok) throw new Error(`${comboName(c)} did not render: ${result?.stderr}`);
      try {
        checkCombo(c, result.manifests);
      } catch (error) {
        throw new Error(`${comboName(c)}: ${(error as Error).message}`);
      }
      manifestCount += result.manifests.length;
    }
    console.log(`helm ${tools.major}: ${combos.length} combinations rendered, ${manifestCount} manifests validated`);
    expect(manifestCount).toBeGreaterThan(combos.length * 5);
  });
});
