import { describe, expect, it } from 'vitest';
import { applyInstallerObjects, availableMajors, helmInstall, postgresSettings, runAgainst, setFlags, useLifecycleSuite } from './helpers.js';

const suite = useLifecycleSuite();

interface StatusJson {
  found: boolean;
  healthy: boolean;
  context: { context: string; server: string };
  release: { name: string; namespace: string; revision?: number; state?: string; chart?: { name: string; version: string; appVersion?: string }; deployedAt?: string };
  pods?: { name: string; role: string; phase: string; readyContainers: number; containers: number; restarts: number; problem?: string }[];
  volumes?: { name: string; phase: string }[];
  url?: { trackingUri: string; ingressHost?: string; portForward?: string[] };
  backend?: { kind: string; where: string };
  artifacts?: { root: string | null; where: string };
  warnings?: string[];
  install?: string[];
}

describe.each(availableMajors)('status with helm %i', (major) => {
  it('shows a healthy release: context, revision, chart, pods, URL, backend; exit 0', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    const human = await runAgainst(sim, ['status']);
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Context    sim (${sim.server})`);
    expect(human.stdout).toMatch(/Release +mlflow in namespace mlflow, revision 1, deployed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(human.stdout).toMatch(/Chart +mlflow 1\.\d+\.\d+, MLflow 3\.16\.1/);
    expect(human.stdout).toContain('file: SQLite on the volume mlflow-data');
    expect(human.stdout).toContain('kubectl --namespace mlflow port-forward service/mlflow 5000:5000');
    expect(human.stdout).toContain('export MLFLOW_TRACKING_URI=http://localhost:5000');
    expect(human.stdout).toMatch(/mlflow-\S+ +server +Running +1\/1 ready +0 restarts/);
    expect(human.stdout).toMatch(/mlflow-data +Bound/);
    expect(human.stdout).toContain('Healthy');

    const json = await runAgainst(sim, ['status', '--json']);
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status).toMatchObject({
      found: true,
      healthy: true,
      context: { context: 'sim', server: sim.server },
      release: { name: 'mlflow', namespace: 'mlflow', revision: 1, state: 'deployed', chart: { name: 'mlflow', appVersion: '3.16.1' } },
      url: { trackingUri: 'http://localhost:5000', portForward: ['kubectl', '--namespace', 'mlflow', 'port-forward', 'service/mlflow', '5000:5000'] },
      backend: { kind: 'file' },
      artifacts: { root: null },
      warnings: [],
    });
    expect(status.pods).toEqual([expect.objectContaining({ role: 'server', phase: 'Running', readyContainers: 1, containers: 1, restarts: 0 })]);
  });

  it('shows the ingress URL, the database backend and the artifact root, with the --context given', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { tracking: {} } });
    const ingress = ['ingress.enabled=true', 'ingress.className=nginx', 'ingress.hosts[0].host=mlflow.example.com', 'ingress.hosts[0].paths[0].path=/', 'ingress.hosts[0].paths[0].pathType=Prefix', 'ingress.tls[0].hosts[0]=mlflow.example.com', 'ingress.tls[0].secretName=mlflow-tls'];
    await applyInstallerObjects(sim, 'pw-of-team', { release: 'team', namespace: 'tracking' });
    await helmInstall(sim, { release: 'team', namespace: 'tracking', extra: setFlags([...postgresSettings('team'), 'defaultArtifactRoot=s3://bucket/mlflow', ...ingress]) });
    sim.clearCalls();
    const result = await runAgainst(sim, ['status', '--context', 'sim-staging', '-n', 'tracking', '--release', 'team', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.context.context).toBe('sim-staging');
    expect(status.url).toEqual({ trackingUri: 'https://mlflow.example.com', ingressHost: 'mlflow.example.com' });
    expect(status.backend).toEqual({ kind: 'postgres', where: 'db.internal:5432, database mlflow' });
    expect(status.artifacts?.root).toBe('s3://bucket/mlflow');
    expect(sim.calls().every((call) => call.argv.includes(call.tool === 'helm' ? '--kube-context' : '--context') || call.argv[0] === 'version')).toBe(true);
  });

  it('says what is wrong with a crash-looping upgrade and exits 1', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    sim.addFaults({ crashLoop: { logs: 'sqlalchemy.exc.OperationalError: unable to open database file' } });
    await helmInstall(sim, { wait: false, extra: ['--set', 'podAnnotations.rev=two'] });
    const human = await runAgainst(sim, ['status']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/Not healthy \(\d+ warnings?\):/);
    expect(human.stdout).toMatch(/! pod mlflow-\S+ \(server\): mlflow: CrashLoopBackOff \(restarted \d+ times?\)/);
    expect(human.stdout).toMatch(/See why: kubectl --namespace mlflow logs pod\/mlflow-\S+ --all-containers/);
    const json = JSON.parse((await runAgainst(sim, ['status', '--json'])).stdout) as StatusJson;
    expect(json.healthy).toBe(false);
    expect(json.release.revision).toBe(2);
    expect(json.warnings?.some((warning) => warning.includes('CrashLoopBackOff'))).toBe(true);
    expect(json.pods?.find((pod) => pod.problem !== undefined)?.restarts).toBeGreaterThan(0);
  });

  it('warns of a pending volume claim', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} }, faults: { missingStorageClass: true } });
    await helmInstall(sim, { wait: false });
    const result = await runAgainst(sim, ['status', '--json']);
    expect(result.code).toBe(1);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.volumes).toEqual([expect.objectContaining({ name: 'mlflow-data', phase: 'Pending' })]);
    expect(status.warnings).toContain('volume claim mlflow-data is Pending: no volume was provisioned for it yet (is there a usable StorageClass?)');
    expect(status.warnings?.some((warning) => /pod mlflow-\S+ \(server\): Pending/.test(warning))).toBe(true);
  });

  it('warns of a failed upgrade that was rolled back', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    sim.addFaults({ helmFailure: { message: 'the simulated upgrade broke' } });
    await expect(helmInstall(sim, { extra: ['--set', 'podAnnotations.rev=two'] })).rejects.toThrow(/helm install failed/);
    sim.setFaults({});
    const result = await runAgainst(sim, ['status', '--json']);
    expect(result.code).toBe(1);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.release.state).toBe('deployed');
    expect(status.warnings).toEqual([expect.stringMatching(/^the last upgrade \(revision 2\) failed .* and was rolled back to revision 1$/)]);
    expect(status.pods?.every((pod) => pod.problem === undefined)).toBe(true);
  });

  it('says there is no such release, with the install command; exit 2', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    const human = await runAgainst(sim, ['status', '--release', 'tracking']);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain('No release tracking in namespace mlflow.');
    expect(human.stdout).toContain('Install it: npx mlflow-install --namespace mlflow --release tracking');
    const json = await runAgainst(sim, ['status', '--release', 'tracking', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ found: false, healthy: false, release: { name: 'tracking', namespace: 'mlflow' }, install: ['npx', 'mlflow-install', '--namespace', 'mlflow', '--release', 'tracking'] });
  });

  it('points at a namespace where a release of that name is', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {}, ml: {} } });
    await helmInstall(sim, { namespace: 'ml' });
    const result = await runAgainst(sim, ['status']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('A release mlflow is in namespace ml: pass --namespace to look there.');
  });

  it('reads the release, its history, pods and claims at once: each starts before the first could finish', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    const delayMs = 1_500;
    sim.setFaults({ delays: { 'helm status': delayMs, 'helm history': delayMs, 'kubectl get': delayMs } });
    sim.clearCalls();
    expect((await runAgainst(sim, ['status'])).code).toBe(0);
    const calls = sim.calls();
    const startOf = (tool: string, words: string[]) => {
      const call = calls.find((candidate) => candidate.tool === tool && words.every((word, i) => candidate.argv[i] === word));
      if (call === undefined) throw new Error(`no ${tool} ${words.join(' ')} was called`);
      return Date.parse(call.time);
    };
    const starts = [startOf('helm', ['status']), startOf('helm', ['history']), startOf('kubectl', ['get', 'pods']), startOf('kubectl', ['get', 'persistentvolumeclaims'])];
    // One after another, no read could start within the first one's delay (the order of recorded events, not speed).
    expect(Math.max(...starts)).toBeLessThan(Math.min(...starts) + delayMs);
  });

  it('says which context it could not reach, and exits 1', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} }, faults: { unreachable: true } });
    const result = await runAgainst(sim, ['status']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    // The reads race: kubectl's or helm's words, whichever failed first.
    expect(result.stderr).toMatch(/^mlflow-install: could not read release mlflow in namespace mlflow through context sim \(https:\/\/sim-cluster\.example:6443\): .*(was refused|connection refused).*\n$/);
  });
});
