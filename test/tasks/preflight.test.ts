import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/cluster/kubectl.js';
import type { Manifest } from '../../src/plan/manifests.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { requiredPermissions, runPreflight, type CheckResult, type PreflightInput, type PreflightReport } from '../../src/tasks/preflight.js';
import { fakeBinary } from '../cluster/fake-bin.js';
import { chartImage, namespaceObject, noPodsNamespace, slowTools, until } from '../cluster/real-fixtures.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { toChartValues } from '../../src/answers/to-values.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { renderChart } from '../helpers/render.js';
import { toolSet } from '../helpers/tools.js';
import { unreachableDatabaseHost } from '../helpers/kwok/stages.js';
import { TestCluster, TestClusters } from '../helpers/kwok/test-cluster.js';

const fileBackend: PreflightInput = {
  namespace: 'mlflow',
  backend: 'file',
  volume: {},
  serviceMonitor: false,
  secrets: { provider: 'kubernetes', installDriver: false },
};

function database(host: string, port = 5432): PreflightInput['database'] {
  return { host, port, image: chartImage, imagePullSecrets: [] };
}

const postgres = (namespace: string, host: string): PreflightInput => ({ ...fileBackend, namespace, backend: 'postgres', volume: undefined, database: database(host) });

/** The chart rendered by the real helm for the aurora flow (server, migrate and create-database Jobs, helm test pod). */
async function renderedChart(namespace: string, chartValues: Record<string, unknown> = {}): Promise<Manifest[]> {
  const set = ['backend.type=postgres', 'backend.db.host=db.internal', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=admin'];
  const answers = resolveAnswers({ release: 'mlflow', namespace, set }).answers;
  const result = await renderChart(toolSet(4), { ...toChartValues(answers), ...chartValues }, { namespace });
  if (!result.ok) throw new Error(result.stderr);
  return result.manifests as Manifest[];
}

/** A namespace whose admission (a ValidatingAdmissionPolicy) refuses pods not pulled from registry.internal with the regcred Secret. */
function privateRegistryNamespace(name: string): object[] {
  return [
    namespaceObject(name),
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'private-registry-only' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
        },
        validations: [
          {
            expression: "object.spec.containers.all(c, c.image.startsWith('registry.internal/')) && has(object.spec.imagePullSecrets) && object.spec.imagePullSecrets.exists(s, s.name == 'regcred')",
            message: 'pods here pull from registry.internal with the regcred Secret',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'private-registry-only' },
      spec: { policyName: 'private-registry-only', validationActions: ['Deny'] },
    },
  ];
}

/** The recorded `kubectl create` calls of namespaced objects: the check pod's (access reviews are cluster-wide). */
function checkPodCreations(cluster: TestCluster): string[][] {
  return cluster.calls('kubectl').map((call) => call.argv).filter((argv) => argv[0] === 'create' && argv.includes('--namespace'));
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
      database: database('db'),
      ingress: {},
      serviceMonitor: true,
      secrets: { provider: 'aws', installDriver: true },
      autoscaling: true,
    }).map(([, resource]) => resource);
    expect(everything).toEqual(expect.arrayContaining(['jobs.batch', 'ingresses.networking.k8s.io', 'servicemonitors.monitoring.coreos.com', 'secretproviderclasses.secrets-store.csi.x-k8s.io', 'horizontalpodautoscalers.autoscaling']));
    expect(everything).not.toContain('persistentvolumeclaims');
  });
});

const unavailable = clusterUnavailable();
if (unavailable) process.stderr.write(`[preflight tests] skipped: ${unavailable}\n`);

interface Tools {
  env?: Record<string, string>;
  kubectl?: string;
  helm?: string;
  /** The chart as the install renders it: the Pod Security check runs with it. */
  rendered?: readonly Manifest[];
}

