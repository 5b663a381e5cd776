import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall, SimCluster, SimClusterOptions, SimFaults } from '../helpers/sim-cluster.js';
import { ensureBuilt } from '../cli/cli.js';
import { bothHelmsAvailable, Clusters, expectNoLeak, install, majors, namespaceObjects, uniquePassword, type Install } from './harness.js';

const clusters = new Clusters();
afterAll(() => clusters.cleanup());

const postgres = ['--yes', '--timeout', '6s', '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];
const local = ['--yes', '--timeout', '6s', '--preset', 'local'];
// Long enough for the diagnosis watch to see the failing pods before helm's rollback deletes them, on a busy machine too.
const postgresWatched = ['--yes', '--timeout', '12s', '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];

function changesTheCluster(call: RecordedCall): boolean {
  const [first = '', second = ''] = call.argv;
  if (call.tool === 'kubectl') return ['apply', 'create', 'delete', 'patch'].includes(first);
  return ['upgrade', 'install', 'uninstall', 'rollback'].includes(first) || (first === 'repo' && second === 'add');
}

interface Scenario {
  name: string;
  cluster?: Partial<SimClusterOptions>;
  faults: SimFaults;
  args: string[];
  expect: (run: Install, sim: SimCluster, before: string[]) => void;
}

/** A preflight failure: exit 1, each failed check with its fix, nothing in the cluster touched. */
function preflightFailure(lines: RegExp[]): Scenario['expect'] {
  return (run, sim, before) => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('Preflight found problems; nothing was changed in the cluster.');
    for (const line of lines) expect(run.stderr).toMatch(line);
    expect(run.stderr).toMatch(/mlflow-install: preflight failed \(.+\); nothing was changed$/);
    expect(sim.calls().filter(changesTheCluster)).toEqual([]);
    expect(namespaceObjects(sim, 'mlflow')).toEqual(before);
    expect(run.stdout).not.toContain('MLflow is running');
  };
}

const preflightScenarios: Scenario[] = [
  {
    name: 'no helm where --helm points',
    faults: {},
    args: [...postgres, '--helm', '/nonexistent/helm'],
    expect: (run, sim, before) => {
      preflightFailure([/✖ helm: helm was not found at \/nonexistent\/helm.*\n +Fix: .*--helm/])(run, sim, before);
      // The chart cannot render without helm: it says so once, instead of blaming the values.
      expect(run.stdout).toMatch(/↓ chart: not rendered: no usable helm \(see the helm check\)/);
      expect(run.stderr).not.toContain('The values do not render');
    },
  },
  {
    name: 'no kubeconfig',
    faults: { noKubeconfig: true },
    args: postgres,
    expect: preflightFailure([
      /✖ kube context: no kube context: .+\n +Fix: Choose a context with `kubectl config use-context NAME` or --context NAME/,
      /✖ API server: the API server did not answer: .*localhost:8080.*\n +Fix: Check that the cluster is running and reachable/,
    ]),
  },
  {
    name: 'the API server unreachable',
    faults: { unreachable: true },
    args: postgres,
    expect: (run, sim, before) => {
      preflightFailure([/✖ API server: the API server did not answer: .*sim-cluster\.example:6443 was refused.*\n +Fix: Check that the cluster is running/])(run, sim, before);
      expect(run.stdout).toMatch(/↓ permissions: not checked: the cluster did not answer/);
      expect(run.stderr).not.toMatch(/✖ permissions/);
    },
  },
  {
    name: 'forbidden to create and list Secrets',
    faults: { forbidden: { resources: ['secrets'] } },
    args: postgres,
    expect: preflightFailure([
      /✖ permissions: not allowed in mlflow: create secrets, list secrets\n +Fix: Ask a cluster admin for these permissions in namespace mlflow/,
      /✖ release: could not read release mlflow and the answers saved with it: .*secrets is forbidden.*\n +Fix: helm and kubectl must be able to read Secrets and ConfigMaps/,
    ]),
  },
  {
    name: 'no StorageClass for the volume',
    faults: { missingStorageClass: true },
    args: local,
    expect: preflightFailure([/✖ storage class: no default StorageClass: the volume's claim would stay Pending \(this cluster has none\)\n +Fix: Install a volume provisioner/]),
  },
  {
    name: 'no IngressClass for the ingress',
    faults: { missingIngressClass: true },
    args: [...local, '--set', 'ingress.enabled=true', '--set', 'ingress.host=mlflow.example.com'],
    expect: preflightFailure([/✖ ingress class: no IngressClass: this cluster has no ingress controller\n +Fix: Install an ingress controller/]),
  },
  {
    name: 'the database does not answer from inside the cluster',
    faults: { podRun: { exitCode: 1, output: 'nc: bad address db.internal' } },
    args: postgres,
    expect: preflightFailure([/✖ database: db\.internal:5432 did not answer from inside the cluster: nc: bad address db\.internal\n +Fix: Check the host name and port/]),
  },
];

/**
 * What is said after helm failed on a first install: helm removed the release; the namespace and the Secret stay,
 * and so does what helm keeps (the volume claim, a failed hook Job): each of them named.
 */
function firstInstallRolledBack(run: Install, sim: SimCluster): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain('Nothing of release mlflow is installed: helm removed what it had created (helm rolled back the first install).');
  expect(run.stderr).toMatch(/Changed by this run before that step, and still in place:\n {2}- namespace mlflow \(created\)\n {2}- Secret mlflow-mlflow-db in mlflow \(created or updated\)\n/);
  expect(run.stderr).toContain('kubectl delete namespace mlflow');
  expect(run.stderr).toMatch(/Then, rerun the same command:\n {2}npx mlflow-install --yes --preset postgres --set backend\.db\.host=db\.internal --timeout (6|12)s\n/);
  expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
  const left = namespaceObjects(sim, 'mlflow');
  expect(left).toContain('Secret/mlflow-mlflow-db');
  for (const object of left.filter((name) => name !== 'Secret/mlflow-mlflow-db')) {
    expect(object).toMatch(/^(PersistentVolumeClaim|Job)\//);
    expect(run.stderr).toMatch(new RegExp(`helm left in place: .*${object.replace('/', ' ')} \\(`));
  }
}

/** After helm succeeded and a later check failed: the release is there and said to be unhealthy; the answers are not saved. */
function installedButUnhealthy(run: Install, sim: SimCluster): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain('Release mlflow revision 1 is installed but not healthy; `mlflow-install uninstall --namespace mlflow --release mlflow` removes it');
  expect(run.stderr).toContain('The answers of this run are not saved in ConfigMap mlflow/mlflow-mlflow-install');
  expect(sim.release('mlflow', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
  expect(sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install')).toBeUndefined();
}

const installScenarios: Scenario[] = [
  {
    name: 'helm fails on a first install and rolls back',
    faults: { helmFailure: { message: 'Internal error occurred: failed calling webhook "validate.example.io": connection refused' } },
    args: postgres,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/Cause: helm upgrade failed: release mlflow failed, and has been uninstalled due to (atomic|rollback-on-failure) being set: Internal error occurred: failed calling webhook/);
      firstInstallRolledBack(run, sim);
    },
  },
  {
    name: 'the server crash-loops (the database refuses the password): diagnostics and the hint',
    faults: { crashLoop: { logs: 'INFO mlflow.store.db.utils: Updating database tables\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "mlflow"' } },
    args: postgresWatched,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/Cause: release mlflow was not ready within --timeout 12s: helm waited for its pods, volume claims and Jobs/);
      expect(run.stderr).toMatch(/pod mlflow-\S+: mlflow: CrashLoopBackOff \(restarted \d+ times?\)/);
      expect(run.stderr).toMatch(/recent events:\n(?: {4}.*\n)* {4}Warning BackOff: /);
      expect(run.stderr).toMatch(/last log lines of mlflow.*:\n(?: {4}.*\n)* {4}sqlalchemy\.exc\.OperationalError: .*password authentication failed for user "mlflow"/);
      expect(run.stderr).toContain('hint: The database refused the user or password.');
      expect(run.stderr).toContain('Fix: Look at the pods\' state, events, logs and hints above');
      firstInstallRolledBack(run, sim);
    },
  },
  {
    name: 'the server never becomes Ready',
    faults: { neverReady: { message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' } },
    args: postgresWatched,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/pod mlflow-\S+: Running but not Ready \(its readiness probe does not pass\)/);
      expect(run.stderr).toMatch(/Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503/);
      firstInstallRolledBack(run, sim);
    },
  },
  {
    name: 'the migration Job fails (the database host does not resolve)',
    faults: { hookFailure: { logs: 'psycopg2.OperationalError: could not translate host name "db.internal" to address: Name or service not known' } },
    args: postgres,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/Cause: .*BackoffLimitExceeded/);
      expect(run.stderr).toContain('could not translate host name "db.internal"');
      expect(run.stderr).toContain('hint: The database did not answer.');
      firstInstallRolledBack(run, sim);
    },
  },
  {
    name: 'a slow server with too short a --timeout',
    faults: { readyAfterMs: 60_000 },
    args: postgres,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/Cause: release mlflow was not ready within --timeout 6s/);
      expect(run.stderr).toContain('rerun with a longer --timeout than 6s');
      firstInstallRolledBack(run, sim);
    },
  },
  {
    name: 'the rollout never finishes for kubectl rollout status',
    faults: { rolloutTimeout: true },
    args: postgres,
    expect: (run, sim) => {
      expect(run.stderr).toContain('Cause: the Deployment of release mlflow did not finish rolling out within --timeout 6s');
      expect(run.stdout).toMatch(/Waiting for deployment "mlflow" rollout to finish/);
      installedButUnhealthy(run, sim);
      expect(run.stderr).toMatch(/Changed by this run before that step, and still in place:\n(?: {2}- .*\n)* {2}- release mlflow installed \(revision 1\)\n/);
    },
  },
  {
    name: 'the chart test fails (Invalid Host header)',
    faults: { helmTestFails: { logs: 'urllib.error.HTTPError: HTTP Error 403: Invalid Host header - possible DNS rebinding attack detected' } },
    args: postgres,
    expect: (run, sim) => {
      expect(run.stderr).toMatch(/Cause: the chart's test \(a pod that asks the server for \/health\) failed/);
      expect(run.stderr).toMatch(/The test said:\n(?: {2}.*\n)* {2}urllib\.error\.HTTPError: HTTP Error 403: Invalid Host header/);
      expect(run.stderr).toContain('hint: MLflow refused the Host header');
      installedButUnhealthy(run, sim);
    },
  },
  {
    name: 'slow steps within --timeout',
    faults: { delays: { 'helm upgrade': 1_500, 'kubectl rollout': 1_000, 'kubectl wait': 1_000 }, readyAfterMs: 1_500 },
    args: [...postgres.filter((arg) => arg !== '6s' && arg !== '--timeout'), '--timeout', '60s'],
    expect: (run, sim) => {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('MLflow is running: release mlflow (revision 1) in namespace mlflow.');
      expect(sim.release('mlflow', 'mlflow')).toMatchObject({ status: 'deployed' });
    },
  },
];

