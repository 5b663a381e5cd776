import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/cluster/k8s.js';
import { Kubectl } from '../../src/cluster/kubectl.js';
import { REDACTED, Redactor } from '../../src/cluster/redact.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { diagnose, formatDiagnosis, hintsFor, mergeDiagnoses, podProblem, watchDiagnosis, type Diagnosis, type DiagnoseOptions } from '../../src/tasks/diagnose.js';
import { chartImage, namespaceObject, until } from '../cluster/real-fixtures.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { faultNamespaces } from '../helpers/kwok/stages.js';
import { TestCluster } from '../helpers/kwok/test-cluster.js';
import { chartDir } from '../helpers/tools.js';

describe('hintsFor', () => {
  it.each([
    ['database-auth', 'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "mlflow"'],
    ['database-auth', "pymysql.err.OperationalError: (1045, \"Access denied for user 'mlflow'@'10.0.0.7' (using password: YES)\")"],
    ['database-unreachable', 'mlflow-install: the database at db.internal:5432 did not answer within 300s (last error: timeout)'],
    ['database-unreachable', 'psycopg2.OperationalError: could not translate host name "db.internl" to address: Name or service not known'],
    ['database-unreachable', 'connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused'],
    ['missing-driver', "ModuleNotFoundError: No module named 'psycopg2'"],
    ['invalid-host', 'urllib.error.HTTPError: HTTP Error 403: Invalid Host header - possible DNS rebinding attack detected'],
    ['schema-out-of-date', "mlflow.exceptions.MlflowException: Detected out-of-date database schema (found version 1b5f0d9ad7c1, but expected 6953534de441). Take a backup of your database, then run 'mlflow db upgrade <database_uri>'"],
    ['pvc-pending', '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.'],
    ['missing-secret', 'mlflow: CreateContainerConfigError: secret "mlflow-db" not found'],
    ['image-pull', 'mlflow: ImagePullBackOff: Back-off pulling image "ghcr.io/mlflow/mlflow:v0-full"'],
  ])('gives %s for %j', (id, text) => {
    expect(hintsFor([text]).map((h) => h.id)).toContain(id);
  });

  it('gives nothing for a healthy log, nor a database hint for a test pod that found the server down', () => {
    expect(hintsFor(['INFO:     Uvicorn running on http://0.0.0.0:5000'])).toEqual([]);
    expect(hintsFor(['urllib.error.URLError: <urlopen error [Errno 111] Connection refused>'])).toEqual([]);
  });

  it('tells a refused password from an unreachable host in psycopg2\'s shared wording', () => {
    expect(hintsFor(['connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "mlflow"']).map((h) => h.id)).toEqual(['database-auth']);
  });

  it('gives each hint once', () => {
    expect(hintsFor(['Invalid Host header', 'Invalid Host header']).map((h) => h.id)).toEqual(['invalid-host']);
  });
});

describe('mergeDiagnoses', () => {
  it('keeps logs read earlier when the pod was gone by the time of the newer read', () => {
    const read = { container: 'mlflow', previous: true, lines: ['boom'] };
    const older = { pods: [{ pod: 'p', problem: 'x', events: [], logs: [read] }], claims: [], hints: [] };
    const newer = { pods: [{ pod: 'p', problem: 'y', events: ['e'], logs: [{ container: 'mlflow', previous: true, lines: [], unavailable: 'NotFound' }] }], claims: [], hints: [] };
    expect(mergeDiagnoses(older, newer).pods).toEqual([{ pod: 'p', problem: 'y', events: ['e'], logs: [read] }]);
    expect(mergeDiagnoses(undefined, newer)).toBe(newer);
  });
});

