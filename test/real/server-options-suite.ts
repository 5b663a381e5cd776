// Server options of the chart, on a real MLflow server (file backend): Prometheus metrics, the Host
// header check from the ingress hosts, extraArgs that reach the server, and a bad one that fails loudly.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Manifest } from '../helpers/render.js';
import { deploymentOf, helmUnavailable, render } from './chart.js';
import { requireParts, unavailable } from './env.js';
import { LocalCluster, type LocalPod } from './pod.js';
import { freePort, groupProcesses, httpRequest } from './procs.js';
import { serverContainerName, startServer, type RunningServer } from './server.js';
import { withSlot } from './slots.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function needs(context: TestContext): void {
  requireParts(context, 'python');
  const noHelm = helmUnavailable();
  if (noHelm) context.skip(noHelm);
}

/** Render, make the cluster (cleaned up by `cleanup`: when the test ends, or after all), run the pod's init containers. */
async function serverPod(cleanup: (stop: () => Promise<void>) => void, values: Record<string, unknown>, options: { init: boolean } = { init: true }): Promise<LocalPod> {
  const { manifests } = await render(values, { withTests: true });
  const cluster = new LocalCluster(manifests);
  cleanup(() => cluster.cleanup());
  const pod = cluster.pod(deploymentOf(manifests));
  if (options.init) await pod.runInitContainers(180_000);
  return pod;
}

async function serve(cleanup: (stop: () => Promise<void>) => void, values: Record<string, unknown>): Promise<{ pod: LocalPod; server: RunningServer }> {
  const pod = await serverPod(cleanup, values);
  return { pod, server: await startServer(pod) };
}

const searchPath = '/api/2.0/mlflow/experiments/search?max_results=5';

const ingressHost = 'mlflow.example.com';

