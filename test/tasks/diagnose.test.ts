import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/cluster/k8s.js';
import { Kubectl } from '../../src/cluster/kubectl.js';
import { REDACTED, Redactor } from '../../src/cluster/redact.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { diagnose, formatDiagnosis, hintsFor, mergeDiagnoses, podProblem, watchDiagnosis } from '../../src/tasks/diagnose.js';
import { SimCluster, type SimFaults } from '../helpers/sim-cluster.js';
import { toolSet } from '../helpers/tools.js';
import { chartDir, hookedChart, installArgs } from '../sim/sim-helpers.js';

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

const clusters: SimCluster[] = [];
afterEach(() => {
  for (const sim of clusters.splice(0)) sim.cleanup();
});

const password = 'S3cret-for-the-DB';

function setUp(faults: SimFaults) {
  const sim = SimCluster.create({ helmMajor: 3, namespaces: { mlflow: {} }, faults });
  clusters.push(sim);
  const runner = new CommandRunner({ env: sim.env(), redactor: new Redactor().add(password) });
  const kubectl = new Kubectl(runner, { binary: sim.kubectl, namespace: 'mlflow' });
  return { sim, kubectl };
}

const release = { selector: 'app.kubernetes.io/instance=mlflow' };

describe.skipIf(toolSet(3).unavailable !== undefined)('diagnose on the simulated cluster', () => {
  it('catches a crash loop while helm still waits, with events, the logs before the restart and the hint; redacted', async () => {
    const logs = `Traceback (most recent call last):\nsqlalchemy.exc.OperationalError: connection to server at "db" failed: FATAL:  password authentication failed for user "mlflow" (uri postgresql://mlflow:${password}@db/mlflow)`;
    const { sim, kubectl } = setUp({ crashLoop: { logs } });
    const watch = watchDiagnosis(kubectl, { ...release, intervalMs: 200 });
    const install = await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '3s'));
    expect(install.stderr).toMatch(/uninstalled due to atomic being set/);
    expect(await diagnose(kubectl, release)).toMatchObject({ pods: [] });
    const caught = await watch.stop();
    expect(caught?.pods).toHaveLength(1);
    const [pod] = caught?.pods ?? [];
    expect(pod?.problem).toMatch(/^mlflow: CrashLoopBackOff \(restarted \d+ times?\): back-off/);
    expect(pod?.events.at(-1)).toMatch(/^Warning BackOff: Back-off restarting failed container mlflow/);
    expect(pod?.logs).toEqual([{ container: 'mlflow', previous: true, lines: [expect.stringContaining('Traceback'), expect.stringContaining(`postgresql://mlflow:${REDACTED}@db/mlflow`)] }]);
    expect(caught?.hints.map((h) => h.id)).toEqual(['database-auth']);
    const text = formatDiagnosis(caught ?? { pods: [], claims: [], hints: [] }).join('\n');
    expect(text).toContain('last log lines of mlflow (before its last restart):');
    expect(text).toMatch(/hint: The database refused the user or password/);
    expect(text).not.toContain(password);
  });

  it('reads a failed migration hook\'s logs and hints at the out-of-date schema', async () => {
    const { sim, kubectl } = setUp({ hookFailure: { logs: "mlflow.exceptions.MlflowException: Detected out-of-date database schema (found version 1, but expected 2). Take a backup of your database, then run 'mlflow db upgrade <database_uri>'" } });
    await sim.exec('helm', ['upgrade', '--install', 'app', hookedChart, '-n', 'mlflow', '--atomic', '--timeout', '30s']);
    const diagnosis = await diagnose(kubectl, { selector: 'job-name=app-migrate' });
    expect(diagnosis.pods[0]?.problem).toBe('migrate: exited with 1 (Error)');
    expect(diagnosis.pods[0]?.logs[0]?.lines[0]).toMatch(/^mlflow.exceptions.MlflowException: Detected out-of-date database schema/);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['schema-out-of-date']);
  });

  it('shows the Pending claim and the unschedulable pod when no StorageClass can provision the volume', async () => {
    const { sim, kubectl } = setUp({ missingStorageClass: true });
    await sim.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, '-n', 'mlflow']);
    const diagnosis = await diagnose(kubectl, release);
    expect(diagnosis.claims).toEqual([{ claim: 'mlflow-data', phase: 'Pending', events: ['Normal FailedBinding: no persistent volumes available for this claim and no storage class is set'] }]);
    expect(diagnosis.pods[0]?.problem).toMatch(/^Pending: 0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims/);
    expect(diagnosis.pods[0]?.logs).toEqual([]);
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['pvc-pending']);
  });

  it('shows a server that never becomes ready with its probe events and current logs', async () => {
    const { sim, kubectl } = setUp({ neverReady: { message: 'Readiness probe failed: HTTP probe failed with statuscode: 403' } });
    await sim.exec('helm', ['upgrade', '--install', 'mlflow', chartDir, '-n', 'mlflow']);
    const [pod] = (await diagnose(kubectl, release)).pods;
    expect(pod?.problem).toBe('Running but not Ready (its readiness probe does not pass)');
    expect(pod?.events).toContain('Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 403');
    expect(pod?.logs[0]).toMatchObject({ container: 'mlflow', previous: false });
  });

  it('names the missing Secret a pod waits for', async () => {
    const { sim, kubectl } = setUp({});
    await sim.exec('helm', ['upgrade', '--install', 'app', hookedChart, '-n', 'mlflow', '--set', 'passwordSecret=mlflow-db', '--no-hooks']);
    const diagnosis = await diagnose(kubectl, { selector: 'app.kubernetes.io/instance=app' });
    expect(diagnosis.pods[0]?.problem).toBe('server: CreateContainerConfigError: secret "mlflow-db" not found');
    expect(diagnosis.hints.map((h) => h.id)).toEqual(['missing-secret']);
  });

  it('finds nothing wrong with a healthy release', async () => {
    const { sim, kubectl } = setUp({});
    await sim.exec('helm', installArgs(3, 'mlflow', chartDir, 'mlflow', '30s'));
    expect(await diagnose(kubectl, release)).toEqual({ pods: [], claims: [], hints: [] });
  });
});
