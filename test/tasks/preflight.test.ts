import { afterEach, describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/cluster/kubectl.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { requiredPermissions, runPreflight, type CheckResult, type PreflightInput, type PreflightReport } from '../../src/tasks/preflight.js';
import { fakeBinary } from '../cluster/fake-bin.js';
import { SimCluster, type SimClusterOptions } from '../helpers/sim-cluster.js';
import { toolSet } from '../helpers/tools.js';

const clusters: SimCluster[] = [];
afterEach(() => {
  for (const sim of clusters.splice(0)) sim.cleanup();
});

function cluster(options: Partial<SimClusterOptions> = {}): SimCluster {
  const sim = SimCluster.create({ helmMajor: 4, namespaces: { mlflow: {} }, ...options });
  clusters.push(sim);
  return sim;
}

const fileBackend: PreflightInput = {
  namespace: 'mlflow',
  backend: 'file',
  volume: {},
  serviceMonitor: false,
  secrets: { provider: 'kubernetes', installDriver: false },
};

async function preflight(sim: SimCluster, input: PreflightInput, helmBinary = sim.helm): Promise<PreflightReport> {
  const runner = new CommandRunner({ env: sim.env() });
  const kubectl = new Kubectl(runner, { binary: sim.kubectl, namespace: input.namespace });
  return runPreflight({ runner, kubectl, helmBinary, kube: {} }, input);
}

function check(report: PreflightReport, id: CheckResult['id']): CheckResult | undefined {
  return report.checks.find((c) => c.id === id);
}

describe('requiredPermissions', () => {
  it('asks for what the chart will create, and for helm\'s release records', () => {
    expect(requiredPermissions(fileBackend)).toEqual([
      ['create', 'deployments.apps'], ['create', 'services'], ['create', 'serviceaccounts'], ['create', 'secrets'], ['create', 'pods'],
      ['create', 'persistentvolumeclaims'], ['list', 'secrets'],
    ]);
    const everything = requiredPermissions({
      ...fileBackend,
      backend: 'postgres',
      volume: undefined,
      database: { host: 'db', port: 5432 },
      ingress: {},
      serviceMonitor: true,
      secrets: { provider: 'aws', installDriver: true },
      autoscaling: true,
    }).map(([, resource]) => resource);
    expect(everything).toEqual(expect.arrayContaining(['jobs.batch', 'ingresses.networking.k8s.io', 'servicemonitors.monitoring.coreos.com', 'secretproviderclasses.secrets-store.csi.x-k8s.io', 'horizontalpodautoscalers.autoscaling']));
    expect(everything).not.toContain('persistentvolumeclaims');
  });
});

describe.skipIf(toolSet(4).unavailable !== undefined)('preflight on the simulated cluster', () => {
  it('passes everything on a ready cluster, and reports what later steps need', async () => {
    const sim = cluster({
      namespaces: { mlflow: { 'istio-injection': 'enabled' } },
      ingressClasses: [{ name: 'nginx', isDefault: true }],
      crds: ['servicemonitors.monitoring.coreos.com'],
    });
    const report = await preflight(sim, {
      ...fileBackend,
      ingress: {},
      serviceMonitor: true,
      secrets: { provider: 'aws', installDriver: true },
      database: { host: 'db.internal', port: 5432 },
    });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(['kubectl', 'helm', 'context', 'api', 'permissions', 'mesh', 'storage-class', 'ingress-class', 'service-monitor', 'secret-provider', 'database']);
    expect(check(report, 'helm')?.detail).toBe('helm v4.1.4');
    expect(check(report, 'context')?.detail).toBe(`sim (API server ${sim.server})`);
    expect(check(report, 'api')?.detail).toBe('Kubernetes v1.31.2 answers');
    expect(check(report, 'storage-class')?.detail).toBe('the volume uses the default StorageClass standard');
    expect(check(report, 'mesh')?.detail).toMatch(/^Istio injects sidecars in mlflow: the chart's Jobs are annotated/);
    expect(check(report, 'secret-provider')?.detail).toMatch(/will be installed in kube-system with the aws provider/);
    expect(check(report, 'database')?.detail).toBe('db.internal:5432 answers from inside the cluster');
    expect(report.findings).toMatchObject({ mesh: 'istio', namespaceExists: true, installSecretsDriver: true, identity: { context: 'sim' } });
    expect(report.findings.helm?.major).toBe(4);
    const dbCheck = sim.calls('kubectl').find((call) => call.argv[0] === 'run');
    expect(dbCheck?.argv.slice(-6)).toEqual(['--', 'nc', '-z', '-w', '5', 'db.internal', '5432'].slice(-6));
  });

  it('runs the checks at once: with every command slowed down, most start before the first one can finish', async () => {
    const delayMs = 1_000;
    const sim = cluster({ faults: { delayMs } });
    await preflight(sim, { ...fileBackend, ingress: {} });
    const starts = sim.calls().map((call) => Date.parse(call.time)).sort((a, b) => a - b);
    expect(starts.length).toBeGreaterThanOrEqual(12);
    // One after another, no call could start within the first call's delay. This checks the order of
    // events the simulated cluster recorded, not how fast the machine is (that is bench/'s job).
    const first = starts[0] as number;
    const startedWhileFirstRan = starts.filter((start) => start < first + delayMs).length;
    expect(startedWhileFirstRan).toBeGreaterThanOrEqual(5);
  });

  it('fails the storage check without a default StorageClass, naming the classes there are', async () => {
    const sim = cluster({ storageClasses: [{ name: 'gp3' }, { name: 'io2' }] });
    const report = await preflight(sim, fileBackend);
    expect(report.ok).toBe(false);
    expect(check(report, 'storage-class')).toMatchObject({
      status: 'fail',
      detail: "no default StorageClass: the volume's claim would stay Pending (this cluster has: gp3, io2)",
      fix: expect.stringContaining('--set backend.volume.storageClass=gp3'),
    });
    const named = await preflight(sim, { ...fileBackend, volume: { storageClass: 'fast' } });
    expect(check(named, 'storage-class')).toMatchObject({ status: 'fail', detail: 'StorageClass fast does not exist (this cluster has: gp3, io2)' });
    const missing = cluster({ faults: { missingStorageClass: true } });
    expect(check(await preflight(missing, fileBackend), 'storage-class')?.fix).toMatch(/Install a volume provisioner/);
  });

  it('checks the IngressClass: missing fails, no default warns', async () => {
    const none = cluster({ faults: { missingIngressClass: true } });
    expect(check(await preflight(none, { ...fileBackend, ingress: {} }), 'ingress-class')).toMatchObject({
      status: 'fail',
      detail: 'no IngressClass: this cluster has no ingress controller',
    });
    const some = cluster({ ingressClasses: [{ name: 'traefik' }] });
    expect(check(await preflight(some, { ...fileBackend, ingress: {} }), 'ingress-class')).toMatchObject({ status: 'warn', fix: expect.stringContaining('--set ingress.className=traefik') });
    expect(check(await preflight(some, { ...fileBackend, ingress: { className: 'nginx' } }), 'ingress-class')).toMatchObject({ status: 'fail', detail: 'IngressClass nginx does not exist (this cluster has: traefik)' });
  });

  it('needs the ServiceMonitor CRD when a ServiceMonitor is wanted, and the CSI driver unless it is to be installed', async () => {
    const sim = cluster();
    const report = await preflight(sim, { ...fileBackend, serviceMonitor: true, secrets: { provider: 'vault', installDriver: false } });
    expect(check(report, 'service-monitor')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--set prometheus.serviceMonitor=false') });
    expect(check(report, 'secret-provider')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--set secrets.provider=kubernetes') });
    expect(report.findings.installSecretsDriver).toBe(false);
  });

  it('lists what RBAC does not allow, including creating the namespace when it is missing', async () => {
    const sim = cluster({ faults: { forbidden: { verbs: ['create'], resources: ['secrets', 'namespaces'] } } });
    const report = await preflight(sim, { ...fileBackend, namespace: 'new-ns' });
    expect(check(report, 'permissions')).toMatchObject({
      status: 'fail',
      detail: 'not allowed in new-ns: create namespaces (cluster-wide), create secrets',
      fix: expect.stringContaining('Ask a cluster admin'),
    });
    expect(check(report, 'mesh')?.detail).toMatch(/namespace new-ns does not exist yet/);
    expect(report.findings.namespaceExists).toBe(false);
  });

  it('when the API server does not answer: the API check fails, the cluster checks are skipped, not failed', async () => {
    const sim = cluster({ faults: { unreachable: true } });
    const report = await preflight(sim, { ...fileBackend, database: { host: 'db', port: 5432 } });
    expect(check(report, 'api')).toMatchObject({ status: 'fail', detail: expect.stringContaining('The connection to the server sim-cluster.example:6443 was refused') });
    expect(check(report, 'kubectl')?.status).toBe('pass');
    expect(check(report, 'helm')?.status).toBe('pass');
    expect(check(report, 'context')?.status).toBe('pass');
    for (const id of ['permissions', 'mesh', 'storage-class', 'database'] as const) {
      expect(check(report, id)).toMatchObject({ status: 'skip', detail: 'not checked: the cluster did not answer' });
    }
    expect(report.ok).toBe(false);
  });

  it('without a kubeconfig: the context check says how to choose one', async () => {
    const sim = cluster({ faults: { noKubeconfig: true } });
    const report = await preflight(sim, fileBackend);
    expect(check(report, 'context')).toMatchObject({
      status: 'fail',
      detail: 'no kube context: error: current-context must exist in order to minify',
      fix: expect.stringContaining('kubectl config use-context'),
    });
  });

  it('reports a missing or too old helm with what is needed', async () => {
    const sim = cluster();
    const missing = await preflight(sim, fileBackend, '/nowhere/helm');
    expect(check(missing, 'helm')).toMatchObject({ status: 'fail', detail: 'helm was not found at /nowhere/helm', fix: expect.stringContaining('point --helm at it') });
    const old = fakeBinary('helm', [{ argvPrefix: ['version'], stdout: 'v3.11.3' }]);
    expect(check(await preflight(sim, fileBackend, old.path), 'helm')).toMatchObject({
      status: 'fail',
      detail: `${old.path} is helm v3.11.3; mlflow-install needs helm 3.12 or later, or helm 4`,
      fix: 'Get it from https://helm.sh/docs/intro/install/ and put it first on PATH, or point --helm at it.',
    });
  });

  it('checks the database port from a pod: no answer fails, a pod that cannot run warns', async () => {
    const sim = cluster({ faults: { podRun: { exitCode: 1, output: 'nc: bad address \'db.internal\'' } } });
    const input = { ...fileBackend, backend: 'postgres' as const, volume: undefined, database: { host: 'db.internal', port: 5432 } };
    expect(check(await preflight(sim, input), 'database')).toMatchObject({
      status: 'fail',
      detail: "db.internal:5432 did not answer from inside the cluster: nc: bad address 'db.internal'",
    });
    sim.setFaults({ podRun: { exitCode: 1, output: 'error: timed out waiting for the condition' } });
    expect(check(await preflight(sim, input), 'database')?.status).toBe('warn');
  });

  it('sees Linkerd injection from the namespace annotation', async () => {
    const sim = cluster({ namespaces: {}, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mlflow', annotations: { 'linkerd.io/inject': 'enabled' } } }] });
    const report = await preflight(sim, fileBackend);
    expect(report.findings.mesh).toBe('linkerd');
    expect(check(report, 'mesh')?.detail).toMatch(/^Linkerd injects sidecars in mlflow/);
  });
});