export function serverOptionsSuite(): void {
  describe('one server with prometheus.expose, an ingress host and extraArgs workers: 2', () => {
    let running: { pod: LocalPod; server: RunningServer } | undefined;
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(() => withSlot(async () => {
      if (unavailable('python') !== undefined || helmUnavailable() !== undefined) return;
      running = await serve((stop) => cleanups.push(stop), {
        prometheus: { expose: true },
        ingress: { enabled: true, hosts: [{ host: ingressHost, paths: [{ path: '/', pathType: 'Prefix' }] }] },
        extraArgs: { workers: 2 },
      });
    }), 240_000);

    afterAll(async () => {
      await Promise.all(cleanups.map((stop) => stop()));
    });

    function shared(context: TestContext): { pod: LocalPod; server: RunningServer } {
      needs(context);
      if (!running) throw new Error('the server did not start (see beforeAll)');
      return running;
    }

    it('prometheus.expose: /metrics answers with MLflow metrics, written to the mounted metrics directory, where the scrape annotations point', async (context) => {
      const { pod, server } = shared(context);
      const annotations = ((pod.workload.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {});
      const httpPort = (pod.container(serverContainerName(pod)).ports ?? []).find((p) => p.name === 'http')?.containerPort;
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(httpPort) });

      // Some traffic to count, then the metrics.
      for (let i = 0; i < 3; i++) expect((await httpRequest(server.port, searchPath)).status).toBe(200);
      const metrics = await httpRequest(server.port, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^# TYPE mlflow_http_request_total counter$/m);
      const total = /^mlflow_http_request_total\{[^}]*status="200"[^}]*\} (\d+(?:\.\d+)?)$/m.exec(metrics.body);
      expect(total, `a request counter with status 200 in:\n${metrics.body.slice(0, 2000)}`).not.toBeNull();
      expect(Number(total?.[1])).toBeGreaterThanOrEqual(3);

      // The exporter keeps its multiprocess files in the directory the chart mounts for it.
      const prepared = server.prepared;
      const metricsArg = prepared.args.find((arg) => arg.startsWith('--expose-prometheus'));
      expect(metricsArg, 'the server gets --expose-prometheus').toBeDefined();
      const metricsDir = (metricsArg ?? '').replace(/^--expose-prometheus=?/, '') || prepared.args[prepared.args.indexOf('--expose-prometheus') + 1] || '';
      expect(Object.values(prepared.mounts), `the metrics directory ${metricsDir} is a mounted volume`).toContain(metricsDir);
      expect(readdirSync(metricsDir).filter((file) => file.endsWith('.db')).length, 'multiprocess metric files').toBeGreaterThan(0);
    }, 240_000);

    it('ingress host: a request with that Host is served, the service names too, an unlisted Host gets 403', async (context) => {
      const { server } = shared(context);
      const host = ingressHost;
      for (const accepted of [host, `${host}:443`, 'mlflow.mlflow.svc.cluster.local:5000', 'mlflow:5000', `127.0.0.1:${server.port}`]) {
        const response = await httpRequest(server.port, searchPath, { host: accepted });
        expect(response.status, `Host: ${accepted}`).toBe(200);
      }
      const created = await httpRequest(server.port, '/api/2.0/mlflow/experiments/create', {
        method: 'POST',
        host,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'through-the-ingress' }),
      });
      expect(created.status, created.body).toBe(200);

      for (const rejected of ['evil.example.net', `${host}.evil.example.net`, 'example.com']) {
        const response = await httpRequest(server.port, searchPath, { host: rejected });
        expect(response.status, `Host: ${rejected}`).toBe(403);
      }
      // The probes' path is exempt from the check (the kubelet sends the pod IP as Host).
      expect((await httpRequest(server.port, '/health', { host: 'evil.example.net' })).status).toBe(200);

      // Without the ingress, that host is not allowed.
      const { manifests } = await render({ extraArgs: { workers: 1 } });
      const args = (deploymentOf(manifests).spec as { template: { spec: { containers: { args?: string[] }[] } } }).template.spec.containers.flatMap((c) => c.args ?? []);
      const allowed = args.find((arg) => arg.startsWith('--allowed-hosts'));
      expect(allowed, 'the server gets --allowed-hosts').toBeDefined();
      expect((allowed ?? '').split(/[=,]/)).not.toContain(host);
    }, 240_000);

    it('extraArgs reach the server: workers: 2 runs two uvicorn workers', async (context) => {
      const { server } = shared(context);
      expect(server.prepared.args).toContain('--workers=2');
      // The second worker may come up after /health first answers.
      const deadline = Date.now() + 60_000;
      const started = (): number => (server.proc.output().match(/Started server process/g) ?? []).length;
      while (started() < 2 && Date.now() < deadline) await sleep(250);
      await sleep(1_000);
      expect(started(), `uvicorn worker start lines in:\n${server.proc.output().slice(-3000)}`).toBe(2);
      const processes = groupProcesses(server.proc.pid);
      const uvicorn = processes.find((p) => p.argv.includes('uvicorn') && p.argv.includes('--workers'));
      expect(uvicorn, `a uvicorn parent among ${JSON.stringify(processes.map((p) => p.argv.slice(0, 4)))}`).toBeDefined();
      expect(uvicorn?.argv[(uvicorn?.argv.indexOf('--workers') ?? 0) + 1]).toBe('2');
      const workers = processes.filter((p) => p.ppid === uvicorn?.pid && p.argv.some((a) => a.includes('multiprocessing.spawn')) && !p.argv.some((a) => a.includes('resource_tracker')));
      expect(workers).toHaveLength(2);
    }, 240_000);


    it("the chart's `helm test` pod, run against the server (its Service URL pointed at it), passes", async (context) => {
      const { pod, server } = shared(context);
      const testPod = pod.cluster.manifests.find((m) => m.kind === 'Pod' && m.metadata.annotations?.['helm.sh/hook'] === 'test');
      expect(testPod, 'a helm test hook Pod').toBeDefined();
      const local = pod.cluster.pod(testPod as Manifest);
      const container = local.spec.containers[0]?.name ?? '';
      // The Service (name and port) the test pod calls is the one that fronts the server.
      const service = pod.cluster.manifests.find((m) => m.kind === 'Service');
      const servicePort = (service?.spec as { ports?: { port: number }[] } | undefined)?.ports?.[0]?.port;
      const serviceUrl = `http://${service?.metadata.name ?? ''}:${servicePort ?? ''}`;
      const argv = [...(local.container(container).command ?? []), ...(local.container(container).args ?? [])].join(' ');
      // The base URL is the test script's argument; it asks the Service for /health (and, with a login, for a 401).
      expect(argv, 'the test pod calls the Service').toContain(` ${serviceUrl} `);
      expect(argv).toContain('base + "/health"');
      const result = await local.run(container, 60_000, { rewrite: { [serviceUrl]: `http://127.0.0.1:${server.port}` } });
      expect(result.exit.code, result.output).toBe(0);
      expect(result.output).toMatch(/answered OK/);
    }, 120_000);
  });

  describe.concurrent('extraArgs the server refuses', () => {
    it('a bad extraArgs flag makes the server exit non-zero with the error in its output, never serving', async (context) => {
      needs(context);
      // The flag is refused when the command line is parsed, before the backend store: no init containers needed.
      const pod = await serverPod((stop) => context.onTestFinished(stop), { extraArgs: { 'no-such-flag': 'x' } }, { init: false });
      const port = await freePort();
      const { proc } = pod.start(serverContainerName(pod), { listenPort: port });
      const exit = await proc.wait(60_000);
      expect(exit.code, proc.output()).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(proc.output()).toMatch(/No such option:? '?--no-such-flag/);
      await expect(httpRequest(port, '/health', { timeoutMs: 2_000 })).rejects.toThrow();
    }, 240_000);

    it('extraArgs gunicorn-opts (an option MLflow refuses next to --allowed-hosts) is refused by the chart, or the server serves', async (context) => {
      needs(context);
      // The chart always passes --allowed-hosts; MLflow accepts that only with its default uvicorn server.
      const values = { extraArgs: { 'gunicorn-opts': '--timeout 120' } };
      const rendered = await render(values).then(
        () => undefined,
        (error: Error) => error.message,
      );
      if (rendered !== undefined) {
        expect(rendered, 'helm refuses it, naming the key').toMatch(/gunicorn-opts/);
        return;
      }
      const pod = await serverPod((stop) => context.onTestFinished(stop), values, { init: false });
      const port = await freePort();
      const { proc } = pod.start(serverContainerName(pod), { listenPort: port });
      const deadline = Date.now() + 120_000;
      let status = 0;
      while (proc.running() && Date.now() < deadline && status !== 200) {
        status = await httpRequest(port, '/health', { timeoutMs: 2_000 }).then((r) => r.status, () => 0);
        if (status !== 200) await sleep(250);
      }
      expect(status, `the chart renders extraArgs.gunicorn-opts, and the server it starts does not serve: ${proc.describe()}`).toBe(200);
    }, 240_000);
  });

  describe.concurrent('the database wait init container', () => {
    it('gives up after database.wait.timeoutSeconds with a message naming the database, when nothing listens there', async (context) => {
      needs(context);
      const port = await freePort(); // nothing listens on it
      const { manifests } = await render({
        database: { enabled: true, engine: { postgres: 'postgresql' }, wait: { enabled: true, timeoutSeconds: 4 } },
        mlflowBackend: { connections: { host: '127.0.0.1', port, database: 'mlflow', username: 'mlflow' }, existingSecret: 'db' },
      });
      const cluster = new LocalCluster(manifests, { secrets: { db: { password: 'unused' } } });
      context.onTestFinished(() => cluster.cleanup());
      const pod = cluster.pod(deploymentOf(manifests));
      const init = pod.spec.initContainers ?? [];
      expect(init.length, 'the server pod has an init container').toBeGreaterThan(0);
      const started = Date.now();
      const result = await pod.run(init[0]?.name ?? '', 60_000);
      const seconds = (Date.now() - started) / 1000;
      expect(result.exit.code, result.output).not.toBe(0);
      expect(result.output).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
      expect(result.output).toMatch(/did not answer within 4s/);
      expect(seconds, 'it waited about the timeout, not forever').toBeGreaterThanOrEqual(3.5);
      expect(seconds).toBeLessThan(30);
    }, 120_000);
  });
}