describe('podProblem', () => {
  const pod = (status: Pod['status']): Pod => ({ metadata: { name: 'p' }, status });

  it('is nothing for a Running and Ready pod, or one that Succeeded', () => {
    expect(podProblem(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }))).toBeUndefined();
    expect(podProblem(pod({ phase: 'Succeeded' }))).toBeUndefined();
  });

  it('names a crash loop with its restarts, an init container stuck, an unschedulable pod, a pod never ready', () => {
    expect(podProblem(pod({ phase: 'Running', containerStatuses: [{ name: 'mlflow', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }))).toBe(
      'mlflow: CrashLoopBackOff (restarted 4 times)',
    );
    expect(podProblem(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'wait-for-database', ready: false, restartCount: 1, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }))).toBe(
      'wait-for-database: exited with 1 (Error)',
    );
    expect(podProblem(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'pod has unbound immediate PersistentVolumeClaims' }] }))).toBe(
      'Pending: pod has unbound immediate PersistentVolumeClaims',
    );
    expect(podProblem(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'mlflow', ready: false, restartCount: 0, state: { running: {} } }] }))).toBe(
      'Running but not Ready (its readiness probe does not pass)',
    );
  });
});

const unavailable = clusterUnavailable();
if (unavailable) process.stderr.write(`[diagnose tests] skipped: ${unavailable}\n`);

const password = 'S3cret-for-the-DB';
const schemaError = "mlflow.exceptions.MlflowException: Detected out-of-date database schema (found version 1b5f0d9ad7c1, but expected 6953534de441). Take a backup of your database, then run 'mlflow db upgrade <database_uri>'";
const release = { selector: 'app.kubernetes.io/instance=mlflow' };

/**
 * One cluster for the file, a namespace per test. kwok makes the tracking server crash-loop in `crashloop`
 * and never become Ready in `neverready`, and fails every Job's pod in `jobfails`; the containers' logs
 * there are the lines below (test/helpers/kwok/stages.ts, ClusterLogs).
 */
