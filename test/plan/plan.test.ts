import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { toChartValues } from '../../src/answers/to-values.js';
import type { ClusterView } from '../../src/plan/cluster-view.js';
import { diffValues } from '../../src/plan/diff.js';
import { formatPlan, formatPlanJson, shellCommand } from '../../src/plan/format.js';
import type { Manifest } from '../../src/plan/manifests.js';
import { buildPlan, type PlanInput } from '../../src/plan/plan.js';

const password = 'S3cret-Pa$$ word';
const manifests: Manifest[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prod-mlflow' } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'prod-mlflow-data', annotations: { 'helm.sh/resource-policy': 'keep' } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '20Gi' } } },
  },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'prod-mlflow' } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'prod-mlflow-migrate', annotations: { 'helm.sh/hook': 'pre-upgrade' } } },
];

function input(set: string[], overrides: Partial<PlanInput> = {}): PlanInput {
  const resolved = resolveAnswers({ release: 'prod', namespace: 'ml', set });
  return {
    answers: resolved.answers,
    values: toChartValues(resolved.answers),
    ignored: resolved.ignored,
    valuesFile: './mlflow-values.yaml',
    chart: '/opt/mlflow-install/charts/mlflow',
    tools: { helm: 'helm', kubectl: 'kubectl', helmMajor: 3, helmVersion: 'v3.18.0' },
    kube: {},
    timeout: '5m',
    manifests,
    env: {},
    equivalentCommand: ['npx', 'mlflow-install', '--yes'],
    ...overrides,
  };
}

