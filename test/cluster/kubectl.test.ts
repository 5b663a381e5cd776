import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Helm } from '../../src/cluster/helm.js';
import { isDefaultStorageClass } from '../../src/cluster/k8s.js';
import { Kubectl } from '../../src/cluster/kubectl.js';
import { Redactor } from '../../src/cluster/redact.js';
import { CommandFailedError, CommandRunner } from '../../src/cluster/runner.js';
import { ToolNotFoundError } from '../../src/cluster/tool-errors.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { faultNamespaces, unreachableDatabaseHost } from '../helpers/kwok/stages.js';
import { TestCluster } from '../helpers/kwok/test-cluster.js';
import { chartDir } from '../helpers/tools.js';
import { chartImage, closedPortKubeconfig, namespaceObject, noPodsNamespace, until, withContext } from './real-fixtures.js';

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

const unavailable = clusterUnavailable();
if (unavailable) process.stderr.write(`[kubectl tests] skipped: ${unavailable}\n`);

describe.skipIf(unavailable !== undefined)('Kubectl against a real control plane', () => {
  let cluster: TestCluster;
  let kubectl: Kubectl;
  let context: string;
  let server: string;
  const password = 'pa ss/w0rd+ümlaut';
  const redactor = new Redactor().add(password);
  const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

  beforeAll(async () => {
    cluster = await TestCluster.create({
      helmMajor: 3,
      crds: ['servicemonitors.monitoring.coreos.com'],
      objects: [
        namespaceObject('mlflow', { labels: { 'istio-injection': 'enabled' } }),
        { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' },
        namespaceObject('restricted', { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }),
        ...noPodsNamespace('no-pods'),
      ],
    });
    ({ context, server } = cluster.identity());
    // `kubectl` through the recorder first on PATH: each call's argv is kept.
    const runner = new CommandRunner({ env: cluster.env(), redactor });
    kubectl = new Kubectl(runner, { binary: 'kubectl', kubeconfig: cluster.kubeconfig, context, namespace: 'mlflow' });
    const helm = await Helm.detect(runner, { binary: cluster.helm, kube: { kubeconfig: cluster.kubeconfig, context } });
    await helm.upgradeInstall({ release: 'mlflow', chart: chartDir, namespace: 'mlflow', timeout: '120s' });
  }, 300_000);
  afterAll(async () => cluster?.cleanup());

  it('shows the context and API server from the kubeconfig, and the versions from the cluster', async () => {
    expect(context).toMatch(/^kwok-mlflow-\d+-\d+$/);
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await kubectl.currentContext()).toBe(context);
    expect(await kubectl.identity()).toEqual({ context, server, namespace: undefined });
    const kubeconfig = withContext(cluster.kubeconfig, cluster.dir, 'kwok-staging', 'staging');
    const staging = new Kubectl(new CommandRunner({ env: cluster.env() }), { binary: 'kubectl', kubeconfig, context: 'kwok-staging', namespace: 'x' });
    expect(await staging.identity()).toEqual({ context: 'kwok-staging', server, namespace: 'staging' });
    expect(await kubectl.versions()).toEqual({ client: expect.stringMatching(/^v1\.\d+\.\d+/), server: 'v1.34.4' });
  }, 120_000);

  it('reads namespaces with their labels, storage and ingress classes, CRDs', async () => {
    expect((await kubectl.namespaceNamed('mlflow'))?.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'mlflow' });
    expect(await kubectl.namespaceNamed('nope')).toBeUndefined();
    expect((await kubectl.namespaces()).map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'mlflow']));
    const classes = await kubectl.storageClasses();
    expect(classes.map((c) => c.metadata.name).sort()).toEqual(['fast', 'standard']);
    expect(classes.filter(isDefaultStorageClass).map((c) => c.metadata.name)).toEqual(['standard']);
    expect((await kubectl.ingressClasses()).map((c) => c.metadata.name)).toEqual(['nginx']);
    expect((await kubectl.crd('servicemonitors.monitoring.coreos.com'))?.spec.group).toBe('monitoring.coreos.com');
    expect(await kubectl.crd('secretproviderclasses.secrets-store.csi.x-k8s.io')).toBeUndefined();
  }, 120_000);

  it('answers can-i with a boolean, as RBAC decides for a ServiceAccount token', async () => {
    expect((await kubectl.canIAll([{ verb: 'create', resource: 'deployments.apps', namespace: kubectl.namespace }]))[0]).toBe(true);
    await cluster.kwok.apply([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'deploy-and-read-secrets' },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
        ],
      },
    ]);
    const kubeconfig = await cluster.serviceAccountKubeconfig('mlflow', 'carol');
    await cluster.bindInNamespace('mlflow', 'deploy-and-read-secrets', { name: 'carol', namespace: 'mlflow' });
    const carol = new Kubectl(new CommandRunner({ env: cluster.env() }), { binary: 'kubectl', kubeconfig, namespace: 'mlflow' });
    expect((await carol.canIAll([{ verb: 'create', resource: 'deployments.apps', namespace: carol.namespace }]))[0]).toBe(true);
    expect((await carol.canIAll([{ verb: 'create', resource: 'secrets', namespace: carol.namespace }]))[0]).toBe(false);
    expect((await carol.canIAll([{ verb: 'get', resource: 'secrets', namespace: carol.namespace }]))[0]).toBe(true);
    expect((await carol.canIAll([{ verb: 'create', resource: 'deployments.apps', namespace: 'default' }]))[0]).toBe(false);
    expect((await carol.canIAll([{ verb: 'create', resource: 'namespaces' }]))[0]).toBe(false);
  }, 120_000);

  it('applies a Secret through stdin only, and reads back no Secret data', async () => {
    cluster.clearCalls();
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: mlflow-db\nstringData:\n  password: ${JSON.stringify(password)}\n`;
    const result = await kubectl.apply(manifest);
    expect(result.stdout.trim()).toBe('secret/mlflow-db serverside-applied');
    const [call] = cluster.calls('kubectl');
    expect(call?.argv).toEqual(['apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', 'mlflow', '--context', context, '--kubeconfig', cluster.kubeconfig]);
    expect(call?.argv.join(' ')).not.toContain(password);
    expect(JSON.stringify(call?.env)).not.toContain(password);
    // It reached the cluster through stdin: the Secret holds it, managed by mlflow-install.
    const read = await cluster.exec('kubectl', ['get', 'secret', 'mlflow-db', '--namespace', 'mlflow', '--show-managed-fields', '-o', 'json']);
    const stored = JSON.parse(read.stdout) as { data?: Record<string, string>; metadata: { managedFields?: { manager: string; operation: string }[] } };
    expect(Buffer.from(stored.data?.password ?? '', 'base64').toString('utf8')).toBe(password);
    expect(stored.metadata.managedFields?.map((field) => `${field.manager} ${field.operation}`)).toEqual(['mlflow-install Apply']);
    const secrets = await kubectl.secrets({ fieldSelector: 'metadata.name=mlflow-db' });
    expect(secrets).toEqual([{ metadata: expect.objectContaining({ name: 'mlflow-db' }), type: 'Opaque' }]);
    expect(secrets[0]).not.toHaveProperty('data');
  }, 120_000);

  it('lists the release pods, deployments, claims, events and configmaps', async () => {
    const pods = await kubectl.pods({ selector: serverSelector });
    expect(pods).toHaveLength(1);
    expect(pods[0]?.status?.phase).toBe('Running');
    const running = await kubectl.pods({ fieldSelector: 'status.phase=Running' });
    expect(running.map((p) => p.metadata.name)).toEqual(pods.map((p) => p.metadata.name));
    expect((await kubectl.deployments()).map((d) => [d.metadata.name, d.status?.availableReplicas])).toEqual([['mlflow', 1]]);
    expect((await kubectl.persistentVolumeClaims()).map((c) => [c.metadata.name, c.status?.phase])).toEqual([['mlflow-data', 'Bound']]);
    // The scheduler's events (a FailedScheduling first when it saw the pod before its claim was bound); kwok has
    // no kubelet to say Pulled, Created, Started.
    const events = await kubectl.events({ fieldSelector: `involvedObject.name=${pods[0]?.metadata.name}` });
    expect(events.filter((e) => e.reason === 'Scheduled').map((e) => `${e.type} ${e.message}`)).toEqual([`Normal Successfully assigned mlflow/${pods[0]?.metadata.name} to node-000000`]);
    expect(events.filter((e) => e.reason !== 'Scheduled' && e.reason !== 'FailedScheduling')).toEqual([]);
    // Every namespace gets the cluster's CA bundle; the chart creates no ConfigMap.
    expect((await kubectl.configMaps()).map((c) => c.metadata.name)).toEqual(['kube-root-ca.crt']);
  }, 120_000);

  it('waits for a rollout, and fails with kubectl\'s words past its timeout', async () => {
    expect((await kubectl.rolloutStatus('mlflow', '30s')).stdout).toBe('deployment "mlflow" successfully rolled out\n');
    // In the neverready namespace the tracking server runs but never becomes Ready.
    const install = await cluster.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, '--namespace', faultNamespaces.neverReady]);
    expect(install.exitCode, install.stderr).toBe(0);
    const error = await kubectl.rolloutStatus('mlflow', '3s', faultNamespaces.neverReady).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).summary).toBe('kubectl rollout status deployment/mlflow failed (exit 1): error: timed out waiting for the condition');
    expect((error as CommandFailedError).stdout).toMatch(/Waiting for deployment "mlflow" rollout to finish: 0 of 1 updated replicas are available/);
  }, 120_000);

  it('waits for the release pods to be Ready, and fails when none match', async () => {
    const result = await kubectl.waitForPodsReady(serverSelector, '30s');
    expect(result.stdout).toMatch(/^pod\/mlflow-\S+ condition met\n$/);
    const none = await kubectl.waitForPodsReady('app=nothing', '1s').catch((e: unknown) => e);
    expect((none as CommandFailedError).summary).toMatch(/error: no matching resources found$/);
  }, 120_000);

  it('reads the cluster identity from the kube-system namespace UID', async () => {
    const uid = await kubectl.clusterUid();
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(uid).toBe((await cluster.object('Namespace', undefined, 'kube-system'))?.metadata.uid);
  }, 120_000);

  it('reads the last log lines of a pod', async () => {
    const [pod] = await kubectl.pods({ selector: serverSelector });
    // kwok serves every container's log from the cluster's ClusterLogs (test/helpers/kwok/cluster.ts).
    expect(await kubectl.logs(pod?.metadata.name ?? '', { tail: 1 })).toBe('INFO mlflow.server: listening on 0.0.0.0:5000\n');
    expect(await kubectl.logs(pod?.metadata.name ?? '', { container: 'mlflow', tail: 5 })).toBe('INFO mlflow.server: listening on 0.0.0.0:5000\n');
  }, 120_000);

  it('creates a namespace, and deletes by name and by selector', async () => {
    await kubectl.createNamespace('scratch');
    expect(await kubectl.namespaceNamed('scratch')).toBeDefined();
    await kubectl.apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {app: x}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {app: x}}\n', 'scratch');
    await kubectl.delete('configmap', ['a', 'missing'], { namespace: 'scratch' });
    expect((await kubectl.configMaps({ namespace: 'scratch', selector: 'app=x' })).map((c) => c.metadata.name)).toEqual(['b']);
    await kubectl.delete('configmap', { selector: 'app=x' }, { namespace: 'scratch', wait: false });
    expect(await kubectl.configMaps({ namespace: 'scratch', selector: 'app=x' })).toEqual([]);
    // The namespace controller empties it first: kubectl waits until it is gone.
    await kubectl.delete('namespace', ['scratch'], { timeout: '90s' });
    expect(await kubectl.namespaceNamed('scratch')).toBeUndefined();
  }, 180_000);

  it('fails with the API server\'s message when nothing listens at its address', async () => {
    const closed = await closedPortKubeconfig(cluster.kubeconfig, cluster.dir);
    const refused = new Kubectl(new CommandRunner({ env: cluster.env() }), { binary: 'kubectl', kubeconfig: closed.file, namespace: 'mlflow' });
    const error = await refused.versions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).summary).toBe(
      `kubectl version failed (exit 1): The connection to the server 127.0.0.1:${closed.port} was refused - did you specify the right host or port?`,
    );
    // The client version needs no server; the report says why the server's is missing.
    const report = await refused.versionReport();
    expect(report.client).toMatch(/^v1\.\d+\.\d+/);
    expect(report.server).toBeUndefined();
    expect(report.problem).toBe(`The connection to the server 127.0.0.1:${closed.port} was refused - did you specify the right host or port?`);
  }, 120_000);

  describe('runCheckPod: a pod created from a manifest, judged by its status', () => {
    const check = (name: string, host: string, namespace?: string) => ({
      name,
      image: chartImage,
      command: ['python', '-c', 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)', host, '5432'],
      timeout: '60s',
      ...(namespace ? { namespace } : {}),
    });
    const checkPodsIn = async (namespace: string) => (await cluster.objects('pods', namespace)).filter((pod) => pod.metadata.labels?.['app.kubernetes.io/name'] === 'mlflow-install-check');
    const goneFrom = (namespace: string) => until(`the check pods of ${namespace} to be deleted`, async () => ((await checkPodsIn(namespace)).length === 0 ? true : undefined), 60_000);

    it('runs, reads exit 0 from the status, and deletes the pod', async () => {
      cluster.clearCalls();
      expect(await kubectl.runCheckPod(check('db-check-ok', 'db.internal'))).toEqual({ ran: true, exitCode: 0, message: '' });
      const calls = cluster.calls('kubectl').map((call) => call.argv.slice(0, 4).join(' '));
      expect(calls[0]).toBe('create -f - --namespace');
      expect(calls).toContain('get pod db-check-ok --ignore-not-found');
      expect(calls.at(-1)).toBe('delete pod db-check-ok --ignore-not-found');
      expect(cluster.calls('kubectl').map((call) => call.argv[0])).not.toContain('run');
      await goneFrom('mlflow');
    }, 120_000);

    it('reports a failed command with its exit code and termination message', async () => {
      expect(await kubectl.runCheckPod(check('db-check-unreachable', unreachableDatabaseHost))).toEqual({
        ran: true,
        exitCode: 1,
        message: `could not connect to ${unreachableDatabaseHost}: [Errno -2] Name or service not known`,
      });
      await goneFrom('mlflow');
    }, 120_000);

    it('is admitted where Pod Security enforces "restricted", which refuses an ordinary pod', async () => {
      const ordinary = await cluster.exec('kubectl', ['run', 'plain', '--image', chartImage, '--restart=Never', '--namespace', 'restricted']);
      expect(ordinary.exitCode).toBe(1);
      expect(ordinary.stderr).toContain('violates PodSecurity "restricted:latest"');
      expect(await kubectl.runCheckPod(check('db-check-restricted', 'db.internal', 'restricted'))).toEqual({ ran: true, exitCode: 0, message: '' });
      await goneFrom('restricted');
    }, 120_000);

    it('says in one line why the API server refused the pod (a ResourceQuota of no pods)', async () => {
      const outcome = await kubectl.runCheckPod(check('db-check-quota', 'db.internal', 'no-pods'));
      expect(outcome).toEqual({
        ran: false,
        refused: true,
        reason: 'the pod was refused: pods "db-check-quota" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0',
      });
      expect(outcome.ran === false && outcome.reason).not.toContain('\n');
      expect(await checkPodsIn('no-pods')).toEqual([]);
    }, 120_000);
  });
});