describe.skipIf(unavailable !== undefined)('diagnose on a real control plane', () => {
  let cluster: TestCluster;
  const redactor = new Redactor().add(password);
  const kubectlIn = (namespace: string) => new Kubectl(new CommandRunner({ env: cluster.env(), redactor }), { binary: 'kubectl', namespace });

  beforeAll(async () => {
    cluster = await TestCluster.create({
      helmMajor: 3,
      logs: [
        {
          namespaces: [faultNamespaces.crashLoop],
          current: ['INFO mlflow.store.db.utils: Creating initial MLflow database tables...'],
          previous: [
            'Traceback (most recent call last):',
            `sqlalchemy.exc.OperationalError: connection to server at "db" failed: FATAL:  password authentication failed for user "mlflow" (uri postgresql://mlflow:${password}@db/mlflow)`,
          ],
        },
        { namespaces: [faultNamespaces.jobFails], current: [schemaError] },
      ],
    });
  }, 300_000);
  afterAll(async () => cluster?.cleanup());

  async function helm(args: string[]): Promise<{ exitCode: number; stderr: string }> {
    return cluster.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, ...args]);
  }

  /** Diagnoses until `ready` says the cluster got there (kwok moves pods in steps). */
  function diagnosed(kubectl: Kubectl, options: DiagnoseOptions, what: string, ready: (diagnosis: Diagnosis) => boolean): Promise<Diagnosis> {
    return until(what, async () => {
      const diagnosis = await diagnose(kubectl, options);
      return ready(diagnosis) ? diagnosis : undefined;
    }, 90_000);
  }

  it('catches a crash loop while helm still waits, with events, the logs before the restart and the hint; redacted', async () => {
    const kubectl = kubectlIn(faultNamespaces.crashLoop);
    const watch = watchDiagnosis(kubectl, { ...release, intervalMs: 500 });
    const install = await helm(['--namespace', faultNamespaces.crashLoop, '--atomic', '--wait', '--timeout', '40s']);
    expect(install.exitCode).toBe(1);
    expect(install.stderr).toMatch(/uninstalled due to atomic being set/);
    // The rollback deleted the pods: only what the watch read while helm waited is left to show.
    await diagnosed(kubectl, release, 'the rolled-back pods to be gone', (diagnosis) => diagnosis.pods.length === 0);
    const caught = await watch.stop();
    expect(caught?.pods).toHaveLength(1);
    const [pod] = caught?.pods ?? [];
    expect(pod?.pod).toMatch(/^mlflow-[a-z0-9]+-[a-z0-9]+$/);
    expect(pod?.problem).toBe('mlflow: CrashLoopBackOff (restarted 4 times): back-off 40s restarting failed container');
    expect(pod?.events).toContain(`Normal Scheduled: Successfully assigned crashloop/${pod?.pod} to node-000000`);
    expect(pod?.events.at(-1)).toBe('Warning BackOff: Back-off restarting failed container mlflow in pod');
    expect(pod?.logs).toEqual([
      { container: 'mlflow', previous: true, lines: ['Traceback (most recent call last):', expect.stringContaining(`postgresql://mlflow:${REDACTED}@db/mlflow`)] },
    ]);
    expect(caught?.hints.map((h) => h.id)).toEqual(['database-auth']);
    const text = formatDiagnosis(caught ?? { pods: [], claims: [], hints: [] }).join('\n');
    expect(text).toContain('last log lines of mlflow (before its last restart):');
    expect(text).toMatch(/hint: The database refused the user or password/);
    expect(text).not.toContain(password);
  }, 240_000);

  it('reads a failed migration hook\'s logs and hints at the out-of-date schema', async () => {
    // A database backend whose password Secret exists: the migration runs as a pre-install hook Job.
    await cluster.kwok.apply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mlflow-db', namespace: faultNamespaces.jobFails }, stringData: { password } }]);
    const install = await helm([
      '--namespace', faultNamespaces.jobFails,
      '--set', 'database.engine.postgres=postgresql', '--set', 'mlflowBackend.connections.host=db.internal',
      '--set', 'mlflowBackend.existingSecret=mlflow-db', '--set', 'database.migrate.backoffLimit=0',
      '--atomic', '--wait', '--timeout', '90s',
    ]);
    expect(install.stderr).toMatch(/job mlflow-migrate failed: BackoffLimitExceeded/);
    // helm keeps a failed hook's Job (hook-delete-policy hook-succeeded), and its pod.
    const diagnosis = await diagnose(kubectlIn(faultNamespaces.jobFails), { selector: 'job-name=mlflow-migrate' });
    expect(diagnosis.pods).toHaveLength(1);
    expect(diagnosis.pods[0]?.problem).toBe('migrate: exited with 1 (Error)');
    expect(diagnosis.pods[0]?.events.at(-1)).toBe('Warning BackOff: Back-off restarting failed container');
    expect(diagnosis.pods[0]?.logs).toEqual([{ container: 'migrate', previous: false, lines: [schemaError] }]);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['schema-out-of-date']);
  }, 240_000);

  it('shows the Pending claim and the unschedulable pod when the StorageClass the claim names does not exist', async () => {
    const install = await helm(['--namespace', 'pending', '--create-namespace', '--set', 'persistence.storageClass=missing']);
    expect(install.exitCode, install.stderr).toBe(0);
    const diagnosis = await diagnosed(kubectlIn('pending'), release, 'the claim and the pod to be reported', (d) => d.claims[0]?.events.length === 1 && d.pods.length === 1);
    expect(diagnosis.claims).toEqual([{ claim: 'mlflow-data', phase: 'Pending', events: ['Warning ProvisioningFailed: storageclass.storage.k8s.io "missing" not found'] }]);
    expect(diagnosis.pods[0]?.problem).toMatch(/^Pending: 0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims/);
    expect(diagnosis.pods[0]?.events).toEqual([expect.stringMatching(/^Warning FailedScheduling: 0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims/)]);
    expect(diagnosis.pods[0]?.logs).toEqual([]);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['pvc-pending']);
  }, 240_000);

  it('shows a server that never becomes ready with its probe events and current logs', async () => {
    const install = await helm(['--namespace', faultNamespaces.neverReady]);
    expect(install.exitCode, install.stderr).toBe(0);
    const diagnosis = await diagnosed(kubectlIn(faultNamespaces.neverReady), release, 'the probe event', (d) => d.pods[0]?.events.some((e) => e.startsWith('Warning Unhealthy')) === true);
    const [pod] = diagnosis.pods;
    expect(pod?.problem).toBe('Running but not Ready (its readiness probe does not pass)');
    expect(pod?.events).toContain('Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503');
    expect(pod?.logs).toEqual([{ container: 'mlflow', previous: false, lines: ['INFO mlflow.server: listening on 0.0.0.0:5000'] }]);
    expect(diagnosis.hints).toEqual([]);
  }, 240_000);

  it('names the ReplicaSet whose pods a namespace enforcing Pod Security "restricted" refuses, with the reason and the hint', async () => {
    // The real kube-controller-manager tries to create the pod and the real PodSecurity admission refuses it: no pod
    // exists, only the ReplicaSet's FailedCreate events say why.
    const namespace = 'refuses';
    await cluster.kwok.apply([
      namespaceObject(namespace, { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace, labels: { 'app.kubernetes.io/instance': 'app' } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/instance': 'app' } },
          template: { metadata: { labels: { 'app.kubernetes.io/instance': 'app' } }, spec: { containers: [{ name: 'server', image: chartImage }] } },
        },
      },
    ]);
    const options = { selector: 'app.kubernetes.io/instance=app' };
    const diagnosis = await diagnosed(kubectlIn(namespace), options, 'the refused pod creation', (d) => (d.refused?.[0]?.events.length ?? 0) > 0);
    expect(diagnosis.pods).toEqual([]);
    expect(diagnosis.refused).toEqual([{ owner: expect.stringMatching(/^ReplicaSet app-[a-z0-9]+$/), events: [expect.stringMatching(/^Warning FailedCreate: Error creating: pods "app-[a-z0-9-]+" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/)] }]);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['pod-security']);
    const text = formatDiagnosis(diagnosis).join('\n');
    expect(text).toMatch(/^ReplicaSet app-[a-z0-9]+: could not create its pods\n  recent events:\n    Warning FailedCreate/);
    expect(text).toContain("hint: The namespace's Pod Security admission refused the pods");
  }, 240_000);

  it('names the missing Secret a pod waits for', async () => {
    // kwok has no kubelet to refuse a container whose Secret is missing: the pod runs, then its status is
    // written as a kubelet reports CreateContainerConfigError (the API server holds it like any pod status).
    await cluster.kwok.apply([
      namespaceObject('no-secret'),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'app-server', namespace: 'no-secret', labels: { 'app.kubernetes.io/instance': 'app' } },
        spec: { containers: [{ name: 'server', image: chartImage, env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'mlflow-db', key: 'password' } } }] }] },
      },
    ]);
    await cluster.kwok.kubectl(['wait', '--for=condition=Ready', 'pod/app-server', '--namespace', 'no-secret', '--timeout=60s']);
    const status = {
      phase: 'Pending',
      conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' }],
      containerStatuses: [{ name: 'server', image: chartImage, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "mlflow-db" not found' } } }],
    };
    await cluster.kwok.kubectl(['patch', 'pod', 'app-server', '--namespace', 'no-secret', '--subresource=status', '--type=merge', '--patch', JSON.stringify({ status })]);
    const diagnosis = await diagnose(kubectlIn('no-secret'), { selector: 'app.kubernetes.io/instance=app' });
    expect(diagnosis.pods.map((p) => p.problem)).toEqual(['server: CreateContainerConfigError: secret "mlflow-db" not found']);
    expect(diagnosis.pods[0]?.logs).toEqual([]);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['missing-secret']);
  }, 240_000);

  it('finds nothing wrong with a healthy release', async () => {
    const install = await helm(['--namespace', 'healthy', '--create-namespace', '--atomic', '--wait', '--timeout', '120s']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(await diagnose(kubectlIn('healthy'), release)).toEqual({ pods: [], refused: [], claims: [], hints: [] });
  }, 240_000);
});