/** The preflight as the installer runs it: kubectl and helm through the recorders, KUBECONFIG from the environment. */
async function preflight(cluster: TestCluster, input: PreflightInput, tools: Tools = {}): Promise<PreflightReport> {
  const runner = new CommandRunner({ env: cluster.env(tools.env) });
  const kubectl = new Kubectl(runner, { binary: tools.kubectl ?? 'kubectl', namespace: input.namespace });
  return runPreflight({ runner, kubectl, helmBinary: tools.helm ?? 'helm', kube: {}, ...(tools.rendered ? { rendered: Promise.resolve(tools.rendered) } : {}) }, input);
}

describe.skipIf(unavailable !== undefined)('preflight on a real control plane', () => {
  const clusters = new TestClusters();
  // Three clusters, as their cluster-wide state differs, started together.
  let ready: TestCluster;
  let bare: TestCluster;
  let stopped: TestCluster;
  beforeAll(async () => {
    [ready, bare, stopped] = await Promise.all([
      // What an install may ask for: default StorageClass and IngressClass, the ServiceMonitor CRD.
      clusters.create({
        helmMajor: 4,
        crds: ['servicemonitors.monitoring.coreos.com'],
        objects: [
          { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } },
          namespaceObject('mlflow', { labels: { 'istio-injection': 'enabled' } }),
          namespaceObject('meshed', { annotations: { 'linkerd.io/inject': 'enabled' } }),
          namespaceObject('db-checks'),
          ...noPodsNamespace('no-pods'),
          namespaceObject('psa-restricted', { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }),
          namespaceObject('psa-baseline', { labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.34' } }),
          ...privateRegistryNamespace('private-registry'),
        ],
      }),
      // No StorageClass, IngressClass or CRD; its tests add the classes they need.
      clusters.create({ helmMajor: 4, storageClass: false, ingressClass: false }),
      // Its API server is stopped by the one test that uses it.
      clusters.create({ helmMajor: 4 }),
    ]);
  }, 300_000);
  afterAll(() => clusters.cleanup());

  describe('a ready cluster', () => {
    let cluster: TestCluster;
    beforeAll(() => {
      cluster = ready;
    });

    it('passes everything, and reports what later steps need', async () => {
      cluster.clearCalls();
      const report = await preflight(cluster, {
        ...fileBackend,
        ingress: {},
        serviceMonitor: true,
        secrets: { provider: 'aws', installDriver: true },
        database: database('db.internal'),
      });
      expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks.map((c) => c.id)).toEqual(['kubectl', 'helm', 'context', 'api', 'permissions', 'mesh', 'storage-class', 'ingress-class', 'service-monitor', 'secret-provider', 'database']);
      const helmVersion = (await cluster.exec('helm', ['version', '--template', '{{.Version}}'])).stdout.trim();
      expect(helmVersion).toMatch(/^v4\.\d+\.\d+$/);
      expect(check(report, 'helm')?.detail).toBe(`helm ${helmVersion}`);
      expect(check(report, 'kubectl')?.detail).toMatch(/^kubectl v1\.\d+\.\d+$/);
      const { context, server } = cluster.identity();
      expect(context).toMatch(/^kwok-/);
      expect(check(report, 'context')?.detail).toBe(`${context} (API server ${server})`);
      expect(check(report, 'api')?.detail).toBe('Kubernetes v1.34.4 answers');
      expect(check(report, 'permissions')?.detail).toBe('may create everything the chart needs in mlflow');
      expect(check(report, 'storage-class')?.detail).toBe('the volume uses the default StorageClass standard');
      expect(check(report, 'ingress-class')?.detail).toBe('the ingress uses the default IngressClass nginx');
      expect(check(report, 'service-monitor')?.detail).toBe('servicemonitors.monitoring.coreos.com is installed');
      expect(check(report, 'mesh')?.detail).toMatch(/^Istio injects sidecars in mlflow: the chart's Jobs are annotated/);
      expect(check(report, 'secret-provider')?.detail).toMatch(/will be installed in kube-system with the aws provider/);
      expect(check(report, 'database')?.detail).toBe('db.internal:5432 answers from inside the cluster');
      expect(report.findings).toMatchObject({ mesh: 'istio', namespaceExists: true, installSecretsDriver: true, identity: { context, server } });
      expect(report.findings.helm?.major).toBe(4);
      // The database check: a pod created from a manifest in the release namespace, polled, then deleted.
      const words = cluster.calls('kubectl').map((call) => call.argv);
      expect(checkPodCreations(cluster)).toEqual([['create', '-f', '-', '--namespace', 'mlflow']]);
      const deleted = words.find((argv) => argv[0] === 'delete');
      expect(deleted?.slice(0, 3)).toEqual(['delete', 'pod', expect.stringMatching(/^mlflow-install-db-check-/)]);
      expect(words.map((argv) => argv[0])).not.toContain('run');
      await until('the check pod to be deleted', async () => ((await cluster.objects('pods', 'mlflow')).length === 0 ? true : undefined));
    }, 180_000);

    it('runs the checks at once: with every command slowed down, all start before the first one finishes', async () => {
      const delayMs = 1_000;
      const slow = slowTools(cluster.dir, delayMs, { kubectl: cluster.kubectl, helm: cluster.helm });
      const report = await preflight(cluster, { ...fileBackend, ingress: {} }, { kubectl: slow.kubectl, helm: slow.helm });
      expect(report.ok).toBe(true);
      const calls = slow.calls();
      // helm's version, kubectl's versions and context, the namespace, the access reviews, both classes.
      expect(calls.length).toBeGreaterThanOrEqual(6);
      expect(new Set(calls.map((call) => call.tool))).toEqual(new Set(['kubectl', 'helm']));
      // One after another, no call could start before the first one ended (its delay and the real call); none of
      // these checks waits for another, so every call starts before any ends. This checks the order of events,
      // not how fast the machine is (that is bench/'s job).
      const firstEnd = Math.min(...calls.map((call) => call.end));
      expect(calls.filter((call) => call.start >= firstEnd).map((call) => call.argv.join(' '))).toEqual([]);
    }, 180_000);

    it('lists what RBAC does not allow, one permission a line, including creating the namespace when it is missing', async () => {
      // Cluster-wide: may read namespaces and Secrets and create most of what the chart needs, but not Secrets.
      await cluster.kwok.apply([
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'installer-without-secret-writes' },
          rules: [
            { apiGroups: [''], resources: ['namespaces', 'secrets'], verbs: ['get', 'list'] },
            { apiGroups: [''], resources: ['services', 'serviceaccounts', 'pods', 'persistentvolumeclaims'], verbs: ['create'] },
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
            { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['list'] },
          ],
        },
      ]);
      const kubeconfig = await cluster.serviceAccountKubeconfig('ops', 'bob');
      await cluster.kwok.apply([
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'bob-installer' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'installer-without-secret-writes' },
          subjects: [{ kind: 'ServiceAccount', name: 'bob', namespace: 'ops' }],
        },
      ]);
      const report = await preflight(cluster, { ...fileBackend, namespace: 'new-ns' }, { env: { KUBECONFIG: kubeconfig } });
      expect(check(report, 'permissions')).toEqual({
        id: 'permissions',
        title: 'permissions',
        status: 'fail',
        detail: 'not allowed in new-ns, these 2 permissions are missing:\n      - create namespaces (cluster-wide)\n      - create secrets',
        fix: 'Use --namespace with a namespace you may write to, or ask a cluster admin for these permissions in new-ns (e.g. a RoleBinding to the admin ClusterRole there).',
      });
      expect(check(report, 'mesh')?.detail).toBe('namespace new-ns does not exist yet: it will be created, without mesh injection');
      expect(check(report, 'storage-class')?.status).toBe('pass');
      expect(check(report, 'context')?.detail).toMatch(/^bob@ops \(API server https:\/\/127\.0\.0\.1:\d+\)$/);
      expect(report.findings.namespaceExists).toBe(false);
      expect(report.ok).toBe(false);
    }, 180_000);

    describe('a namespace admin (the admin ClusterRole bound in team-a, nothing cluster-wide)', () => {
      let kubeconfig: string;
      beforeAll(async () => {
        kubeconfig = await cluster.serviceAccountKubeconfig('team-a', 'alice');
        await cluster.bindInNamespace('team-a', 'admin', { name: 'alice', namespace: 'team-a' });
        await cluster.kwok.apply([namespaceObject('team-b')]);
      }, 120_000);

      it('passes in its own namespace: each refused cluster-wide read is a warning saying what follows', async () => {
        const report = await preflight(cluster, { ...fileBackend, namespace: 'team-a', ingress: {} }, { env: { KUBECONFIG: kubeconfig } });
        expect(report.ok).toBe(true);
        expect(check(report, 'permissions')).toMatchObject({ status: 'pass', detail: 'may create everything the chart needs in team-a' });
        expect(check(report, 'mesh')).toMatchObject({ status: 'pass', detail: 'no Istio or Linkerd injection on team-a' });
        expect(check(report, 'storage-class')).toEqual({
          id: 'storage-class',
          title: 'storage class',
          status: 'warn',
          detail: 'could not see the StorageClasses: not allowed to list storageclasses.storage.k8s.io (cluster-wide)',
          fix: "The volume's claim uses the cluster's default class; if there is no such class it stays Pending, and the install stops at --timeout naming the claim.",
        });
        expect(check(report, 'ingress-class')).toMatchObject({ status: 'warn', detail: 'could not see the IngressClasses: not allowed to list ingressclasses.networking.k8s.io (cluster-wide)' });
        expect(report.findings).toMatchObject({ namespaceExists: true, identity: { context: 'alice@team-a', namespace: 'team-a' } });
      }, 180_000);

      it('cannot tell whether the CRDs are there: warnings, and the CSI driver is not installed by this run', async () => {
        const report = await preflight(cluster, { ...fileBackend, namespace: 'team-a', serviceMonitor: true, secrets: { provider: 'vault', installDriver: true } }, { env: { KUBECONFIG: kubeconfig } });
        expect(check(report, 'service-monitor')).toMatchObject({
          status: 'warn',
          detail: 'could not tell whether the Prometheus Operator is installed: not allowed to get customresourcedefinitions.apiextensions.k8s.io (cluster-wide)',
        });
        expect(check(report, 'secret-provider')).toMatchObject({ status: 'warn', detail: expect.stringContaining('this run does not install it (that needs cluster-wide rights)') });
        expect(report.findings.installSecretsDriver).toBe(false);
      }, 180_000);

      it('fails in a namespace it may not write to: one line per missing permission, no raw refusal', async () => {
        const report = await preflight(cluster, { ...fileBackend, namespace: 'team-b' }, { env: { KUBECONFIG: kubeconfig } });
        expect(check(report, 'permissions')).toMatchObject({
          status: 'fail',
          detail: [
            'not allowed in team-b, these 7 permissions are missing:',
            '      - create deployments.apps',
            '      - create services',
            '      - create serviceaccounts',
            '      - create secrets',
            '      - create pods',
            '      - create persistentvolumeclaims',
            '      - list secrets',
          ].join('\n'),
        });
        expect(check(report, 'mesh')).toMatchObject({ status: 'warn', detail: 'could not read namespace team-b: not allowed to get namespaces in team-b' });
        expect(report.checks.map((c) => c.detail).join('\n')).not.toContain('Error from server');
        expect(report.ok).toBe(false);
      }, 180_000);
    });

    it('checks the database from a user that may write to a namespace but not read the namespace object: the check pod runs there', async () => {
      // A Role with every write the install needs in team-c, and no rule for namespaces (a common hand-written Role).
      const kubeconfig = await cluster.serviceAccountKubeconfig('team-c', 'dana');
      await cluster.kwok.apply([
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'installer', namespace: 'team-c' },
          rules: [
            { apiGroups: [''], resources: ['services', 'serviceaccounts', 'pods', 'secrets', 'persistentvolumeclaims'], verbs: ['create', 'get', 'list', 'delete'] },
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
            { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'dana-installer', namespace: 'team-c' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'installer' },
          subjects: [{ kind: 'ServiceAccount', name: 'dana', namespace: 'team-c' }],
        },
      ]);
      const report = await preflight(cluster, postgres('team-c', 'db.internal'), { env: { KUBECONFIG: kubeconfig } });
      expect(check(report, 'permissions')?.status).toBe('pass');
      expect(check(report, 'mesh')).toMatchObject({ status: 'warn', detail: 'could not read namespace team-c: not allowed to get namespaces in team-c' });
      // A namespace that may not be read is taken to exist (as the permissions check does): no raw refusal, no failure.
      expect(check(report, 'database')).toMatchObject({ status: 'pass', detail: 'db.internal:5432 answers from inside the cluster' });
      expect(report.ok).toBe(true);
    }, 180_000);

    it('without a kubeconfig: the context check says how to choose one, the API check names localhost:8080', async () => {
      const report = await preflight(cluster, fileBackend, { env: { KUBECONFIG: `${cluster.dir}/no-such-kubeconfig.yaml` } });
      expect(check(report, 'context')).toMatchObject({
        status: 'fail',
        detail: 'no kube context: error: current-context must exist in order to minify',
        fix: expect.stringContaining('kubectl config use-context'),
      });
      expect(check(report, 'api')).toMatchObject({
        status: 'fail',
        detail: 'the API server did not answer: The connection to the server localhost:8080 was refused - did you specify the right host or port?',
      });
      expect(check(report, 'permissions')).toMatchObject({ status: 'skip', detail: 'not checked: the cluster did not answer' });
    }, 180_000);

    it('reports a missing or too old helm with what is needed', async () => {
      const missing = await preflight(cluster, fileBackend, { helm: '/nowhere/helm' });
      expect(check(missing, 'helm')).toMatchObject({ status: 'fail', detail: 'helm was not found at /nowhere/helm', fix: expect.stringContaining('point --helm at it') });
      // helm 3.11 cannot be had from a real cluster: a stand-in binary says its version.
      const old = fakeBinary('helm', [{ argvPrefix: ['version'], stdout: 'v3.11.3' }]);
      expect(check(await preflight(cluster, fileBackend, { helm: old.path }), 'helm')).toMatchObject({
        status: 'fail',
        detail: `${old.path} is helm v3.11.3; mlflow-install needs helm 3.12 or later, or helm 4`,
        fix: 'Get it from https://helm.sh/docs/intro/install/ and put it first on PATH, or point --helm at it.',
      });
    }, 180_000);

    it('checks the database port from a pod: a host that does not resolve fails with the pod\'s message', async () => {
      expect(check(await preflight(cluster, postgres('db-checks', unreachableDatabaseHost)), 'database')).toEqual({
        id: 'database',
        title: 'database',
        status: 'fail',
        detail: `${unreachableDatabaseHost}:5432 did not answer from inside the cluster: could not connect to ${unreachableDatabaseHost}: [Errno -2] Name or service not known`,
        fix: "Check the host name and port, that the database is running, and that its firewall or security group lets the cluster's nodes in.",
      });
    }, 180_000);

    it('warns, saying why in one line, when the check pod is refused (a ResourceQuota of no pods)', async () => {
      const result = check(await preflight(cluster, postgres('no-pods', 'db.internal')), 'database');
      expect(result).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(
          /^not checked: the check pod could not run in no-pods: the pod was refused: pods "mlflow-install-db-check-[a-z0-9]+" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0$/,
        ),
        fix: 'The cluster refused a pod that runs the server\'s image under Pod Security "restricted": if it refuses the server\'s pods too, the install fails; fix what the refusal names. Meanwhile make sure db.internal:5432 is reachable from the cluster; the server waits for it when it starts.',
      });
    }, 180_000);

    it('runs the check pod in default when the namespace is still to be created', async () => {
      cluster.clearCalls();
      expect(check(await preflight(cluster, postgres('not-yet', 'db.internal')), 'database')?.status).toBe('pass');
      expect(checkPodCreations(cluster)).toEqual([['create', '-f', '-', '--namespace', 'default']]);
    }, 180_000);

    describe('Pod Security: the rendered pods dry-run in the namespace, answered by the real admission', () => {
      let compliant: Manifest[];
      let escalating: Manifest[];
      beforeAll(async () => {
        [compliant, escalating] = await Promise.all([
          renderedChart('psa-restricted'),
          // A chart that lets its containers gain privileges: what "restricted" refuses.
          renderedChart('psa-restricted', { securityContext: { allowPrivilegeEscalation: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }),
        ]);
      }, 120_000);

      it('an existing namespace enforcing "restricted" or "baseline" admits every pod of the chart: no warning', async () => {
        const [restricted, baseline] = await Promise.all([
          preflight(cluster, postgres('psa-restricted', 'db.internal'), { rendered: compliant }),
          preflight(cluster, postgres('psa-baseline', 'db.internal'), { rendered: compliant }),
        ]);
        const owners = 'Deployment mlflow, Job mlflow-create-database-r1, Pod mlflow-test-health, Job mlflow-migrate';
        expect(check(restricted, 'pod-security')).toEqual({
          id: 'pod-security',
          title: 'Pod Security',
          status: 'pass',
          detail: `namespace psa-restricted enforces "restricted": it admits all 4 of the release's pods (${owners})`,
        });
        expect(check(baseline, 'pod-security')).toMatchObject({ status: 'pass', detail: `namespace psa-baseline enforces "baseline" (version v1.34): it admits all 4 of the release's pods (${owners})` });
        // The database check pod is admitted under "restricted" too.
        expect(check(restricted, 'database')).toMatchObject({ status: 'pass', detail: 'db.internal:5432 answers from inside the cluster' });
        expect(restricted.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      }, 180_000);

      it('a namespace whose level refuses a pod: a warning naming each pod and the reason, one line each', async () => {
        cluster.clearCalls();
        const result = check(await preflight(cluster, { ...fileBackend, namespace: 'psa-restricted' }, { rendered: escalating }), 'pod-security');
        const reason = (container: string) => `violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (${container} must set securityContext.allowPrivilegeEscalation=false)`;
        expect(result?.status).toBe('warn');
        expect(result?.detail.split('\n')).toEqual([
          'namespace psa-restricted enforces "restricted": it would refuse 4 of the release\'s 4 pods:',
          `      - Deployment mlflow: ${reason('containers "wait-for-database", "mlflow"')}`,
          `      - Job mlflow-create-database-r1: ${reason('containers "wait-for-database", "create-database"')}`,
          `      - Pod mlflow-test-health: ${reason('container "health"')}`,
          `      - Job mlflow-migrate: ${reason('containers "wait-for-database", "migrate"')}`,
        ]);
        expect(result?.fix).toMatch(/^helm would create these pods and the API server refuse them, so the install would fail\. Fix what each reason names/);
        // One server-side dry run, nothing created.
        const dryRuns = cluster.calls('kubectl').filter((call) => call.argv.includes('--dry-run=server'));
        expect(dryRuns.map((call) => call.argv)).toEqual([['create', '--dry-run=server', '-o', 'name', '-f', '-', '--namespace', 'psa-restricted']]);
        expect(await cluster.objects('pods', 'psa-restricted')).toEqual([]);
      }, 180_000);

      it('keeps the checks at once: with every command slowed down, the dry run is the one call that waits (for the namespace read)', async () => {
        const slow = slowTools(cluster.dir, 1_000, { kubectl: cluster.kubectl, helm: cluster.helm });
        const report = await preflight(cluster, { ...fileBackend, namespace: 'psa-restricted' }, { kubectl: slow.kubectl, helm: slow.helm, rendered: compliant });
        expect(check(report, 'pod-security')?.status).toBe('pass');
        const calls = slow.calls();
        const firstEnd = Math.min(...calls.map((call) => call.end));
        expect(calls.filter((call) => call.start >= firstEnd).map((call) => call.argv.slice(0, 2).join(' '))).toEqual(['create --dry-run=server']);
      }, 180_000);

      it('a namespace still to be created is said to enforce "restricted"; no dry run', async () => {
        cluster.clearCalls();
        expect(check(await preflight(cluster, { ...fileBackend, namespace: 'psa-new' }, { rendered: escalating }), 'pod-security')).toMatchObject({
          status: 'pass',
          detail: 'namespace psa-new will be created enforcing "restricted" (pod-security.kubernetes.io/enforce, warn and audit), which the chart\'s pods satisfy',
        });
        expect(cluster.calls('kubectl').filter((call) => call.argv.includes('--dry-run=server'))).toEqual([]);
      }, 180_000);

      it('a user who may neither read the namespace nor create pods: a warning saying what could not be checked', async () => {
        const kubeconfig = await cluster.serviceAccountKubeconfig('psa-restricted', 'nobody');
        const result = check(await preflight(cluster, { ...fileBackend, namespace: 'psa-restricted' }, { env: { KUBECONFIG: kubeconfig }, rendered: compliant }), 'pod-security');
        expect(result).toMatchObject({
          status: 'warn',
          detail:
            "namespace psa-restricted (its labels could not be read: not allowed to get namespaces in psa-restricted): whether it admits the release's pods is not known: the dry run was refused (not allowed to create pods in psa-restricted)",
          fix: expect.stringContaining('if it refuses one, the install stops there naming the pod'),
        });
      }, 180_000);

      it('the database check pod runs the rendered server image with its pull secrets (a policy refuses any other)', async () => {
        const privateImage = await renderedChart('private-registry', { image: { repository: 'registry.internal/mlflow', tag: 'v3.16.1-full', pullPolicy: 'IfNotPresent' }, imagePullSecrets: [{ name: 'regcred' }] });
        const [publicRun, privateRun] = await Promise.all([
          preflight(cluster, postgres('private-registry', 'db.internal'), { rendered: compliant }),
          preflight(cluster, postgres('private-registry', 'db.internal'), { rendered: privateImage }),
        ]);
        expect(check(privateRun, 'database')).toMatchObject({ status: 'pass', detail: 'db.internal:5432 answers from inside the cluster' });
        expect(check(privateRun, 'pod-security')?.status).toBe('pass');
        // Without them the check pod is refused by the admission: one plain line, a warning, never a pass.
        const refused = check(publicRun, 'database');
        expect(refused).toMatchObject({ status: 'warn', fix: expect.stringMatching(/^The cluster refused a pod that runs the server's image/) });
        expect(refused?.detail).toMatch(
          /^not checked: the check pod could not run in private-registry: the pod was refused: pods "mlflow-install-db-check-[a-z0-9]+" is invalid: ValidatingAdmissionPolicy 'private-registry-only' with binding 'private-registry-only' denied request: pods here pull from registry\.internal with the regcred Secret$/,
        );
        expect(refused?.detail).not.toContain('\n');
      }, 180_000);
    });

    it('sees Linkerd injection from the namespace annotation', async () => {
      const report = await preflight(cluster, { ...fileBackend, namespace: 'meshed' });
      expect(report.findings.mesh).toBe('linkerd');
      expect(check(report, 'mesh')?.detail).toMatch(/^Linkerd injects sidecars in meshed/);
    }, 180_000);
  });

  describe('a bare cluster', () => {
    let cluster: TestCluster;
    beforeAll(() => {
      cluster = bare;
    });

    const storageClass = (name: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'kubernetes.io/no-provisioner' });

    it('fails the storage check without a default StorageClass, naming the classes there are', async () => {
      expect(check(await preflight(cluster, fileBackend), 'storage-class')).toMatchObject({
        status: 'fail',
        detail: "no default StorageClass: the volume's claim would stay Pending (this cluster has none)",
        fix: expect.stringMatching(/^Install a volume provisioner/),
      });
      await cluster.kwok.apply([storageClass('gp3'), storageClass('io2')]);
      const report = await preflight(cluster, fileBackend);
      expect(report.ok).toBe(false);
      expect(check(report, 'storage-class')).toMatchObject({
        status: 'fail',
        detail: "no default StorageClass: the volume's claim would stay Pending (this cluster has: gp3, io2)",
        fix: expect.stringContaining('--set backend.volume.storageClass=gp3'),
      });
      const named = await preflight(cluster, { ...fileBackend, volume: { storageClass: 'fast' } });
      expect(check(named, 'storage-class')).toMatchObject({ status: 'fail', detail: 'StorageClass fast does not exist (this cluster has: gp3, io2)' });
      expect(check(await preflight(cluster, { ...fileBackend, volume: { storageClass: 'io2' } }), 'storage-class')).toMatchObject({ status: 'pass', detail: 'StorageClass io2 exists' });
    }, 180_000);

    it('checks the IngressClass: missing fails, no default warns', async () => {
      expect(check(await preflight(cluster, { ...fileBackend, ingress: {} }), 'ingress-class')).toMatchObject({
        status: 'fail',
        detail: 'no IngressClass: this cluster has no ingress controller',
      });
      await cluster.kwok.apply([{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'traefik' }, spec: { controller: 'traefik.io/ingress-controller' } }]);
      expect(check(await preflight(cluster, { ...fileBackend, ingress: {} }), 'ingress-class')).toMatchObject({
        status: 'warn',
        detail: 'no default IngressClass (this cluster has: traefik)',
        fix: expect.stringContaining('--set ingress.className=traefik'),
      });
      expect(check(await preflight(cluster, { ...fileBackend, ingress: { className: 'nginx' } }), 'ingress-class')).toMatchObject({
        status: 'fail',
        detail: 'IngressClass nginx does not exist (this cluster has: traefik)',
      });
    }, 180_000);

    it('needs the ServiceMonitor CRD when a ServiceMonitor is wanted, and the CSI driver unless it is to be installed', async () => {
      const report = await preflight(cluster, { ...fileBackend, serviceMonitor: true, secrets: { provider: 'vault', installDriver: false } });
      expect(check(report, 'service-monitor')).toMatchObject({
        status: 'fail',
        detail: 'servicemonitors.monitoring.coreos.com is not installed: the Prometheus Operator is missing',
        fix: expect.stringContaining('--set prometheus.serviceMonitor=false'),
      });
      expect(check(report, 'secret-provider')).toMatchObject({ status: 'fail', fix: expect.stringContaining('--set secrets.provider=kubernetes') });
      expect(report.findings.installSecretsDriver).toBe(false);
    }, 180_000);
  });

  it('when the API server has stopped: the API check fails, the cluster checks are skipped, not failed', async () => {
    const cluster = stopped;
    cluster.kwok.stopApiServer();
    const port = /:(\d+)$/.exec(cluster.identity().server)?.[1];
    const report = await preflight(cluster, { ...fileBackend, database: database('db') });
    expect(check(report, 'api')).toMatchObject({
      status: 'fail',
      detail: `the API server did not answer: The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?`,
    });
    expect(check(report, 'kubectl')?.status).toBe('pass');
    expect(check(report, 'helm')?.status).toBe('pass');
    expect(check(report, 'context')?.status).toBe('pass');
    for (const id of ['permissions', 'mesh', 'storage-class', 'database'] as const) {
      expect(check(report, id)).toMatchObject({ status: 'skip', detail: 'not checked: the cluster did not answer' });
    }
    expect(report.ok).toBe(false);
  }, 180_000);
});
