import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady } from '../../src/cluster/k8s.js';
import { ensureBuilt } from '../cli/cli.js';
import type { RecordedCall, TestCluster } from '../helpers/kwok/test-cluster.js';
import { faultNamespaces, unreachableDatabaseHost } from '../helpers/kwok/stages.js';
import { closedPortKubeconfig, emptyKubeconfig, kubeconfigWithoutSecrets, markedRun, unreachableWebhook, webhookName } from './cluster-faults.js';
import { changesTheCluster, expectNoLeak, install, majors, noCluster, podsOf, TestClusters, uniquePassword, type Install } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const postgres = (namespace: string, timeout: string): string[] => ['--yes', '--timeout', timeout, '--namespace', namespace, '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];
const local = (namespace: string): string[] => ['--yes', '--timeout', '6s', '--namespace', namespace, '--preset', 'local'];
const serverSelector = 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server';

// What the fault namespaces' containers print (kwok serves it to `kubectl logs`, `--previous` for a crashed one).
const passwordRefused = [
  'INFO mlflow.store.db.utils: Updating database tables',
  'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "mlflow"',
];
const hostUnknown = ['psycopg2.OperationalError: could not translate host name "db.internal" to address: Name or service not known'];
const invalidHost = ['urllib.error.HTTPError: HTTP Error 403: Invalid Host header - possible DNS rebinding attack detected'];
const clusterLogs = [
  { namespaces: [faultNamespaces.crashLoop], current: ['INFO mlflow.server: starting'], previous: passwordRefused },
  { namespaces: [faultNamespaces.neverReady], current: passwordRefused },
  { namespaces: [faultNamespaces.jobFails], current: hostUnknown },
  { namespaces: [faultNamespaces.testFails], current: invalidHost },
];

/** Where a scenario runs: the cluster and the namespace. */
interface Setting {
  cluster: TestCluster;
  namespace: string;
}

interface Scenario {
  name: string;
  namespace: string;
  /** On the cluster without a StorageClass or an IngressClass. */
  bare?: boolean;
  /** Prepares the cluster; returns more environment for the run. */
  setup?: (setting: Setting) => Promise<Record<string, string>>;
  args: (namespace: string) => string[];
  expect: (run: Install, setting: Setting & { calls: RecordedCall[]; before: string[] }) => Promise<void>;
}

/**
 * The calls that leave something in the cluster: not the database check's pod, which the run deletes again (a
 * `kubectl create -f - --namespace NS` matched by a `kubectl delete pod mlflow-install-db-check-...` there).
 */
function lastingChanges(calls: readonly RecordedCall[]): RecordedCall[] {
  const namespaceOf = (call: RecordedCall): string | undefined => call.argv[call.argv.indexOf('--namespace') + 1];
  const isCheckPodDelete = (call: RecordedCall): boolean => call.tool === 'kubectl' && call.argv[0] === 'delete' && call.argv[1] === 'pod' && (call.argv[2] ?? '').startsWith('mlflow-install-db-check-');
  const checkPodsDeleted = calls.filter(isCheckPodDelete).map(namespaceOf);
  return calls.filter(changesTheCluster).filter((call) => {
    if (isCheckPodDelete(call)) return false;
    const created = call.tool === 'kubectl' && call.argv[0] === 'create' && call.argv.includes('--namespace') ? checkPodsDeleted.indexOf(namespaceOf(call)) : -1;
    if (created === -1) return true;
    checkPodsDeleted.splice(created, 1);
    return false;
  });
}

/** A preflight failure: exit 1, each failed check with its fix, nothing in the cluster touched. */
function preflightFailure(lines: RegExp[], failed: RegExp = /.+/): Scenario['expect'] {
  return async (run, { cluster, namespace, calls, before }) => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('Preflight found problems; nothing was changed in the cluster.');
    for (const line of lines) expect(run.stderr).toMatch(line);
    expect(run.stderr).toMatch(new RegExp(`mlflow-install: preflight failed \\((${failed.source})\\); nothing was changed$`));
    expect(run.stdout).not.toContain('MLflow is running');
    expect(calls.length, 'the run went through the recorded helm and kubectl').toBeGreaterThan(0);
    expect(lastingChanges(calls)).toEqual([]);
    expect(await cluster.namespaceObjects(namespace)).toEqual(before);
  };
}

