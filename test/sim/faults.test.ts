import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { isPodReady } from '../../src/cluster/k8s.js';
import { SimCluster, type SimClusterOptions } from '../helpers/sim-cluster.js';
import { helmMajors, toolSet, type HelmMajor } from '../helpers/tools.js';
import { chartDir, eventsIn, hookedChart, installArgs, podsOf } from './sim-helpers.js';

const available = (major: HelmMajor) => toolSet(major).unavailable === undefined;
const clusters: SimCluster[] = [];
function cluster(options: Partial<SimClusterOptions> & { helmMajor?: HelmMajor } = {}): SimCluster {
  const sim = SimCluster.create({ helmMajor: 3, namespaces: { mlflow: {} }, ...options });
  clusters.push(sim);
  return sim;
}
afterEach(() => {
  for (const sim of clusters.splice(0)) sim.cleanup();
});

const serverSelector = 'app.kubernetes.io/component=tracking-server';

describe.skipIf(!available(3))('faults of the simulated cluster', () => {
  it('noKubeconfig: kubectl has no context and reaches localhost:8080; helm says the cluster is unreachable', async () => {
    const sim = cluster({ faults: { noKubeconfig: true } });
    const context = await sim.exec('kubectl', ['config', 'current-context']);
    expect(context).toMatchObject({ exitCode: 1, stderr: 'error: current-context is not set' });
    const get = await sim.exec('kubectl', ['get', 'namespaces']);
    expect(get.exitCode).toBe(1);
    expect(get.stderr).toMatch(/The connection to the server localhost:8080 was refused - did you specify the right host or port\?$/);
    const helm = await sim.exec('helm', ['list', '--namespace', 'mlflow']);
    expect(helm.stderr).toBe('Error: Kubernetes cluster unreachable: Get "http://localhost:8080/version": dial tcp localhost:8080: connect: connection refused');
  });

  it('unreachable: the context is there, its API server refuses; `version` still prints the client', async () => {
    const sim = cluster({ faults: { unreachable: true } });
    expect((await sim.exec('kubectl', ['config', 'current-context'])).stdout).toBe('sim');
    const get = await sim.exec('kubectl', ['get', 'pods', '-n', 'mlflow']);
    expect(get.stderr).toMatch(/The connection to the server sim-cluster\.example:6443 was refused/);
    const version = await sim.exec('kubectl', ['version', '-o', 'json']);
    expect(version.exitCode).toBe(1);
    expect(JSON.parse(version.stdout)).toHaveProperty('clientVersion.gitVersion');
    expect(JSON.parse(version.stdout)).not.toHaveProperty('serverVersion');
  });

  it('an unknown --context is refused the way kubectl and helm refuse it', async () => {
    const sim = cluster();
    expect((await sim.exec('kubectl', ['get', 'pods', '--context', 'prod'])).stderr).toBe('error: context was not found for specified context: prod');
    expect((await sim.exec('helm', ['list', '--kube-context', 'prod'])).stderr).toBe('Error: Kubernetes cluster unreachable: context "prod" does not exist');
  });

  it('forbidden: can-i says no for the listed resources only; reads and installs are refused with the API message', async () => {
    const sim = cluster({ faults: { forbidden: { resources: ['secrets'] } } });
    const no = await sim.exec('kubectl', ['auth', 'can-i', 'create', 'secrets', '--namespace', 'mlflow']);
    expect(no).toMatchObject({ exitCode: 1, stdout: 'no' });
    const yes = await sim.exec('kubectl', ['auth', 'can-i', 'create', 'deployments.apps', '--namespace', 'mlflow']);
    expect(yes).toMatchObject({ exitCode: 0, stdout: 'yes' });
    const get = await sim.exec('kubectl', ['get', 'secrets', '-n', 'mlflow', '-o', 'json']);
    expect(get.stderr).toBe('Error from server (Forbidden): secrets is forbidden: User "sim-user" cannot list resource "secrets" in API group "" in the namespace "mlflow"');
    const install = await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '30s'));
    expect(install.exitCode).toBe(1);
    expect(install.stderr).toMatch(/secrets is forbidden: User "sim-user" cannot list resource "secrets"/);

    sim.setFaults({ forbidden: true });
    const everything = await sim.exec('kubectl', ['auth', 'can-i', 'get', 'pods', '-n', 'mlflow']);
    expect(everything.stdout).toBe('no');
    const create = await sim.exec('kubectl', ['create', 'namespace', 'x']);
    expect(create.stderr).toMatch(/^Error from server \(Forbidden\): namespaces is forbidden: .* at the cluster scope$/);
  });

  it('missingStorageClass: none listed, the claim stays Pending, the pod unschedulable, helm fails and rolls back', async () => {
    const sim = cluster({ faults: { missingStorageClass: true } });
    expect(JSON.parse((await sim.exec('kubectl', ['get', 'storageclasses', '-o', 'json'])).stdout)).toMatchObject({ items: [] });
    const started = Date.now();
    const install = await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '1s'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(install.stderr).toBe('Error: release mlflow failed, and has been uninstalled due to atomic being set: context deadline exceeded');
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
    expect(sim.object('PersistentVolumeClaim', 'mlflow', 'mlflow-data')).toMatchObject({ status: { phase: 'Pending' } });
    const events = await eventsIn(sim, 'mlflow');
    expect(events).toContainEqual(expect.objectContaining({ reason: 'FailedBinding', object: 'mlflow-data', message: 'no persistent volumes available for this claim and no storage class is set' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'FailedScheduling' }));
  });

  it('missingIngressClass: no IngressClass is listed', async () => {
    const sim = cluster({ faults: { missingIngressClass: true } });
    expect(JSON.parse((await sim.exec('kubectl', ['get', 'ingressclasses', '-o', 'json'])).stdout)).toMatchObject({ items: [] });
    sim.setFaults({});
    expect(JSON.parse((await sim.exec('kubectl', ['get', 'ingressclasses', '-o', 'json'])).stdout).items).toHaveLength(1);
  });

  it('rolloutTimeout: helm succeeds, `kubectl rollout status` waits out its --timeout and fails as kubectl does', async () => {
    const sim = cluster({ faults: { rolloutTimeout: true } });
    expect((await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '30s'))).exitCode).toBe(0);
    const started = Date.now();
    const rollout = await sim.exec('kubectl', ['rollout', 'status', 'deployment/mlflow', '--namespace', 'mlflow', '--timeout', '1s']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(rollout.exitCode).toBe(1);
    expect(rollout.stdout).toMatch(/^Waiting for deployment "mlflow" rollout to finish: 0 out of 1 new replicas have been updated\.\.\./);
    expect(rollout.stderr).toBe('error: timed out waiting for the condition');
    sim.setFaults({});
    expect((await sim.exec('kubectl', ['rollout', 'status', 'deployment/mlflow', '-n', 'mlflow', '--timeout', '1s'])).stdout).toBe('deployment "mlflow" successfully rolled out');
  });

  it('crashLoop: the server restarts in CrashLoopBackOff with its logs while helm waits, then helm rolls back', async () => {
    const logs = 'Traceback (most recent call last):\nsqlalchemy.exc.OperationalError: password authentication failed for user "mlflow"';
    const sim = cluster({ faults: { crashLoop: { logs } } });
    const install = sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '2s'));
    let seen: Awaited<ReturnType<typeof podsOf>> = [];
    while (seen.length === 0) seen = await podsOf(sim, 'mlflow', serverSelector);
    const pod = seen[0];
    const status = pod?.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.restartCount).toBeGreaterThanOrEqual(1);
    expect(status?.lastState?.terminated?.exitCode).toBe(1);
    const name = pod?.metadata.name ?? '';
    expect((await sim.exec('kubectl', ['logs', name, '-n', 'mlflow', '--tail', '1'])).stdout).toBe('sqlalchemy.exc.OperationalError: password authentication failed for user "mlflow"');
    expect((await sim.exec('kubectl', ['logs', name, '-n', 'mlflow', '--previous'])).stdout).toBe(logs);
    expect(await eventsIn(sim, 'mlflow')).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'BackOff', object: name }));
    expect((await install).stderr).toMatch(/uninstalled due to atomic being set: context deadline exceeded$/);
    expect(await podsOf(sim, 'mlflow', serverSelector)).toEqual([]);
  });

  it('neverReady: `kubectl wait --for=condition=Ready` times out naming the pod', async () => {
    const sim = cluster({ faults: { neverReady: {} } });
    await sim.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, '--namespace', 'mlflow']);
    const wait = await sim.exec('kubectl', ['wait', 'pod', '--for=condition=Ready', '--selector', serverSelector, '--timeout', '1s', '--namespace', 'mlflow']);
    expect(wait.exitCode).toBe(1);
    expect(wait.stderr).toMatch(/^error: timed out waiting for the condition on pods\/mlflow-/);
  });

  it('neverReady: the server runs, its readiness probe fails, helm --wait gives up', async () => {
    const sim = cluster({ faults: { neverReady: {} } });
    const install = await sim.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, '--namespace', 'mlflow', '--wait', '--timeout', '1s']);
    expect(install).toMatchObject({ exitCode: 1, stderr: 'Error: context deadline exceeded' });
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('failed');
    const [pod] = await podsOf(sim, 'mlflow', serverSelector);
    expect(pod?.status?.phase).toBe('Running');
    expect(pod && isPodReady(pod)).toBe(false);
    expect(await eventsIn(sim, 'mlflow')).toContainEqual(
      expect.objectContaining({ reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' }),
    );
  });

  it('readyAfterMs: helm waits for the server to become ready', async () => {
    const sim = cluster({ faults: { readyAfterMs: 800 } });
    const started = Date.now();
    expect((await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '30s'))).exitCode).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('a pod that reads a missing Secret is stuck in CreateContainerConfigError, and a hook reading it holds helm to its timeout', async () => {
    const sim = cluster();
    const install = await sim.exec('helm', ['upgrade', '--install', 'app', hookedChart, '-n', 'mlflow', '--set', 'passwordSecret=db-password', '--no-hooks']);
    expect(install.exitCode).toBe(0);
    const [pod] = await podsOf(sim, 'mlflow', 'app.kubernetes.io/instance=app');
    expect(pod?.status?.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "db-password" not found' });
    const logs = await sim.exec('kubectl', ['logs', pod?.metadata.name ?? '', '-n', 'mlflow']);
    expect(logs.stderr).toMatch(/is waiting to start: CreateContainerConfigError/);
  });

  it('hookFailure: the migration hook fails, its pod and logs stay for the diagnosis', async () => {
    const sim = cluster({ faults: { hookFailure: { logs: 'mlflow.exceptions.MlflowException: Detected out-of-date database schema' } } });
    const install = await sim.exec('helm', ['upgrade', '--install', 'app', hookedChart, '-n', 'mlflow', '--atomic', '--timeout', '30s']);
    expect(install.exitCode).toBe(1);
    expect(install.stderr).toMatch(/pre-install hooks failed: 1 error occurred:\n\t\* job app-migrate failed: BackoffLimitExceeded$/);
    const [pod] = await podsOf(sim, 'mlflow', 'job-name=app-migrate');
    expect(pod?.status?.phase).toBe('Failed');
    expect((await sim.exec('kubectl', ['logs', pod?.metadata.name ?? '', '-n', 'mlflow'])).stdout).toBe('mlflow.exceptions.MlflowException: Detected out-of-date database schema');
  });

  it('helmTestFails: helm test reports the failed pod and its logs', async () => {
    const sim = cluster();
    expect((await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '30s'))).exitCode).toBe(0);
    sim.setFaults({ helmTestFails: { logs: 'urllib.error.HTTPError: HTTP Error 403: Invalid Host header' } });
    const result = await sim.exec('helm', ['test', 'mlflow', '-n', 'mlflow', '--logs']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/Phase: +Failed\nPOD LOGS: mlflow-test-health\nurllib.error.HTTPError: HTTP Error 403: Invalid Host header/);
    expect(result.stderr).toBe('Error: 1 error occurred:\n\t* pod mlflow-test-health failed\n');
  });

  it('podRun: `kubectl run` prints what the fault says and exits with its code', async () => {
    const sim = cluster({ faults: { podRun: { exitCode: 1, output: 'nc: db.internal (10.0.0.5:5432): Connection timed out' } } });
    const args = ['run', 'mlflow-db-check', '--image', 'busybox:1.36', '--restart=Never', '--rm', '--attach', '--quiet', '--namespace', 'mlflow', '--command', '--', 'nc', '-z', '-w', '5', 'db.internal', '5432'];
    const result = await sim.exec('kubectl', args);
    expect(result).toMatchObject({ exitCode: 1, stdout: 'nc: db.internal (10.0.0.5:5432): Connection timed out', stderr: 'pod mlflow/mlflow-db-check terminated (Error)' });
    sim.setFaults({});
    expect((await sim.exec('kubectl', args)).exitCode).toBe(0);
  });

  it('delayMs and delays: every command, or a chosen one, takes at least that long', async () => {
    const sim = cluster({ faults: { delayMs: 300, delays: { 'kubectl get': 600 } } });
    let started = Date.now();
    await sim.exec('kubectl', ['auth', 'can-i', 'get', 'pods']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    started = Date.now();
    await sim.exec('kubectl', ['get', 'pods']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });
});

