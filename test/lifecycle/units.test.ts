import { describe, expect, it } from 'vitest';
import type { HelmRelease } from '../../src/cluster/helm.js';
import { CancelledError } from '../../src/errors.js';
import { parseManifest } from '../../src/tasks/status/release-document.js';
import { artifactsOf, backendOf, reachOf } from '../../src/tasks/status/release-facts.js';
import { lifecycleTarget } from '../../src/tasks/status/target.js';
import { releaseWarnings } from '../../src/tasks/status/warnings.js';
import type { ReleaseInventory } from '../../src/tasks/uninstall/inventory.js';
import { hasWork, namespaceDecision, planUninstall } from '../../src/tasks/uninstall/plan.js';
import { waitUntilGone } from '../../src/tasks/uninstall/wait.js';
import type { GlobalOptions } from '../../src/options.js';

const options: GlobalOptions = {
  valuesFile: 'v.yaml',
  timeout: '5m',
  helm: 'helm',
  kubectl: 'kubectl',
  set: [],
  yes: true,
  dryRun: false,
  json: false,
  purge: false,
  color: false,
  verbose: false,
};

describe('waitUntilGone', () => {
  function clock() {
    let now = 0;
    const slept: number[] = [];
    return { now: () => now, sleep: async (ms: number) => void (slept.push(ms), (now += ms)), slept };
  }

  it('looks until nothing is left', async () => {
    const time = clock();
    const looks = [['a', 'b'], ['b'], []];
    const outcome = await waitUntilGone(async () => looks.shift() ?? [], { timeoutMs: 10_000, intervalMs: 1_000, now: time.now, sleep: time.sleep });
    expect(outcome).toEqual({ gone: true });
    expect(time.slept).toEqual([1_000, 1_000]);
  });

  it('gives up at the timeout, saying what is still there', async () => {
    const time = clock();
    const outcome = await waitUntilGone(async () => ['stuck-pod'], { timeoutMs: 2_500, intervalMs: 1_000, now: time.now, sleep: time.sleep });
    expect(outcome).toEqual({ gone: false, remaining: ['stuck-pod'] });
    expect(time.slept).toEqual([1_000, 1_000, 500]);
  });

  it('stops waiting on Ctrl-C', async () => {
    const abort = new AbortController();
    const waiting = waitUntilGone(async () => ['pod'], { timeoutMs: 60_000, intervalMs: 30_000, signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('what a release is, from its values and manifest', () => {
  it('reads the backend kind the way the chart chooses it, never the password', () => {
    expect(backendOf({}, 'mlflow')).toEqual({ kind: 'file', where: 'SQLite on the volume mlflow-data' });
    expect(backendOf({ fullnameOverride: 'tracker' }, 'x')).toEqual({ kind: 'file', where: 'SQLite on the volume tracker-data' });
    expect(backendOf({ persistence: { existingClaim: 'mine' } }, 'team')).toEqual({ kind: 'file', where: 'SQLite on the volume mine' });
    const seedValues = { mlflowBackend: { connections: { host: 'db', port: 5432, database: 'ml', username: 'u', password: 'hunter2-secret' } } };
    expect(backendOf(seedValues, 'mlflow')).toEqual({ kind: 'postgres', where: 'db:5432, database ml' });
    expect(JSON.stringify(backendOf(seedValues, 'mlflow'))).not.toContain('hunter2');
    const aurora = { database: { engine: { mysql: 'mysql+pymysql' } }, mlflowBackend: { connections: { db_host: 'aurora', db_port: '3306', db_name: 'mlflow' } } };
    expect(backendOf(aurora, 'mlflow')).toEqual({ kind: 'mysql', where: 'aurora:3306, database mlflow' });
    expect(backendOf({ database: { enabled: true, engine: { mssql: 'mssql+pymssql' } } }, 'mlflow')).toEqual({ kind: 'mssql', where: 'host not set' });
  });

  it('shows the artifact root without any credential in it', () => {
    expect(artifactsOf({}, 'mlflow')).toEqual({ root: null, where: 'kept by the server on the volume mlflow-data, proxied' });
    expect(artifactsOf({ defaultArtifactRoot: 's3://key:secret@minio/bucket', artifacts: { serve: false } }, 'mlflow')).toEqual({ root: 's3://minio/bucket', where: 's3://minio/bucket' });
  });

  it('finds the Service, its port and the ingress host in the manifest helm keeps', () => {
    const manifest = [
      '---',
      '# Source: mlflow/templates/service.yaml',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: team-mlflow, labels: {app.kubernetes.io/component: tracking-server}}',
      'spec: {ports: [{port: 8080}]}',
      '---',
      '# Source: mlflow/templates/ingress.yaml',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: {name: team-mlflow}',
      'spec: {rules: [{host: ml.example.com}], tls: [{hosts: [ml.example.com]}]}',
      '---',
      '',
    ].join('\n');
    const resources = parseManifest(manifest);
    expect(resources.map((r) => `${r.kind}/${r.name}`)).toEqual(['Service/team-mlflow', 'Ingress/team-mlflow']);
    expect(reachOf(resources, {}, 'team')).toEqual({ serviceName: 'team-mlflow', servicePort: 8080, ingressHost: 'ml.example.com', tls: true });
    expect(reachOf([], {}, 'team')).toEqual({ serviceName: 'team-mlflow', servicePort: 5000, tls: false });
  });
});

describe('release warnings', () => {
  const release = (status: string, version: number, description?: string): HelmRelease => ({
    name: 'mlflow',
    namespace: 'mlflow',
    version,
    info: { status, ...(description ? { description } : {}) },
  });

  it('names a failed, a pending and a rolled-back release; none for a plain deployed one', () => {
    expect(releaseWarnings(release('deployed', 1, 'Install complete'), [])).toEqual([]);
    expect(releaseWarnings(release('failed', 2, 'Upgrade "mlflow" failed: boom'), [])).toEqual(['the last install or upgrade (revision 2) failed: Upgrade "mlflow" failed: boom']);
    expect(releaseWarnings(release('pending-upgrade', 3), [])[0]).toMatch(/^the release is pending-upgrade: an upgrade is running, or was interrupted/);
    const history = [
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'failed', description: 'Upgrade "mlflow" failed: boom' },
      { revision: 3, status: 'deployed', description: 'Rollback to 1' },
    ];
    expect(releaseWarnings(release('deployed', 3, 'Rollback to 1'), history)).toEqual(['the last upgrade (revision 2) failed (Upgrade "mlflow" failed: boom) and was rolled back to revision 1']);
    expect(releaseWarnings(release('deployed', 3, 'Rollback to 1'), history.map((r) => ({ ...r, status: r.revision === 2 ? 'superseded' : r.status })))).toEqual([]);
  });
});

describe('the uninstall plan', () => {
  const target = lifecycleTarget(options);
  const context = { context: 'sim', server: 'https://sim' };
  const labelled = { name: 'mlflow', labels: { 'app.kubernetes.io/managed-by': 'mlflow-install' } };

  it('deletes the namespace only with --purge, when mlflow-install created it and nothing else is in it', () => {
    const inventory = (ns?: { name: string; labels?: Record<string, string> }): ReleaseInventory => ({ pods: [], claims: [], installerSecrets: [], ...(ns ? { namespace: { metadata: ns } } : {}) });
    expect(namespaceDecision(inventory(labelled), true, [])).toEqual({ action: 'delete' });
    expect(namespaceDecision(inventory(labelled), true, ['Pod other'])).toEqual({ action: 'keep', reason: 'it also holds Pod other' });
    expect(namespaceDecision(inventory(labelled), false, [])).toMatchObject({ action: 'keep' });
    expect(namespaceDecision(inventory({ name: 'mlflow' }), true, [])).toMatchObject({ action: 'keep', reason: expect.stringContaining('not created by mlflow-install') });
    expect(namespaceDecision(inventory(), true, [])).toEqual({ action: 'absent' });
  });

  it('keeps the claims helm keeps as data, and lists a claim helm deletes (persistence.keep false) with the release', () => {
    const claim = (name: string) => ({ metadata: { name } });
    const inventory: ReleaseInventory = {
      document: {
        release: { name: 'mlflow', namespace: 'mlflow', version: 4, info: { status: 'deployed' } },
        values: {},
        resources: [
          { kind: 'PersistentVolumeClaim', name: 'kept', labels: {}, annotations: { 'helm.sh/resource-policy': 'keep' }, spec: {} },
          { kind: 'PersistentVolumeClaim', name: 'dropped', labels: {}, annotations: {}, spec: {} },
          { kind: 'Deployment', name: 'mlflow', labels: {}, annotations: {}, spec: {} },
        ],
      },
      pods: [],
      claims: [claim('kept'), claim('dropped'), claim('from-before')],
      installerSecrets: [{ metadata: { name: 'mlflow-mlflow-db-master' } }],
      namespace: { metadata: { name: 'mlflow' } },
    };
    const plan = planUninstall({ context, target, inventory, purge: false, others: [] });
    expect(plan.found).toEqual({ revision: 4, state: 'deployed' });
    expect(plan.releaseResources).toEqual([{ kind: 'PersistentVolumeClaim', name: 'dropped' }, { kind: 'Deployment', name: 'mlflow' }]);
    expect(plan.data).toEqual([
      { kind: 'PersistentVolumeClaim', name: 'kept', what: 'the SQLite database and the artifacts' },
      { kind: 'PersistentVolumeClaim', name: 'from-before', what: 'the SQLite database and the artifacts' },
      { kind: 'Secret', name: 'mlflow-mlflow-db-master', what: "the database master user's password" },
    ]);
    expect(hasWork(plan)).toBe(true);
    const { document: _gone, ...withoutRelease } = inventory;
    expect(hasWork(planUninstall({ context, target, inventory: withoutRelease, purge: false, others: [] }))).toBe(false);
    expect(hasWork(planUninstall({ context, target, inventory: withoutRelease, purge: true, others: [] }))).toBe(true);
  });

  it('refuses names and durations kubectl would refuse, before any command runs', () => {
    expect(() => lifecycleTarget({ ...options, release: 'My_Release' })).toThrow(/--release My_Release: expected a DNS-1123 label of at most 53 characters/);
    expect(() => lifecycleTarget({ ...options, namespace: '-x' })).toThrow(/--namespace -x/);
    expect(() => lifecycleTarget({ ...options, timeout: 'soon' })).toThrow('--timeout soon: expected a duration such as 90s, 5m or 1h');
  });
});