const preflightScenarios: Scenario[] = [
  {
    name: 'no helm where --helm points',
    namespace: 'no-helm',
    args: (namespace) => [...postgres(namespace, '6s'), '--helm', '/nonexistent/helm'],
    expect: async (run, setting) => {
      // The chart and the release cannot be read without helm: each says so once, instead of blaming the values or the access.
      expect(run.stdout).toMatch(/↓ chart: not rendered: no usable helm \(see the helm check\)/);
      expect(run.stderr).not.toContain('The values do not render');
      expect(run.stderr, 'the release check blames the access to Secrets for a missing helm').not.toContain('must be able to read Secrets');
      await preflightFailure([/✖ helm: helm was not found at \/nonexistent\/helm\n +Fix: .*point --helm at it/], /helm/)(run, setting);
      expect(await setting.cluster.object('Namespace', undefined, setting.namespace)).toBeUndefined();
    },
  },
  {
    name: 'no kubeconfig (KUBECONFIG names an empty file)',
    namespace: 'no-kubeconfig',
    setup: async ({ cluster }) => ({ KUBECONFIG: emptyKubeconfig(cluster) }),
    args: (namespace) => postgres(namespace, '6s'),
    expect: preflightFailure(
      [
        /✖ kube context: no kube context: .+\n +Fix: Choose a context with `kubectl config use-context NAME` or --context NAME/,
        /✖ API server: the API server did not answer: .*localhost:8080 was refused.*\n +Fix: Check that the cluster is running and reachable/,
      ],
      /kube context, API server/,
    ),
  },
  {
    name: 'the API server unreachable (a closed port)',
    namespace: 'unreachable',
    setup: async ({ cluster }) => ({ KUBECONFIG: closedPortKubeconfig(cluster).file }),
    args: (namespace) => postgres(namespace, '6s'),
    expect: async (run, setting) => {
      await preflightFailure([/✖ API server: the API server did not answer: The connection to the server 127\.0\.0\.1:1 was refused.*\n +Fix: Check that the cluster is running/], /API server/)(run, setting);
      expect(run.stdout).toMatch(/↓ permissions: not checked: the cluster did not answer/);
      expect(run.stdout).toMatch(/↓ release: not checked: the cluster did not answer/);
      expect(run.stderr).not.toMatch(/✖ (permissions|release)/);
    },
  },
  {
    name: 'forbidden to create and list Secrets (a ServiceAccount token)',
    namespace: 'no-secrets',
    setup: async ({ cluster, namespace }) => ({ KUBECONFIG: await kubeconfigWithoutSecrets(cluster, namespace) }),
    args: (namespace) => postgres(namespace, '6s'),
    expect: preflightFailure(
      [/✖ permissions: not allowed in no-secrets\b.*\n(?: {6}- .*\n)*/, /\n {6}- create secrets\n/, /\n {6}- list secrets\n/, /\n +Fix: .*ask a cluster admin for these permissions in no-secrets/],
      /.*permissions.*/,
    ),
  },
  {
    name: 'no StorageClass for the volume',
    namespace: 'no-storage-class',
    bare: true,
    args: local,
    expect: preflightFailure([/✖ storage class: no default StorageClass: the volume's claim would stay Pending \(this cluster has none\)\n +Fix: Install a volume provisioner/], /storage class/),
  },
  {
    name: 'no IngressClass for the ingress',
    namespace: 'no-ingress-class',
    bare: true,
    // Artifacts in a bucket: no volume, so the missing StorageClass does not matter here.
    args: (namespace) => [...postgres(namespace, '6s'), '--set', 'artifacts.root=s3://bucket/mlflow', '--set', 'ingress.enabled=true', '--set', 'ingress.host=mlflow.example.com'],
    expect: preflightFailure([/✖ ingress class: no IngressClass: this cluster has no ingress controller\n +Fix: Install an ingress controller/], /ingress class/),
  },
  {
    name: 'the database does not answer from inside the cluster',
    namespace: 'db-unreachable',
    args: (namespace) => ['--yes', '--timeout', '6s', '--namespace', namespace, '--preset', 'postgres', '--set', `backend.db.host=${unreachableDatabaseHost}`],
    expect: preflightFailure(
      [/✖ database: unreachable\.db\.invalid:5432 did not answer from inside the cluster: could not connect to unreachable\.db\.invalid: \[Errno -2\] Name or service not known\n +Fix: Check the host name and port/],
      /database/,
    ),
  },
];

/**
 * What is said after helm failed on a first install: helm removed the release; the Secret stays (and the namespace,
 * when the run created it), and so does what helm keeps (the volume claim, a failed hook Job): each of them named.
 */
async function firstInstallRolledBack(run: Install, cluster: TestCluster, namespace: string, { created, timeout }: { created: boolean; timeout: string }): Promise<void> {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain('Nothing of release mlflow is installed: helm removed what it had created (helm rolled back the first install).');
  const namespaceLine = created ? ` {2}- namespace ${namespace} \\(created\\)\\n` : '';
  expect(run.stderr).toMatch(
    new RegExp(`Changed by this run before that step, and still in place:\\n${namespaceLine} {2}- Secret mlflow-mlflow-db in ${namespace} \\(created or updated\\)\\n {2}- Secret mlflow-mlflow-auth in ${namespace} \\(created\\)\\n`),
  );
  if (created) expect(run.stderr).toContain(`kubectl delete namespace ${namespace}`);
  expect(run.stderr).toContain(`The answers of this run are not saved in ConfigMap ${namespace}/mlflow-mlflow-install`);
  expect(run.stderr).toContain(`Then, rerun the same command:\n  npx mlflow-install --yes --preset postgres --namespace ${namespace} --set backend.db.host=db.internal --timeout ${timeout}\n`);
  expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
  // Only release mlflow's objects (named mlflow or mlflow-*): another release may share the namespace.
  const left = (await cluster.namespaceObjects(namespace)).filter((object) => /^\w+\/mlflow(-|$)/.test(object));
  // The run's Secrets stay (the login's too: a rerun must find the same admin password).
  const secrets = ['Secret/mlflow-mlflow-db', 'Secret/mlflow-mlflow-auth'];
  expect(left).toEqual(expect.arrayContaining(secrets));
  for (const object of left.filter((name) => !secrets.includes(name))) {
    expect(object).toMatch(/^(PersistentVolumeClaim|Job)\//);
    expect(run.stderr).toMatch(new RegExp(`helm left in place: .*${object.replace('/', ' ')} \\(`));
  }
  expect(await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install')).toBeUndefined();
}

/** After helm succeeded and a later check failed: the release is there and said to be unhealthy; the answers are not saved. */
async function installedButUnhealthy(run: Install, cluster: TestCluster, namespace: string): Promise<void> {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(`Release mlflow revision 1 is installed but not healthy; \`mlflow-install uninstall --namespace ${namespace} --release mlflow\` removes it`);
  expect(run.stderr).toContain(`The answers of this run are not saved in ConfigMap ${namespace}/mlflow-mlflow-install`);
  expect(run.stderr).toMatch(/Changed by this run before that step, and still in place:\n(?: {2}- .*\n)* {2}- release mlflow installed \(revision 1\)\n/);
  expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
  expect(await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install')).toBeUndefined();
}

/**
 * The volume claim was bound and the pod scheduled: a FailedScheduling event from the moment before the claim bound
 * (a real scheduler emits one when pod and claim are created together) is no reason to blame the StorageClass.
 */
async function noStaleClaimHint(run: Install, cluster: TestCluster, namespace: string): Promise<void> {
  const claim = (await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data')) as { status?: { phase?: string } } | undefined;
  if (claim?.status?.phase === 'Bound') expect(run.stderr, 'a hint blames the StorageClass for a claim that is Bound').not.toContain("hint: The volume's claim is Pending");
}

// No scenario for "kubectl rollout status times out after helm's wait passed": on a real cluster helm waits for the
// same rollout, so the later wait cannot fail where helm's passed.
const installScenarios: Scenario[] = [
  {
    name: 'helm fails on a first install (an admission webhook that cannot be called) and rolls back',
    namespace: 'webhook',
    setup: async ({ cluster, namespace }) => {
      await cluster.kwok.apply(unreachableWebhook(namespace, ['CREATE']));
      return {};
    },
    args: (namespace) => postgres(namespace, '60s'),
    expect: async (run, { cluster, namespace }) => {
      expect(run.stderr).toMatch(new RegExp(`\\nCause: helm upgrade failed: .*failed calling webhook "${webhookName.replaceAll('.', '\\.')}"`));
      expect(run.stderr).toContain("Fix: Read helm's message and the diagnostics above, fix what they point at, and rerun.");
      await firstInstallRolledBack(run, cluster, namespace, { created: true, timeout: '60s' });
      expect(await cluster.object('Namespace', undefined, namespace)).toBeDefined();
    },
  },
  {
    name: 'the server crash-loops (the database refuses the password): diagnostics and the hint',
    namespace: faultNamespaces.crashLoop,
    args: (namespace) => postgres(namespace, '20s'),
    expect: async (run, { cluster, namespace }) => {
      expect(run.stderr).toMatch(/\nCause: release mlflow was not ready within --timeout 20s: helm waited for its pods, volume claims and Jobs/);
      expect(run.stderr).toMatch(/\npod mlflow-\S+: mlflow: CrashLoopBackOff \(restarted 4 times\)/);
      expect(run.stderr).toMatch(/recent events:\n(?: {4}.*\n)* {4}Warning BackOff: Back-off restarting failed container mlflow/);
      expect(run.stderr).toMatch(/last log lines of mlflow \(before its last restart\):\n(?: {4}.*\n)* {4}sqlalchemy\.exc\.OperationalError: .*password authentication failed for user "mlflow"/);
      expect(run.stderr).toContain('hint: The database refused the user or password.');
      expect(run.stderr).toContain("Fix: Look at the pods' state, events, logs and hints above");
      await noStaleClaimHint(run, cluster, namespace);
      await firstInstallRolledBack(run, cluster, namespace, { created: false, timeout: '20s' });
    },
  },
  {
    name: 'the server never becomes Ready',
    namespace: faultNamespaces.neverReady,
    args: (namespace) => postgres(namespace, '20s'),
    expect: async (run, { cluster, namespace }) => {
      expect(run.stderr).toMatch(/\nCause: release mlflow was not ready within --timeout 20s/);
      expect(run.stderr).toMatch(/\npod mlflow-\S+: Running but not Ready \(its readiness probe does not pass\)/);
      expect(run.stderr).toMatch(/ {4}Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503\n/);
      expect(run.stderr).toMatch(/last log lines of mlflow:\n(?: {4}.*\n)* {4}sqlalchemy\.exc\.OperationalError: .*password authentication failed/);
      expect(run.stderr).toContain('hint: The database refused the user or password.');
      await noStaleClaimHint(run, cluster, namespace);
      await firstInstallRolledBack(run, cluster, namespace, { created: false, timeout: '20s' });
    },
  },
  {
    name: 'the migration Job fails (the database host does not resolve)',
    namespace: faultNamespaces.jobFails,
    // The Job retries twice (backoffLimit 2) with 10 s and 20 s between: helm sees it fail after about 40 s.
    args: (namespace) => postgres(namespace, '120s'),
    expect: async (run, { cluster, namespace }) => {
      // helm 3: "job mlflow-migrate failed: BackoffLimitExceeded"; helm 4: "resource Job/jobfails/mlflow-migrate not ready. status: Failed".
      expect(run.stderr).toMatch(/\nCause: helm upgrade failed: .*(job mlflow-migrate failed: BackoffLimitExceeded|Job\/jobfails\/mlflow-migrate not ready\. status: Failed)/);
      expect(run.stderr).toMatch(/\npod mlflow-migrate-\S+: migrate: exited with 1 \(Error\)\n/);
      expect(run.stderr).toMatch(/last log lines of migrate:\n {4}psycopg2\.OperationalError: could not translate host name "db\.internal" to address/);
      expect(run.stderr).toContain('hint: The database did not answer.');
      await firstInstallRolledBack(run, cluster, namespace, { created: false, timeout: '120s' });
      // The failed hook is kept for its logs, and named with the command that removes it.
      expect(await cluster.namespaceObjects(namespace)).toContain('Job/mlflow-migrate');
      expect(run.stderr).toContain(`helm left in place: Job mlflow-migrate (a failed hook, kept for its logs); \`kubectl delete job/mlflow-migrate --namespace ${namespace}\` removes it.`);
    },
  },
  {
    name: 'a slow server with too short a --timeout',
    namespace: faultNamespaces.slowStart,
    args: (namespace) => postgres(namespace, '6s'),
    expect: async (run, { cluster, namespace }) => {
      expect(run.stderr).toMatch(/\nCause: release mlflow was not ready within --timeout 6s/);
      expect(run.stderr).toContain('rerun with a longer --timeout than 6s');
      await firstInstallRolledBack(run, cluster, namespace, { created: false, timeout: '6s' });
    },
  },
  {
    name: 'the chart test fails (Invalid Host header)',
    namespace: faultNamespaces.testFails,
    args: (namespace) => postgres(namespace, '90s'),
    expect: async (run, { cluster, namespace }) => {
      expect(run.stderr).toMatch(/\nCause: the chart's test \(a pod that asks the server for \/health\) failed: .*mlflow-test-health/);
      // helm test (without --logs) prints the suite's phase; the test's own words are in its pod's log.
      expect(run.stderr).toMatch(/The test said:\n(?: {2}.*\n)* {2}Phase: +Failed\n/);
      expect(run.stderr).toMatch(/\npod mlflow-test-health: health: exited with 1 \(Error\)\n/);
      expect(run.stderr).toMatch(/last log lines of health:\n {4}urllib\.error\.HTTPError: HTTP Error 403: Invalid Host header/);
      expect(run.stderr).toContain('hint: MLflow refused the Host header');
      await installedButUnhealthy(run, cluster, namespace);
      // The server runs; the failed test pod is kept (helm deletes it only when it succeeds).
      expect((await podsOf(cluster, namespace, serverSelector)).every(isPodReady)).toBe(true);
      expect(await cluster.object('Pod', namespace, 'mlflow-test-health')).toMatchObject({ status: { phase: 'Failed' } });
    },
  },
  {
    name: 'a slow server within --timeout',
    namespace: faultNamespaces.slowStart,
    // Its own release: the scenario above uses the default one in the same namespace.
    args: (namespace) => [...postgres(namespace, '150s'), '--release', 'patient'],
    expect: async (run, { cluster, namespace }) => {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('✔ Installed the release patient (revision 1)');
      expect(run.stdout).toContain(`MLflow is running: release patient (revision 1) in namespace ${namespace}.`);
      expect(await cluster.release(namespace, 'patient')).toMatchObject({ revision: 1, status: 'deployed' });
      const pods = await podsOf(cluster, namespace, 'app.kubernetes.io/instance=patient,app.kubernetes.io/component=tracking-server');
      expect(pods.map(isPodReady)).toEqual([true]);
      expect(await cluster.object('ConfigMap', namespace, 'patient-mlflow-install')).toBeDefined();
    },
  },
];

describe.skipIf(noCluster !== undefined)('every fault ends with the right exit code, the cause and the fix, and a consistent cluster', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    // One cluster for every scenario (each in its own namespace, the pod faults in kwok's fault namespaces), and one
    // without a StorageClass or an IngressClass.
    let cluster: TestCluster;
    let bare: TestCluster;
    beforeAll(async () => {
      [cluster, bare] = await Promise.all([clusters.create({ helmMajor: major, logs: clusterLogs }), clusters.create({ helmMajor: major, storageClass: false, ingressClass: false })]);
    }, 180_000);

    it.concurrent('helm fails on an upgrade (a webhook refuses the changed Deployment): it rolls back, the earlier release stays and serves, the saved answers are the earlier ones', async () => {
      const namespace = 'upgrade-refused';
      const password = uniquePassword('upgrade');
      const env = { MLFLOW_DB_PASSWORD: password };
      const args = postgres(namespace, '60s');
      const first = await install(cluster, args, { env });
      expect(first.code, first.stderr).toBe(0);
      const savedBefore = await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install');
      // Only a Deployment with the scrape annotations is refused: helm's rollback to revision 1 passes.
      await cluster.kwok.apply(unreachableWebhook(namespace, ['UPDATE'], "has(object.spec.template.metadata.annotations) && 'prometheus.io/scrape' in object.spec.template.metadata.annotations"));
      const run = await install(cluster, [...args, '--set', 'prometheus.expose=true'], { env });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`\\nCause: helm upgrade failed: release mlflow failed, and has been rolled back due to (atomic|rollback-on-failure) being set: .*failed calling webhook "${webhookName.replaceAll('.', '\\.')}"`),
      );
      expect(run.stderr).toContain('helm rolled back: the earlier release (revision 1) is in place and still serving, as revision 3.');
      expect(run.stderr).toMatch(/Changed by this run before that step, and still in place:\n {2}- Secret mlflow-mlflow-db in upgrade-refused \(created or updated\)\n {2}To remove/);
      expect(run.stderr).toContain('Then, rerun the same command:\n  npx mlflow-install --yes --preset postgres --namespace upgrade-refused --set backend.db.host=db.internal --set prometheus.expose=true --timeout 60s\n');
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 3, status: 'deployed', values: expect.objectContaining({ prometheus: expect.objectContaining({ expose: false }) }) });
      expect(await cluster.object('ConfigMap', namespace, 'mlflow-mlflow-install')).toEqual(savedBefore);
      const deployment = (await cluster.object('Deployment', namespace, 'mlflow')) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } } | undefined;
      expect(deployment?.spec.template.metadata.annotations).not.toHaveProperty('prometheus.io/scrape');
      const pods = await podsOf(cluster, namespace, serverSelector);
      expect(pods.map(isPodReady)).toEqual([true]);
      await expectNoLeak(password, cluster, run, namespace);
    }, 240_000);

    it.concurrent('an upgrade the API server refuses (a bigger volume its StorageClass cannot expand): the refusal is the cause, not a missing permission', async () => {
      const namespace = 'resize-refused';
      const args = ['--yes', '--timeout', '60s', '--namespace', namespace, '--preset', 'local'];
      const first = await install(cluster, args);
      expect(first.code, first.stderr).toBe(0);
      const run = await install(cluster, [...args, '--set', 'backend.volume.size=20Gi']);
      expect(run.code, run.stderr).toBe(1);
      // The PersistentVolumeClaimResize admission plugin says "forbidden": a rule of the cluster, not RBAC.
      expect(run.stderr).toMatch(/\nCause: .*persistentvolumeclaims "mlflow-data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
      expect(run.stderr).toContain('helm rolled back: the earlier release (revision 1) is in place and still serving, as revision 3.');
      expect(run.stderr, 'an admission refusal explained as a missing permission').not.toMatch(/Cause: helm was refused|Ask a cluster admin for the permission/);
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 3, status: 'deployed', values: expect.objectContaining({ persistence: expect.objectContaining({ size: '10Gi' }) }) });
      expect(await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data')).toMatchObject({ spec: { resources: { requests: { storage: '10Gi' } } }, status: { phase: 'Bound' } });
    }, 240_000);

    // The longest first, so that the last to start are the quick ones.
    it.concurrent.each([...[...installScenarios].reverse(), ...preflightScenarios].map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      const setting: Setting = { cluster: scenario.bare ? bare : cluster, namespace: scenario.namespace };
      const extra = (await scenario.setup?.(setting)) ?? {};
      const before = await setting.cluster.namespaceObjects(scenario.namespace);
      const marked = markedRun();
      const password = uniquePassword('fault');
      const run = await install(setting.cluster, scenario.args(scenario.namespace), { env: { MLFLOW_DB_PASSWORD: password, ...marked.env, ...extra } });
      await scenario.expect(run, { ...setting, calls: marked.calls(setting.cluster), before });
      await expectNoLeak(password, setting.cluster, run, scenario.namespace);
    }, 240_000);

  });
});
