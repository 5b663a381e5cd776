import { describe, expect, it } from 'vitest';
import { namespaceManifest } from '../../src/answers/labels.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { toChartValues } from '../../src/answers/to-values.js';
import { dryRunAnswer, enforcedLevel, releasePods, serverImage } from '../../src/cluster/pod-security.js';
import { formatPlan } from '../../src/plan/format.js';
import { buildPlan } from '../../src/plan/plan.js';
import { renderChart } from '../helpers/render.js';
import { toolSet } from '../helpers/tools.js';

const tools = toolSet(4);
const auroraLike = ['backend.type=postgres', 'backend.db.host=db.internal', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=admin'];

async function rendered(set: string[], extra: Record<string, unknown> = {}) {
  const answers = resolveAnswers({ release: 'mlflow', namespace: 'ml', set }).answers;
  const result = await renderChart(tools, { ...toChartValues(answers), ...extra }, { namespace: 'ml' });
  expect(result.ok, result.stderr).toBe(true);
  return result.manifests;
}

describe('the namespace the installer creates', () => {
  it('carries the installer label and enforces, warns and audits at "restricted", version latest', () => {
    expect(JSON.parse(namespaceManifest('ml'))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'ml',
        labels: {
          'app.kubernetes.io/managed-by': 'mlflow-install',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
        },
      },
    });
  });

  it('is shown so in the plan: the step\'s title and what goes to stdin; an existing namespace is left as it is', () => {
    const answers = resolveAnswers({ release: 'mlflow', namespace: 'ml', set: [] }).answers;
    const base = {
      answers,
      values: toChartValues(answers),
      ignored: [],
      valuesFile: './mlflow-values.yaml',
      chart: 'charts/mlflow',
      tools: { helm: 'helm', kubectl: 'kubectl', helmMajor: 4 as const, helmVersion: 'v4.1.0' },
      kube: {},
      timeout: '5m',
      manifests: [],
      env: {},
      equivalentCommand: ['npx', 'mlflow-install'],
    };
    const text = formatPlan(buildPlan(base));
    expect(text).toContain('1. Create the namespace ml, enforcing Pod Security "restricted" (when the namespace is missing)');
    expect(text).toContain(
      '< stdin: Namespace ml labelled app.kubernetes.io/managed-by=mlflow-install (so that uninstall --purge knows it may remove it) and pod-security.kubernetes.io/{enforce,warn,audit}=restricted, {enforce-version,warn-version,audit-version}=latest',
    );
    const existing = buildPlan({ ...base, cluster: { releaseExists: false, namespaceExists: true } });
    expect(existing.commands.map((command) => command.step)).not.toContain('namespace');
    expect(existing.notes).toContain("namespace ml exists: it is left as it is, Pod Security labels included; the preflight dry-runs the release's pods there and warns if its level refuses one");
  });
});

describe('the release\'s pods, as the admission will judge them', () => {
  it('one per object that makes pods: the server, the hook Jobs, the create-database Job and the helm test pod, without their ServiceAccount', async () => {
    const manifests = await rendered(auroraLike);
    const pods = releasePods(manifests, 'ml');
    // The create-database Job's name carries the revision (a Job's pod template cannot change once created).
    expect(pods.map((pod) => pod.owner).sort()).toEqual(['Deployment mlflow', expect.stringMatching(/^Job mlflow-create-database-r\d+$/), 'Job mlflow-migrate', 'Pod mlflow-test-health']);
    for (const { pod } of pods) {
      expect(pod).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ml', name: expect.stringMatching(/-dry-run$/) } });
      expect(pod.spec).not.toHaveProperty('serviceAccountName');
      expect(pod.spec).toHaveProperty('containers');
    }
    const server = pods.find((pod) => pod.owner.startsWith('Deployment'));
    expect(server?.pod.spec).toHaveProperty('initContainers');
  });

  it('the server\'s image and pull secrets, for the database check pod', async () => {
    expect(serverImage(await rendered(auroraLike))).toEqual({ image: 'ghcr.io/mlflow/mlflow:v3.16.1-full', imagePullSecrets: [] });
    const withSecrets = await rendered(auroraLike, { imagePullSecrets: [{ name: 'regcred' }], image: { repository: 'registry.internal/mlflow', tag: 'v3.16.1-full', pullPolicy: 'IfNotPresent' } });
    expect(serverImage(withSecrets)).toEqual({ image: 'registry.internal/mlflow:v3.16.1-full', imagePullSecrets: ['regcred'] });
    expect(serverImage([])).toBeUndefined();
  });

  it('reads the level a namespace enforces from its labels', () => {
    expect(enforcedLevel({ metadata: { name: 'a' } })).toBeUndefined();
    expect(enforcedLevel({ metadata: { name: 'a', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } })).toEqual({ level: 'baseline' });
    expect(
      enforcedLevel({ metadata: { name: 'a', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' } } }),
    ).toEqual({ level: 'restricted', version: 'v1.30' });
  });

  it('reads kubectl\'s answer per pod: created, refused with its reason, or not answered', () => {
    const pods = releasePods(
      [
        { kind: 'Deployment', metadata: { name: 'a' }, spec: { template: { spec: { containers: [] } } } },
        { kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [] } },
        { kind: 'Job', metadata: { name: 'c' }, spec: { template: { spec: { containers: [] } } } },
        { kind: 'Service', metadata: { name: 'd' }, spec: {} },
      ],
      'ml',
    );
    const answer = dryRunAnswer(pods, 'pod/a-dry-run\n', [
      'Warning: would violate PodSecurity "restricted:latest": runAsNonRoot != true',
      'Error from server (Forbidden): error when creating "STDIN": pods "b-dry-run" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "x" must set securityContext.runAsNonRoot=true)',
    ]);
    expect(dryRunAnswer(pods, '', [`The pods "c-dry-run" is invalid: : ValidatingAdmissionPolicy 'p' with binding 'p' denied request: no`]).refused).toEqual([
      { owner: 'Job c', reason: "ValidatingAdmissionPolicy 'p' with binding 'p' denied request: no" },
    ]);
    expect(answer).toEqual({
      admitted: ['Deployment a'],
      refused: [{ owner: 'Pod b', reason: 'violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "x" must set securityContext.runAsNonRoot=true)' }],
      unanswered: ['Job c'],
    });
  });
});
