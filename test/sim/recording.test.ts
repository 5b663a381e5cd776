import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster } from '../helpers/sim-cluster.js';
import { toolSet } from '../helpers/tools.js';

const available = toolSet(3).unavailable === undefined;

describe.skipIf(!available)('the simulated cluster: state, recording, flag parity', () => {
  let sim: SimCluster;
  beforeAll(() => {
    sim = SimCluster.create({ helmMajor: 3, namespaces: { mlflow: { 'istio-injection': 'enabled' } } });
  });
  afterAll(() => sim.cleanup());

  it('records every call with its argv, stdin and the MLflow/kube environment (not its own)', async () => {
    sim.clearCalls();
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: mlflow}\nstringData: {password: hunter2-hunter2}\n';
    await sim.exec('kubectl', ['apply', '--server-side', '-f', '-', '--namespace', 'mlflow'], { input: secret, env: { MLFLOW_TRACKING_URI: 'http://x' } });
    await sim.exec('helm', ['list', '--namespace', 'mlflow', '-o', 'json']);
    const [apply, list] = sim.calls();
    expect(apply).toMatchObject({ tool: 'kubectl', argv: ['apply', '--server-side', '-f', '-', '--namespace', 'mlflow'], stdin: secret });
    expect(apply?.env).toMatchObject({ KUBECONFIG: sim.kubeconfig, MLFLOW_TRACKING_URI: 'http://x' });
    expect(Object.keys(apply?.env ?? {}).filter((key) => key.startsWith('MLFLOW_SIM_'))).toEqual([]);
    expect(list).toMatchObject({ tool: 'helm', argv: ['list', '--namespace', 'mlflow', '-o', 'json'] });
    expect(sim.calls('helm')).toHaveLength(1);
  });

  it('keeps the cluster in its folder: applied objects are there, Secret data base64 as the API stores it', async () => {
    const secret = sim.object('Secret', 'mlflow', 'db');
    expect(secret?.data).toEqual({ password: Buffer.from('hunter2-hunter2').toString('base64') });
    expect(secret?.stringData).toBeUndefined();
    const namespace = sim.object('Namespace', undefined, 'mlflow');
    expect(namespace?.metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
    expect(sim.object('Namespace', undefined, 'kube-system')?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.objects('StorageClass').map((sc) => [sc.metadata.name, sc.metadata.annotations])).toEqual([
      ['standard', { 'storageclass.kubernetes.io/is-default-class': 'true' }],
    ]);
  });

  it('takes exactly the flags the real binaries take', async () => {
    const kubectl = await sim.exec('kubectl', ['get', 'pods', '--bogus']);
    const real = await execa(sim.realKubectl, ['get', 'pods', '--bogus'], { reject: false, env: { KUBECONFIG: sim.kubeconfig } });
    expect(kubectl.exitCode).toBe(real.exitCode);
    expect(kubectl.stderr).toBe(real.stderr);
    const helm = await sim.exec('helm', ['status', 'x', '--no-such-flag']);
    expect(helm).toMatchObject({ exitCode: 1, stderr: 'Error: unknown flag: --no-such-flag' });
  });

  it('hands version, template and lint to the real helm, and config to the real kubectl', async () => {
    const version = await sim.exec('helm', ['version', '--template', '{{.Version}}']);
    expect(version.stdout).toBe((await execa(sim.realHelm, ['version', '--template', '{{.Version}}'])).stdout);
    const context = await sim.exec('kubectl', ['config', 'current-context']);
    expect(context.stdout).toBe('sim');
    const view = JSON.parse((await sim.exec('kubectl', ['config', 'view', '--minify', '-o', 'json', '--context', 'sim-staging'])).stdout) as {
      contexts: { context: { namespace?: string } }[];
      users: { user: { token: string } }[];
    };
    expect(view.contexts[0]?.context.namespace).toBe('staging');
    expect(view.users[0]?.user.token).toBe('REDACTED');
  });

  it('prints JSONPath output and applies the provider manifests it knows by URL', async () => {
    const uid = await sim.exec('kubectl', ['get', 'namespace', 'kube-system', '--output', 'jsonpath={.metadata.uid}']);
    expect(uid.stdout).toBe(sim.object('Namespace', undefined, 'kube-system')?.metadata.uid);
    const names = await sim.exec('kubectl', ['get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(names.stdout.split(' ')).toEqual(expect.arrayContaining(['default', 'kube-system', 'mlflow']));
    const gcp = 'https://raw.githubusercontent.com/GoogleCloudPlatform/secrets-store-csi-driver-provider-gcp/main/deploy/provider-gcp-plugin.yaml';
    expect((await sim.exec('kubectl', ['apply', '-f', gcp])).stdout).toMatch(/daemonset.apps\/csi-secrets-store-provider-gcp created/);
    const unknown = await sim.exec('kubectl', ['apply', '-f', 'https://example.com/x.yaml']);
    expect(unknown).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/has no network/) });
  });

  it('answers a command it does not model with exit 98 and says so', async () => {
    const result = await sim.exec('kubectl', ['port-forward', 'svc/mlflow', '5000:5000']);
    expect(result.exitCode).toBe(98);
    expect(result.stderr).toMatch(/does not model `kubectl port-forward/);
  });

  it('names the missing state folder instead of guessing', async () => {
    const result = await execa(sim.kubectl, ['get', 'pods'], { reject: false, env: { MLFLOW_SIM_STATE: '' } });
    expect(result.exitCode).toBe(98);
    expect(result.stderr).toMatch(/MLFLOW_SIM_STATE is not set/);
  });

  it('serialises concurrent writers: parallel applies all land', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `cm-${i}`);
    await Promise.all(
      names.map((name) =>
        sim.exec('kubectl', ['apply', '-f', '-', '-n', 'mlflow'], { input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n` }),
      ),
    );
    expect(sim.objects('ConfigMap', 'mlflow').map((cm) => cm.metadata.name).sort()).toEqual(names);
  });
});