describe.skipIf(!bothHelmsAvailable)('every fault ends with the right exit code, the cause and the fix, and a consistent cluster', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    it.concurrent.each([...preflightScenarios, ...installScenarios].map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      const sim = clusters.create({ helmMajor: major, ...scenario.cluster, faults: scenario.faults });
      const before = namespaceObjects(sim, 'mlflow');
      const password = uniquePassword('fault');
      const run = await install(sim, scenario.args, { env: { MLFLOW_DB_PASSWORD: password } });
      scenario.expect(run, sim, before);
      expectNoLeak(password, sim, run);
    }, 120_000);

    it.concurrent('helm fails on an upgrade: it rolls back, the earlier release stays and serves, the saved answers are the earlier ones', async () => {
      const sim = clusters.create({ helmMajor: major });
      const password = uniquePassword('upgrade');
      const env = { MLFLOW_DB_PASSWORD: password };
      expect((await install(sim, postgres, { env })).code).toBe(0);
      const savedBefore = sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install');
      sim.setFaults({ helmFailure: {} });
      sim.clearCalls();
      const run = await install(sim, [...postgres, '--set', 'backend.volume.size=20Gi'], { env });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/Cause: helm upgrade failed: release mlflow failed, and has been rolled back due to (atomic|rollback-on-failure) being set/);
      expect(run.stderr).toContain('helm rolled back: the earlier release (revision 1) is in place and still serving, as revision 3.');
      expect(run.stderr).toMatch(/Changed by this run before that step, and still in place:\n {2}- Secret mlflow-mlflow-db in mlflow \(created or updated\)\n/);
      expect(sim.release('mlflow', 'mlflow')).toMatchObject({ revision: 3, status: 'deployed', values: expect.objectContaining({ persistence: expect.objectContaining({ size: '10Gi' }) }) });
      expect(sim.object('ConfigMap', 'mlflow', 'mlflow-mlflow-install')).toEqual(savedBefore);
      expectNoLeak(password, sim, run);
    }, 120_000);
  });
});