const postgres = ['backend.type=postgres', 'backend.db.host=db.internal', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.volume.storageClass=gp3'];
const steps = (plan: ReturnType<typeof buildPlan>) => plan.commands.map((command) => command.step);

describe('the plan', () => {
  it('without a cluster: install or upgrade unknown, and says the cluster was not consulted', () => {
    const plan = buildPlan(input(postgres));
    expect(plan).toMatchObject({ release: 'prod', namespace: 'ml', action: 'unknown', cluster: { consulted: false } });
    expect(plan.cluster.consulted === false && plan.cluster.note).toMatch(/not consulted/);
    expect(steps(plan)).toEqual(['namespace', 'secrets', 'auth-secret', 'helm-upgrade', 'rollout', 'pods-ready', 'helm-test', 'cluster-uid', 'save-answers']);
    expect(plan.commands[0]).toMatchObject({ argv: ['kubectl', 'create', '-f', '-'], when: 'when the namespace is missing' });
    expect(plan.commands[0]?.stdin).toMatch(/^Namespace ml labelled app.kubernetes.io\/managed-by=mlflow-install/);
  });

  it('lists the Secrets by name and keys, the PVCs and the resources rendered', () => {
    const plan = buildPlan(input(postgres));
    expect(plan.secrets).toEqual([
      {
        name: 'prod-mlflow-db',
        namespace: 'ml',
        keys: ['password'],
        providedBy: 'mlflow-install',
        source: 'password: asked for at the prompt (or set MLFLOW_DB_PASSWORD)',
      },
      {
        name: 'prod-mlflow-auth',
        namespace: 'ml',
        keys: ['admin-password', 'flask-secret-key'],
        providedBy: 'mlflow-install',
        source: 'admin-password: typed at the prompt, from MLFLOW_ADMIN_PASSWORD, or generated (32 random characters); flask-secret-key: generated; an existing Secret is kept as it is',
      },
    ]);
    expect(plan.commands.find((command) => command.step === 'auth-secret')?.argv).toEqual(['kubectl', 'create', '-f', '-', '--namespace', 'ml']);
    expect(plan.login).toBe('required (MLflow basic-auth; admin admin, others READ by default)');
    expect(buildPlan(input([...postgres, 'auth.enabled=false'])).login).toBe(
      'not required: no login: anyone who reaches the server can read, change and delete every experiment and run',
    );
    expect(steps(buildPlan(input([...postgres, 'auth.enabled=false'])))).not.toContain('auth-secret');
    expect(plan.volumes).toEqual([{ name: 'prod-mlflow-data', size: '20Gi', storageClass: 'gp3', accessModes: ['ReadWriteOnce'], kept: true }]);
    expect(plan.resources).toContainEqual({ kind: 'Job', name: 'prod-mlflow-migrate', hook: 'pre-upgrade' });
    expect(plan.savedAnswers).toEqual({ configMap: 'ml/prod-mlflow-install', keys: ['answers.yaml', 'cluster-uid', 'schema-version'] });
  });

  it('gives the exact helm and kubectl argv, with the flags of each helm major and the kube context everywhere', () => {
    const kube = { context: 'prod-eks', kubeconfig: '/home/me/.kube/prod' };
    const v3 = buildPlan(input(postgres, { kube }));
    const upgrade = v3.commands.find((command) => command.step === 'helm-upgrade');
    expect(upgrade?.argv).toEqual([
      'helm', 'upgrade', '--install', 'prod', '/opt/mlflow-install/charts/mlflow', '--namespace', 'ml', '--values', './mlflow-values.yaml',
      '--atomic', '--wait', '--timeout', '5m', '--kube-context', 'prod-eks', '--kubeconfig', '/home/me/.kube/prod',
    ]);
    const v4 = buildPlan(input(postgres, { kube, tools: { helm: '/usr/bin/helm', kubectl: 'kubectl', helmMajor: 4, helmVersion: 'v4.1.4' } }));
    expect(v4.commands.find((command) => command.step === 'helm-upgrade')?.argv).toEqual(
      expect.arrayContaining(['/usr/bin/helm', '--rollback-on-failure', '--wait=watcher']),
    );
    for (const command of v3.commands) {
      const [binary] = command.argv;
      expect(command.argv.join(' ')).toContain(binary === 'helm' ? '--kube-context prod-eks' : '--context prod-eks');
      expect(command.argv).toContain('/home/me/.kube/prod');
    }
    expect(v3.commands.find((command) => command.step === 'rollout')?.argv).toEqual([
      'kubectl', 'rollout', 'status', 'deployment/prod-mlflow', '--timeout', '5m', '--namespace', 'ml', '--context', 'prod-eks', '--kubeconfig', '/home/me/.kube/prod',
    ]);
  });

  it('applies Secrets and the saved answers through stdin, and never carries a password', () => {
    const plan = buildPlan(input(postgres, { env: { MLFLOW_DB_PASSWORD: password } }));
    const secrets = plan.commands.find((command) => command.step === 'secrets');
    expect(secrets?.argv).toEqual(['kubectl', 'apply', '--server-side', '--field-manager', 'mlflow-install', '-f', '-', '--namespace', 'ml']);
    expect(secrets?.stdin).toBe('Secret prod-mlflow-db (password: from MLFLOW_DB_PASSWORD)');
    expect(formatPlanJson(plan)).not.toContain(password);
    expect(formatPlan(plan)).not.toContain(password);
  });

  it('installs the Secrets Store CSI driver and provider only when asked and not there yet', () => {
    const aws = [...postgres, 'secrets.provider=aws', 'secrets.objects.password=mlflow/db', 'secrets.installDriver=true'];
    const plan = buildPlan(input(aws));
    expect(steps(plan)).toEqual([
      'namespace', 'auth-secret', 'secrets-store-driver-repo', 'secrets-store-driver', 'secrets-store-provider-repo', 'secrets-store-provider',
      'helm-upgrade', 'rollout', 'pods-ready', 'helm-test', 'cluster-uid', 'save-answers',
    ]);
    expect(plan.commands.find((command) => command.step === 'secrets-store-driver')?.argv).toEqual(
      expect.arrayContaining(['csi-secrets-store', 'secrets-store-csi-driver/secrets-store-csi-driver', 'kube-system', 'syncSecret.enabled=true']),
    );
    expect(plan.secrets).toMatchObject([{ name: 'prod-mlflow-store', providedBy: 'secrets-store-csi-driver' }, { name: 'prod-mlflow-auth', providedBy: 'mlflow-install' }]);
    const installed: ClusterView = { releaseExists: false, secretsStoreDriverInstalled: true };
    expect(steps(buildPlan(input(aws, { cluster: installed })))).not.toContain('secrets-store-driver');
    expect(steps(buildPlan(input([...postgres, 'secrets.provider=aws', 'secrets.objects.password=mlflow/db'])))).not.toContain('secrets-store-driver');
    const gcp = buildPlan(input([...postgres, 'secrets.provider=gcp', 'secrets.objects.password=projects/p/secrets/s/versions/1', 'secrets.installDriver=true']));
    expect(gcp.commands.find((command) => command.step === 'secrets-store-provider')?.argv.slice(0, 3)).toEqual(['kubectl', 'apply', '-f']);
  });

  it('with a cluster view: install or upgrade, the namespace step only when missing, the values diff', () => {
    const fresh = buildPlan(input(postgres, { cluster: { releaseExists: false, namespaceExists: false, context: 'kind' } }));
    expect(fresh).toMatchObject({ action: 'install', cluster: { consulted: true, releaseExists: false, context: 'kind', valuesDiff: [] } });
    expect(fresh.commands[0]?.when).toBeUndefined();
    const current = toChartValues(resolveAnswers({ release: 'prod', namespace: 'ml', set: postgres }).answers);
    const same = buildPlan(input(postgres, { cluster: { releaseExists: true, namespaceExists: true, currentValues: JSON.parse(JSON.stringify(current)) as Record<string, unknown> } }));
    expect(same.action).toBe('upgrade');
    expect(steps(same)).not.toContain('namespace');
    expect(same.cluster.consulted && same.cluster.valuesDiff).toEqual([]);
    const changed = buildPlan(input([...postgres, 'prometheus.expose=true'], { cluster: { releaseExists: true, currentValues: current as unknown as Record<string, unknown> } }));
    expect(changed.cluster.consulted && changed.cluster.valuesDiff).toEqual([{ key: 'prometheus.expose', before: false, after: true }]);
    expect(formatPlan(changed)).toContain('prometheus.expose: false -> true');
  });

  it('notes ignored answers', () => {
    expect(buildPlan(input(['backend.db.host=db'])).notes).toContain('backend.db.host is ignored with these answers');
  });
});

describe('formatting', () => {
  it('shows each command shell-quoted, numbered, with what goes on stdin', () => {
    const text = formatPlan(buildPlan(input(postgres, { kube: { context: "team's cluster" } })));
    expect(text).toContain("kubectl create -f - --context 'team'\\''s cluster'");
    expect(text).toMatch(/ {2}2\. Create or update the Secret prod-mlflow-db\n {5}kubectl apply .* {3}< stdin: Secret prod-mlflow-db/);
    expect(text).toContain('Action:      install or upgrade (the cluster was not consulted)');
  });

  it('prints JSON that parses back to the plan', () => {
    const plan = buildPlan(input(postgres));
    expect(JSON.parse(formatPlanJson(plan))).toEqual(plan);
  });

  it('quotes for a POSIX shell', () => {
    expect(shellCommand(['helm', 'x y', "it's", '', 'a=b'])).toBe("helm 'x y' 'it'\\''s' '' a=b");
  });
});

describe('diffValues', () => {
  it('compares leaf by leaf, lists whole', () => {
    expect(diffValues({ a: { b: 1, c: [1] }, d: 1 }, { a: { b: 2, c: [1, 2] }, e: 1 })).toEqual([
      { key: 'a.b', before: 1, after: 2 },
      { key: 'a.c', before: [1], after: [1, 2] },
      { key: 'd', before: 1 },
      { key: 'e', after: 1 },
    ]);
  });
});
