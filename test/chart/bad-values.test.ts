import { describe, expect, it } from 'vitest';
import { renderChart } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';

const database = { database: { engine: { postgres: 'psql' } }, mlflowBackend: { connections: { host: 'db', password: 'x' } } };

const badValues: { name: string; values: Record<string, unknown>; message: RegExp }[] = [
  { name: 'a string port', values: { service: { port: '5000' } }, message: /service[./]port/ },
  { name: 'a port out of range', values: { service: { port: 70000 } }, message: /service[./]port/ },
  { name: 'an unknown engine', values: { database: { engine: { oracle: 'oracle+cx' } } }, message: /database[./]engine.*oracle|oracle.*database[./]engine/s },
  { name: 'an unknown engine value', values: { database: { engine: { postgres: 'pg' } } }, message: /database[./]engine[./]postgres/ },
  { name: 'two engines at once', values: { database: { engine: { postgres: 'psql', mysql: 'mysql+pymysql' } }, mlflowBackend: { connections: { host: 'db', password: 'x' } } }, message: /database\.engine: set only one/ },
  { name: 'replicaCount: 3 with the file backend', values: { replicaCount: 3 }, message: /replicaCount: the file backend/ },
  { name: 'autoscaling with the file backend', values: { autoscaling: { enabled: true, maxReplicas: 3 } }, message: /autoscaling\.enabled: the file backend/ },
  { name: 'an unknown top-level key', values: { replicas: 2 }, message: /replicas/ },
  { name: 'an unknown nested key', values: { persistence: { sise: '1Gi' } }, message: /persistence.*sise|sise.*persistence/s },
  { name: 'a bad volume size', values: { persistence: { size: 'ten gigs' } }, message: /persistence[./]size/ },
  { name: 'an unsupported artifact scheme', values: { defaultArtifactRoot: 'ftp://host/path' }, message: /defaultArtifactRoot/ },
  { name: 'a database without its host', values: { database: { enabled: true }, mlflowBackend: { connections: { password: 'x' } } }, message: /mlflowBackend\.connections\.host/ },
  { name: 'a database without a password source', values: { database: { enabled: true }, mlflowBackend: { connections: { host: 'db' } } }, message: /needs its password/ },
  { name: 'an extraArg the chart owns', values: { extraArgs: { port: 8080 } }, message: /extraArgs\.port/ },
  { name: 'gunicorn-opts, which MLflow refuses beside --allowed-hosts', values: { extraArgs: { 'gunicorn-opts': '--timeout 120' } }, message: /extraArgs\.gunicorn-opts: MLflow refuses/ },
  { name: 'an unknown secrets provider', values: { secrets: { store: { enabled: true, provider: 'keepass' } } }, message: /secrets[./]store[./]provider/ },
  { name: 'several replicas with artifacts on a ReadWriteOnce volume', values: { ...database, replicaCount: 2 }, message: /replicaCount: artifacts kept on the server's volume/ },
  { name: 'a CIDR that is not one', values: { networkPolicy: { allowedCidrs: ['10.0.0.0'] } }, message: /networkPolicy[./]allowedCidrs/ },
  { name: 'a namespace that is not a DNS label', values: { networkPolicy: { allowedNamespaces: ['Ingress_Nginx'] } }, message: /networkPolicy[./]allowedNamespaces/ },
  { name: 'an egress port out of range', values: { networkPolicy: { egressPorts: [70000] } }, message: /networkPolicy[./]egressPorts/ },
  { name: 'an egress port given as a name', values: { networkPolicy: { egressPorts: ['https'] } }, message: /networkPolicy[./]egressPorts/ },
  { name: 'a PodDisruptionBudget allowing none away', values: { podDisruptionBudget: { maxUnavailable: 0 } }, message: /podDisruptionBudget[./]maxUnavailable/ },
  { name: 'a probe period of zero', values: { mlflow: { probes: { liveness: { periodSeconds: 0 } } } }, message: /mlflow[./]probes[./]liveness[./]periodSeconds/ },
  { name: 'the former flat probe keys', values: { mlflow: { probes: { failureThreshold: 6 } } }, message: /mlflow[./]probes.*failureThreshold|failureThreshold.*mlflow[./]probes/s },
  { name: 'a memory request that is not a quantity', values: { resources: { requests: { memory: 'lots' } } }, message: /resources[./]requests[./]memory/ },
  { name: 'a misspelt resources key', values: { jobs: { resources: { limit: { memory: '1Gi' } } } }, message: /jobs[./]resources.*limit|limit.*jobs[./]resources/s },
  { name: 'a negative ephemeral-storage limit', values: { tests: { resources: { limits: { 'ephemeral-storage': -1 } } } }, message: /tests[./]resources[./]limits/ },
  { name: 'a bad service type', values: { service: { type: 'Ingress' } }, message: /service[./]type/ },
];

describe.each(helmMajors.map((major) => toolSet(major)))('bad values with helm $major', (tools) => {
  it.skipIf(tools.unavailable !== undefined).each(badValues)('$name fails with a message naming the key', async ({ values, message }) => {
    const { ok, stderr } = await renderChart(tools, values);
    expect(ok).toBe(false);
    expect(stderr).toMatch(message);
  });
});
