import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Helm } from '../../src/cluster/helm.js';
import { isDefaultStorageClass } from '../../src/cluster/k8s.js';
import { Kubectl } from '../../src/cluster/kubectl.js';
import { Redactor } from '../../src/cluster/redact.js';
import { CommandFailedError, CommandRunner } from '../../src/cluster/runner.js';
import { ToolNotFoundError } from '../../src/cluster/tool-errors.js';
import { SimCluster } from '../helpers/sim-cluster.js';
import { toolSet } from '../helpers/tools.js';
import { chartDir } from '../sim/sim-helpers.js';

describe('Kubectl argv', () => {
  const runner = new CommandRunner();

  it('puts the namespace, then the context and kubeconfig, after the subcommand words', () => {
    const kubectl = new Kubectl(runner, { binary: 'kubectl', context: 'prod', kubeconfig: '/k/config', namespace: 'ml' });
    expect(kubectl.args(['get', 'pods'], 'ml')).toEqual(['get', 'pods', '--namespace', 'ml', '--context', 'prod', '--kubeconfig', '/k/config']);
    expect(kubectl.args(['get', 'storageclasses'])).toEqual(['get', 'storageclasses', '--context', 'prod', '--kubeconfig', '/k/config']);
    expect(kubectl.args(['get', 'pods'], 'all')).toEqual(['get', 'pods', '--all-namespaces', '--context', 'prod', '--kubeconfig', '/k/config']);
  });

  it('adds no kube flags the person did not give', () => {
    const kubectl = new Kubectl(runner, { binary: 'kubectl', namespace: 'ml' });
    expect(kubectl.args(['version', '-o', 'json'])).toEqual(['version', '-o', 'json']);
  });

  it('names --kubectl when the binary is missing', async () => {
    const kubectl = new Kubectl(runner, { binary: '/opt/none/kubectl', namespace: 'ml' });
    const error = await kubectl.versions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolNotFoundError);
    expect((error as Error).message).toBe(
      'kubectl was not found at /opt/none/kubectl. Install kubectl (https://kubernetes.io/docs/tasks/tools/), or point --kubectl at it, e.g. --kubectl /usr/local/bin/kubectl.',
    );
  });
});

