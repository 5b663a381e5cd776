import { describe, expect, it } from 'vitest';
import { renderChart } from '../helpers/render.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { validateManifest } from '../helpers/validate.js';
import { argOf, ofKind, only, podTemplate, serverContainer } from './inspect.js';

const postgres = { database: { engine: { postgres: 'psql' } }, mlflowBackend: { connections: { host: 'db', password: 'x' } }, defaultArtifactRoot: 's3://bucket/mlflow' };

describe.each(helmMajors.map((major) => toolSet(major)))('chart features with helm $major', (tools) => {
  const skip = tools.unavailable !== undefined;

  it.skipIf(skip)('keeps the seed defaults: NodePort on 5000, a ServiceAccount, no ingress, no metrics', async () => {
    const { manifests } = await renderChart(tools, {});
    const service = only(manifests, 'Service').spec as { type: string; ports: { port: number }[] };
    expect(service.type).toBe('NodePort');
    expect(service.ports[0]?.port).toBe(5000);
    expect(ofKind(manifests, 'ServiceAccount')).toHaveLength(1);
    expect(ofKind(manifests, 'Ingress')).toHaveLength(0);
    expect(argOf(serverContainer(manifests), 'expose-prometheus')).toBeUndefined();
    expect(serverContainer(manifests).command?.slice(0, 2)).toEqual(['python', '-c']);
    expect((only(manifests, 'Deployment').spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image).toBe('ghcr.io/mlflow/mlflow:v3.16.1-full');
  });

  it.skipIf(skip)('labels every resource with the standard app.kubernetes.io labels', async () => {
    const { manifests } = await renderChart(tools, postgres, { withTests: true });
    for (const manifest of manifests) {
      expect(manifest.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'mlflow',
        'app.kubernetes.io/instance': 'mlflow',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/version': '3.16.1',
      });
    }
  });

  it.skipIf(skip)('scales a database backend with an autoscaling/v2 HPA', async () => {
    const { manifests } = await renderChart(tools, { ...postgres, autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } });
    manifests.forEach(validateManifest);
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }] });
    expect((only(manifests, 'Deployment').spec as { replicas?: number }).replicas).toBeUndefined();
  });

  it.skipIf(skip)('passes extraArgs as --key=value, and a true flag bare', async () => {
    const { manifests } = await renderChart(tools, { extraArgs: { workers: 4, 'uvicorn-opts': '--timeout-keep-alive 120', dev: true, 'static-prefix': '/ml' } });
    const server = serverContainer(manifests);
    expect(argOf(server, 'workers')).toBe('4');
    expect(argOf(server, 'uvicorn-opts')).toBe('--timeout-keep-alive 120');
    expect(argOf(server, 'dev')).toBe(true);
    expect(argOf(server, 'static-prefix')).toBe('/ml');
  });

  it.skipIf(skip)('serves artifacts from a bucket without proxying when artifacts.serve is false', async () => {
    const { manifests } = await renderChart(tools, { ...postgres, artifacts: { serve: false, s3EndpointUrl: 'http://minio:9000' } });
    const server = serverContainer(manifests);
    expect(argOf(server, 'no-serve-artifacts')).toBe(true);
    expect(argOf(server, 'default-artifact-root')).toBe('s3://bucket/mlflow');
    expect(server.env?.find((e) => e.name === 'MLFLOW_S3_ENDPOINT_URL')?.value).toBe('http://minio:9000');
  });

  it.skipIf(skip)('uses an existing claim instead of creating one', async () => {
    const { manifests } = await renderChart(tools, { persistence: { existingClaim: 'my-data' } });
    expect(ofKind(manifests, 'PersistentVolumeClaim')).toHaveLength(0);
    expect(podTemplate(only(manifests, 'Deployment')).spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('my-data');
  });

  it.skipIf(skip)('has a helm test pod that GETs /health on the service', async () => {
    const { manifests } = await renderChart(tools, {}, { withTests: true });
    const test = manifests.find((m) => m.kind === 'Pod' && m.metadata.annotations?.['helm.sh/hook'] === 'test');
    expect(test).toBeDefined();
    validateManifest(test!);
    const argv = (test!.spec as { containers: { command: string[] }[] }).containers[0]?.command ?? [];
    expect(argv.slice(-2)).toEqual(['http://mlflow:5000', 'open']);
    expect(argv.join('\n')).toContain('"/health"');
  });

  it.skipIf(skip)('renders SQL Server with its own scheme and port', async () => {
    const { manifests } = await renderChart(tools, { database: { engine: { mssql: 'mssql+pymssql' } }, mlflowBackend: { connections: { host: 'sql.internal', password: 'x' } } });
    const env = serverContainer(manifests).env ?? [];
    expect(env.find((e) => e.name === 'MLFLOW_DB_SCHEME')?.value).toBe('mssql+pymssql');
    expect(env.find((e) => e.name === 'MLFLOW_DB_PORT')?.value).toBe('1433');
  });
});
