// The chart's hardening, with both helm majors: the PodDisruptionBudget, the NetworkPolicy, the probes, the user
// and group IDs, and the resources of every container. Every rendered manifest is validated against the
// Kubernetes schemas (kubernetes-models).
import { describe, expect, it } from 'vitest';
import { renderChart, type Manifest } from '../helpers/render.js';
import { helmMajors, toolSet, type ToolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { ofKind, only, podTemplate, serverContainer, type Container, type PodSpec } from './inspect.js';

const secret = { existingSecret: 'mlflow-db' };
const postgres = { database: { engine: { postgres: 'psql' } }, mlflowBackend: { connections: { host: 'db' }, ...secret }, defaultArtifactRoot: 's3://bucket/mlflow' };
const mysql = { database: { engine: { mysql: 'mysql+pymysql' } }, mlflowBackend: { connections: { host: 'db' }, ...secret }, defaultArtifactRoot: 's3://bucket/mlflow' };
const postgresOn6432 = { ...postgres, mlflowBackend: { connections: { host: 'db', port: 6432 }, ...secret } };
const createDatabase = {
  ...postgres,
  mlflowBackend: { connections: { db_host: 'db', db_master_user: 'admin' }, ...secret },
  database: { engine: { postgres: 'psql' }, create: { masterSecret: 'master' } },
};

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port: number | string; protocol: string }[];
}
interface NetworkPolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  ingress: Rule[];
  egress: Rule[];
}

async function render(tools: ToolSet, values: Record<string, unknown>): Promise<Manifest[]> {
  const result = await renderChart(tools, values);
  if (!result.ok) throw new Error(`did not render: ${result.stderr}`);
  for (const manifest of result.manifests) validateManifest(manifest);
  return result.manifests;
}

/** Every pod the release creates: the Deployment's and the Jobs' templates, and the helm test pod. */
function pods(manifests: Manifest[]): { name: string; labels: Record<string, string>; spec: PodSpec }[] {
  const found = [];
  for (const manifest of manifests) {
    if (manifest.kind === 'Deployment' || manifest.kind === 'Job') {
      const template = podTemplate(manifest);
      found.push({ name: `${manifest.kind}/${manifest.metadata.name}`, labels: template.metadata?.labels ?? {}, spec: template.spec });
    } else if (manifest.kind === 'Pod') {
      found.push({ name: `Pod/${manifest.metadata.name}`, labels: manifest.metadata.labels ?? {}, spec: manifest.spec as PodSpec });
    }
  }
  return found;
}

function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function networkPolicy(manifests: Manifest[]): NetworkPolicySpec {
  return only(manifests, 'NetworkPolicy').spec as NetworkPolicySpec;
}

/** The TCP ports of the restricted egress rules that name no destination (443, the database's, ...). */
function openTcpPorts(spec: NetworkPolicySpec): (number | string)[] {
  return spec.egress.filter((rule) => rule.to === undefined).flatMap((rule) => (rule.ports ?? []).filter((p) => p.protocol === 'TCP' && p.port !== 53).map((p) => p.port));
}