describe.each(helmMajors)('rollback and interruption with helm %i', (major) => {
  const rollbackWhy = major === 3 ? 'atomic' : 'rollback-on-failure';

  it.skipIf(!available(major))('helmFailure on an upgrade rolls back to the revision that worked, which keeps running', async () => {
    const sim = cluster({ helmMajor: major });
    expect((await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'))).exitCode).toBe(0);
    sim.setFaults({ helmFailure: { message: 'Internal error occurred: failed calling webhook "validate.kyverno.svc"' } });
    const upgrade = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s', ['--set', 'image.tag=v9-full']));
    expect(upgrade.stderr).toBe(
      `Error: UPGRADE FAILED: release mlflow failed, and has been rolled back due to ${rollbackWhy} being set: Internal error occurred: failed calling webhook "validate.kyverno.svc"`,
    );
    expect(sim.releaseHistory('mlflow', 'mlflow').map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'failed', 'Release "mlflow" failed: Internal error occurred: failed calling webhook "validate.kyverno.svc"'],
      [3, 'deployed', 'Rollback to 1'],
    ]);
    const pods = await podsOf(sim, 'mlflow', serverSelector);
    expect(pods.map((p) => p.spec?.containers[0]?.image)).toEqual(['ghcr.io/mlflow/mlflow:v3.16.1-full']);
    expect(pods.every(isPodReady)).toBe(true);
  });

  it.skipIf(!available(major))('hangOn: Ctrl-C in the helm step cancels it and rolls back; a killed helm leaves the release pending', async () => {
    const sim = cluster({ helmMajor: major, faults: { hangOn: 'helm upgrade' } });
    const child = execa(sim.helm, installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'), { env: sim.env(), extendEnv: false, reject: false });
    const hanging = await sim.waitForHang();
    expect(hanging).toMatchObject({ pid: child.pid, command: 'helm upgrade' });
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('pending-install');
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('Release "mlflow" does not exist. Installing it now.\nRelease mlflow has been cancelled.');
    expect(result.stderr).toBe(`Error: release mlflow failed, and has been uninstalled due to ${rollbackWhy} being set: context canceled`);
    expect(sim.hanging()).toBeUndefined();

    const killed = execa(sim.helm, installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'), { env: sim.env(), extendEnv: false, reject: false });
    await sim.waitForHang();
    killed.kill('SIGKILL');
    await killed;
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('pending-install');
    sim.setFaults({});
    const again = await sim.exec('helm', installArgs(major, 'mlflow', chartDir, 'mlflow', '30s'));
    expect(again).toMatchObject({ exitCode: 1, stderr: 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress' });
  });
});