describe.skipIf(toolSet(3).unavailable !== undefined)('Kubectl against the simulated cluster', () => {
  let sim: SimCluster;
  let kubectl: Kubectl;
  const password = 'pa ss/w0rd+ümlaut';
  const redactor = new Redactor().add(password);

  beforeAll(async () => {
    sim = SimCluster.create({
      helmMajor: 3,
      namespaces: { mlflow: { 'istio-injection': 'enabled' } },
      storageClasses: [{ name: 'standard', isDefault: true }, { name: 'fast' }],
      crds: ['servicemonitors.monitoring.coreos.com'],
    });
    const runner = new CommandRunner({ env: sim.env(), redactor });
    kubectl = new Kubectl(runner, { binary: sim.kubectl, kubeconfig: sim.kubeconfig, context: 'sim', namespace: 'mlflow' });
    const helm = await Helm.detect(runner, { binary: sim.helm, kube: { kubeconfig: sim.kubeconfig, context: 'sim' } });
    await helm.upgradeInstall({ release: 'mlflow', chart: chartDir, namespace: 'mlflow', timeout: '30s' });
  });
  afterAll(() => sim?.cleanup());

  it('shows the context and API server from the kubeconfig, and the versions from the cluster', async () => {
    expect(await kubectl.currentContext()).toBe('sim');
    expect(await kubectl.identity()).toEqual({ context: 'sim', server: sim.server, namespace: undefined });
    const staging = new Kubectl(new CommandRunner({ env: sim.env() }), { binary: sim.kubectl, context: 'sim-staging', namespace: 'x' });
    expect(await staging.identity()).toEqual({ context: 'sim-staging', server: sim.server, namespace: 'staging' });
    expect(await kubectl.versions()).toEqual({ client: expect.stringMatching(/^v1\.\d+\.\d+/), server: 'v1.31.2' });
  });

  it('reads namespaces with their labels, storage and ingress classes, CRDs', async () => {
    expect((await kubectl.namespaceNamed('mlflow'))?.metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
    expect(await kubectl.namespaceNamed('nope')).toBeUndefined();
    expect((await kubectl.namespaces()).map((n) => n.metadata.name)).toContain('kube-system');
    const classes = await kubectl.storageClasses();
    expect(classes.filter(isDefaultStorageClass).map((c) => c.metadata.name)).toEqual(['standard']);
    expect((await kubectl.ingressClasses()).map((c) => c.metadata.name)).toEqual(['nginx']);
    expect((await kubectl.crd('servicemonitors.monitoring.coreos.com'))?.spec.group).toBe('monitoring.coreos.com');
    expect(await kubectl.crd('secretproviderclasses.secrets-store.csi.x-k8s.io')).toBeUndefined();
  });

  it('answers can-i with a boolean', async () => {
    expect(await kubectl.canI('create', 'deployments.apps')).toBe(true);
    sim.setFaults({ forbidden: { verbs: ['create'], resources: ['secrets'] } });
    try {
      expect(await kubectl.canI('create', 'secrets')).toBe(false);
      expect(await kubectl.canI('get', 'secrets')).toBe(true);
    } finally {
      sim.setFaults({});
    }
  });

  it('applies a Secret through stdin only, and reads back no Secret data', async () => {
    sim.clearCalls();
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: mlflow-db\nstringData:\n  password: ${JSON.stringify(password)}\n`;
    const result = await kubectl.apply(manifest);
    expect(result.stdout.trim()).toBe('secret/mlflow-db serverside-applied');
    const [call] = sim.calls('kubectl');
    expect(call?.argv).toEqual(['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', 'mlflow', '--context', 'sim', '--kubeconfig', sim.kubeconfig]);
    expect(call?.argv.join(' ')).not.toContain(password);
    expect(call?.stdin).toBe(manifest);
    const secrets = await kubectl.secrets({ fieldSelector: 'metadata.name=mlflow-db' });
    expect(secrets).toEqual([{ metadata: expect.objectContaining({ name: 'mlflow-db' }), type: undefined }]);
    expect(secrets[0]).not.toHaveProperty('data');
  });

  it('lists the release pods, deployments, claims, events and configmaps', async () => {
    const pods = await kubectl.pods({ selector: 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server' });
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.phase).toBe('Running');
    const running = await kubectl.pods({ fieldSelector: 'status.phase=Running' });
    expect(running.map((p) => p.metadata.name)).toEqual(pods.map((p) => p.metadata.name));
    expect((await kubectl.deployments()).map((d) => [d.metadata.name, d.status?.availableReplicas])).toEqual([['mlflow', 1]]);
    expect((await kubectl.persistentVolumeClaims()).map((c) => [c.metadata.name, c.status?.phase])).toEqual([['mlflow-data', 'Bound']]);
    const events = await kubectl.events({ fieldSelector: `involvedObject.name=${pods[0]?.metadata.name}` });
    expect(events.map((e) => e.reason)).toEqual(['Scheduled', 'Pulled', 'Created', 'Started']);
    expect(await kubectl.configMaps()).toEqual([]);
  });

  it('waits for a rollout, and fails with kubectl\'s words past its timeout', async () => {
    expect((await kubectl.rolloutStatus('mlflow', '10s')).stdout).toBe('deployment "mlflow" successfully rolled out\n');
    sim.setFaults({ rolloutTimeout: true });
    try {
      const error = await kubectl.rolloutStatus('mlflow', '1s').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandFailedError);
      expect((error as CommandFailedError).summary).toBe('kubectl rollout status deployment/mlflow failed (exit 1): error: timed out waiting for the condition');
    } finally {
      sim.setFaults({});
    }
  });

  it('waits for the release pods to be Ready, and fails when none match', async () => {
    const result = await kubectl.waitForPodsReady('app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server', '5s');
    expect(result.stdout).toMatch(/^pod\/mlflow-\S+ condition met\n$/);
    const none = await kubectl.waitForPodsReady('app=nothing', '1s').catch((e: unknown) => e);
    expect((none as CommandFailedError).summary).toMatch(/error: no matching resources found$/);
  });

  it('reads the cluster identity from the kube-system namespace UID', async () => {
    expect(await kubectl.clusterUid()).toBe(sim.object('Namespace', undefined, 'kube-system')?.metadata.uid);
  });

  it('reads the last log lines of a pod', async () => {
    const [pod] = await kubectl.pods();
    expect(await kubectl.logs(pod?.metadata.name ?? '', { tail: 1 })).toBe('INFO:     Uvicorn running on http://0.0.0.0:5000 (Press CTRL+C to quit)\n');
  });

  it('creates a namespace, and deletes by name and by selector', async () => {
    await kubectl.createNamespace('scratch');
    expect(await kubectl.namespaceNamed('scratch')).toBeDefined();
    await kubectl.apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {app: x}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {app: x}}\n', 'scratch');
    await kubectl.delete('configmap', ['a', 'missing'], { namespace: 'scratch' });
    expect((await kubectl.configMaps({ namespace: 'scratch' })).map((c) => c.metadata.name)).toEqual(['b']);
    await kubectl.delete('configmap', { selector: 'app=x' }, { namespace: 'scratch', wait: false });
    expect(await kubectl.configMaps({ namespace: 'scratch' })).toEqual([]);
    await kubectl.delete('namespace', ['scratch']);
    expect(await kubectl.namespaceNamed('scratch')).toBeUndefined();
  });

  it('runs a short-lived pod with mesh injection off, and reports its failure as an outcome', async () => {
    sim.clearCalls();
    const check = { name: 'mlflow-db-check', image: 'busybox:1.36', command: ['nc', '-z', '-w', '5', 'db.internal', '5432'], timeout: '60s' };
    expect(await kubectl.runPod(check)).toEqual({ succeeded: true, exitCode: 0, output: '' });
    const [call] = sim.calls('kubectl');
    expect(call?.argv).toEqual([
      'run', 'mlflow-db-check', '--image', 'busybox:1.36', '--restart=Never', '--rm', '--attach', '--quiet', '--pod-running-timeout=60s',
      '--labels', 'sidecar.istio.io/inject=false', '--annotations', 'linkerd.io/inject=disabled',
      '--namespace', 'mlflow', '--context', 'sim', '--kubeconfig', sim.kubeconfig, '--command', '--', 'nc', '-z', '-w', '5', 'db.internal', '5432',
    ]);
    sim.setFaults({ podRun: { exitCode: 1, output: 'nc: db.internal (10.0.0.5:5432): Connection timed out' } });
    try {
      expect(await kubectl.runPod(check)).toEqual({
        succeeded: false,
        exitCode: 1,
        output: 'nc: db.internal (10.0.0.5:5432): Connection timed out\npod mlflow/mlflow-db-check terminated (Error)',
      });
    } finally {
      sim.setFaults({});
    }
  });

  it('fails with the API server\'s message when it is unreachable', async () => {
    sim.setFaults({ unreachable: true });
    try {
      const error = await kubectl.versions().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandFailedError);
      expect((error as CommandFailedError).summary).toMatch(/^kubectl version failed \(exit 1\): The connection to the server sim-cluster\.example:6443 was refused/);
    } finally {
      sim.setFaults({});
    }
  });
});