describe.each(helmMajors.map((major) => toolSet(major)))('chart hardening with helm $major', (tools) => {
  const skip = tools.unavailable !== undefined;

  describe('PodDisruptionBudget', () => {
    it.skipIf(skip)('is not rendered when a single server pod runs (the defaults, or replicaCount 1 with a database)', async () => {
      expect(ofKind(await render(tools, {}), 'PodDisruptionBudget')).toHaveLength(0);
      expect(ofKind(await render(tools, postgres), 'PodDisruptionBudget')).toHaveLength(0);
    });

    it.skipIf(skip)('keeps at most one server pod away with two replicas, selecting the server pods only', async () => {
      const manifests = await render(tools, { ...postgres, replicaCount: 2 });
      const pdb = only(manifests, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      const spec = pdb.spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
      expect(spec.maxUnavailable).toBe(1);
      const server = podTemplate(only(manifests, 'Deployment')).metadata?.labels ?? {};
      expect(matches(spec.selector.matchLabels, server)).toBe(true);
      for (const pod of pods(manifests).filter((p) => !p.name.startsWith('Deployment/'))) {
        expect(matches(spec.selector.matchLabels, pod.labels), pod.name).toBe(false);
      }
    });

    it.skipIf(skip)('is rendered with autoscaling, and takes a percentage', async () => {
      const manifests = await render(tools, { ...postgres, autoscaling: { enabled: true, maxReplicas: 4 }, podDisruptionBudget: { maxUnavailable: '50%' } });
      expect((only(manifests, 'PodDisruptionBudget').spec as { maxUnavailable: unknown }).maxUnavailable).toBe('50%');
    });

    it.skipIf(skip)('is left out with podDisruptionBudget.enabled false', async () => {
      expect(ofKind(await render(tools, { ...postgres, replicaCount: 3, podDisruptionBudget: { enabled: false } }), 'PodDisruptionBudget')).toHaveLength(0);
    });
  });

  describe('NetworkPolicy', () => {
    it.skipIf(skip)('is off in the chart defaults', async () => {
      expect(ofKind(await render(tools, {}), 'NetworkPolicy')).toHaveLength(0);
    });

    it.skipIf(skip)('admits the server port from its namespace, the allowed namespaces and CIDRs, and selects every pod of the release', async () => {
      const manifests = await render(tools, {
        ...createDatabase,
        networkPolicy: { enabled: true, allowedNamespaces: ['ingress-nginx', 'monitoring'], allowedCidrs: ['10.0.0.0/16', 'fd00::/8'] },
      });
      const spec = networkPolicy(manifests);
      expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const released = pods(manifests);
      expect(released.map((p) => p.name.split('/')[0]).sort()).toEqual(['Deployment', 'Job', 'Job', 'Pod']);
      for (const pod of released) expect(matches(spec.podSelector.matchLabels, pod.labels), pod.name).toBe(true);
      expect(spec.ingress).toEqual([
        {
          ports: [{ port: 'http', protocol: 'TCP' }],
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
            { ipBlock: { cidr: '10.0.0.0/16' } },
            { ipBlock: { cidr: 'fd00::/8' } },
          ],
        },
      ]);
      const ports = (podTemplate(only(manifests, 'Deployment')).spec.containers[0] as Container & { ports: { name: string }[] }).ports;
      expect(ports.map((p) => p.name)).toContain('http');
      // Egress stays open unless restrictEgress.
      expect(spec.egress).toEqual([{}]);
    });

    it.skipIf(skip)('with restrictEgress: DNS anywhere, the server for the helm test, 443 and the database port', async () => {
      const spec = networkPolicy(await render(tools, { ...postgres, networkPolicy: { enabled: true, restrictEgress: true } }));
      expect(spec.egress[0]).toEqual({ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] });
      const toServer = spec.egress.find((rule) => rule.to !== undefined);
      expect(toServer).toEqual({
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow', 'app.kubernetes.io/component': 'tracking-server' } } }],
        ports: [{ port: 'http', protocol: 'TCP' }],
      });
      expect(openTcpPorts(spec)).toEqual([443, 5432]);
    });

    it.skipIf(skip)('opens the port of each backend and endpoint: MySQL 3306, a custom port, none for the file backend, MinIO, egressPorts', async () => {
      const restricted = { enabled: true, restrictEgress: true };
      expect(openTcpPorts(networkPolicy(await render(tools, { ...mysql, networkPolicy: restricted })))).toEqual([443, 3306]);
      expect(openTcpPorts(networkPolicy(await render(tools, { ...postgresOn6432, networkPolicy: restricted })))).toEqual([443, 6432]);
      expect(openTcpPorts(networkPolicy(await render(tools, { networkPolicy: restricted })))).toEqual([443]);
      const minio = { ...postgres, artifacts: { s3EndpointUrl: 'http://minio.storage:9000' }, networkPolicy: { ...restricted, egressPorts: [80, 443, 5432] } };
      expect(openTcpPorts(networkPolicy(await render(tools, minio)))).toEqual([443, 5432, 9000, 80]);
      const plainHttp = { ...postgres, artifacts: { s3EndpointUrl: 'http://minio.storage' }, networkPolicy: restricted };
      expect(openTcpPorts(networkPolicy(await render(tools, plainHttp)))).toEqual([443, 5432, 80]);
    });
  });

  describe('probes', () => {
    it.skipIf(skip)('liveness tolerates a slow moment that takes the pod out of the Service first; a startup probe covers the first start', async () => {
      const server = serverContainer(await render(tools, {})) as Container & Record<'startupProbe' | 'livenessProbe' | 'readinessProbe', Record<string, number>>;
      const window = (probe: Record<string, number>) => (probe.periodSeconds ?? 0) * (probe.failureThreshold ?? 0);
      expect(window(server.readinessProbe)).toBe(30);
      expect(window(server.livenessProbe)).toBe(120);
      expect(server.livenessProbe.timeoutSeconds).toBeGreaterThan(server.readinessProbe.timeoutSeconds ?? 0);
      expect(window(server.startupProbe)).toBe(600);
      for (const probe of [server.startupProbe, server.livenessProbe, server.readinessProbe]) expect(probe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    });

    it.skipIf(skip)('takes each probe from its own values', async () => {
      const probes = { liveness: { periodSeconds: 30, timeoutSeconds: 15, failureThreshold: 10 }, readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 } };
      const server = serverContainer(await render(tools, { mlflow: { probes } })) as Container & Record<'livenessProbe' | 'readinessProbe', Record<string, unknown>>;
      expect(server.livenessProbe).toMatchObject(probes.liveness);
      expect(server.readinessProbe).toMatchObject(probes.readiness);
      const off = serverContainer(await render(tools, { mlflow: { probes: { enabled: false } } }));
      expect([off.startupProbe, off.livenessProbe, off.readinessProbe]).toEqual([undefined, undefined, undefined]);
    });
  });

  describe('every pod and container', () => {
    for (const [name, values] of Object.entries({ 'the file backend': {}, 'a database created by the chart': createDatabase })) {
      it.skipIf(skip)(`${name}: user and group IDs of 10000 or more, CPU, memory and ephemeral storage requested and limited on every container`, async () => {
        const released = pods(await render(tools, values));
        expect(released.length).toBeGreaterThanOrEqual(2);
        for (const pod of released) {
          const context = pod.spec.securityContext as Record<string, number>;
          for (const id of ['runAsUser', 'runAsGroup', 'fsGroup']) expect(context[id], `${pod.name} ${id}`).toBeGreaterThanOrEqual(10000);
          for (const container of containersOf(pod.spec)) {
            const resources = (container as Container & { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }).resources;
            for (const kind of ['cpu', 'memory', 'ephemeral-storage']) {
              expect(resources?.requests?.[kind], `${pod.name} ${container.name} requests.${kind}`).toBeDefined();
              expect(resources?.limits?.[kind], `${pod.name} ${container.name} limits.${kind}`).toBeDefined();
            }
            expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          }
        }
      });
    }

    it.skipIf(skip)('takes the resources of each kind of container from its own value', async () => {
      const mark = (memory: string) => ({ requests: { memory }, limits: { memory } });
      const manifests = await render(tools, {
        ...createDatabase,
        resources: mark('1001Mi'),
        mlflow: { initContainers: { resources: mark('1002Mi') } },
        jobs: { resources: mark('1003Mi') },
        tests: { resources: mark('1004Mi') },
      });
      const memoryOf = (container: Container) => (container as Container & { resources?: { requests?: { memory?: string } } }).resources?.requests?.memory;
      const byContainer = Object.fromEntries(pods(manifests).flatMap((pod) => containersOf(pod.spec).map((c) => [`${pod.name.split('/')[0]}/${c.name}`, memoryOf(c)])));
      expect(byContainer).toEqual({
        'Deployment/wait-for-database': '1002Mi',
        'Deployment/mlflow': '1001Mi',
        'Job/wait-for-database': '1002Mi',
        'Job/create-database': '1003Mi',
        'Job/migrate': '1003Mi',
        'Pod/health': '1004Mi',
      });
    });
  });
});

describe.each(helmMajors.map((major) => toolSet(major)))('server resources with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined)('a limit set to null is left out, as Helm merges values', async () => {
    const server = serverContainer(await render(tools, { resources: { limits: { cpu: null } } })) as Container & { resources: { limits: Record<string, string> } };
    expect(server.resources.limits.cpu).toBeUndefined();
    expect(server.resources.limits.memory).toBe('4Gi');
  });
});
