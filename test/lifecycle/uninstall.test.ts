import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../helpers/sim-cluster.js';
import { applyInstallerObjects, availableMajors, callStarted, helmInstall, objectNames, postgresSettings, runAgainst, setFlags, startCli, useLifecycleSuite } from './helpers.js';

const suite = useLifecycleSuite();

/** A database release whose artifacts the server keeps on its volume: a claim, the installer's Secret and saved answers. */
async function installWithData(sim: SimCluster, options: { namespace?: string } = {}): Promise<void> {
  await applyInstallerObjects(sim, 'not-the-point-here', options);
  await helmInstall(sim, { ...options, extra: setFlags(postgresSettings()) });
}

function namespaces(sim: SimCluster): string[] {
  return sim.objects('Namespace').map((namespace) => namespace.metadata.name);
}

function helmVerbs(sim: SimCluster): string[] {
  return sim.calls('helm').map((call) => call.argv[0] ?? '');
}

describe.each(availableMajors)('uninstall with helm %i', (major) => {
  it('removes the release and its pods, keeps the tracking data and says how to delete it', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await installWithData(sim);
    sim.clearCalls();
    const result = await runAgainst(sim, ['uninstall', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
    expect(objectNames(sim, 'Pod', 'mlflow')).toEqual([]);
    expect(objectNames(sim, 'Deployment', 'mlflow')).toEqual([]);
    expect(objectNames(sim, 'PersistentVolumeClaim', 'mlflow')).toEqual(['mlflow-data']);
    expect(objectNames(sim, 'Secret', 'mlflow')).toEqual(['mlflow-mlflow-db']);
    expect(objectNames(sim, 'ConfigMap', 'mlflow')).toEqual(['mlflow-mlflow-install']);
    expect(namespaces(sim)).toContain('mlflow');

    const out = result.stdout;
    expect(out.indexOf(`Context: sim (${sim.server})`)).toBe(0);
    expect(out).toMatch(/Will be removed:\n {2}the release: .*Deployment mlflow.*\n {2}its pods: mlflow-/);
    expect(out).toContain('Will be kept (--purge deletes the tracking data too):');
    expect(out).toContain('PersistentVolumeClaim mlflow-data: the artifacts kept by the server');
    expect(out).toContain('Secret mlflow-mlflow-db: the database password');
    expect(out).toContain('ConfigMap mlflow-mlflow-install: the answers, offered again by the next install');
    expect(out).toContain('Never removed: the Secrets Store CSI driver');
    expect(out).toContain('✔ Release mlflow uninstalled (helm uninstall)');
    expect(out).toContain('✔ The pods of mlflow are gone');
    expect(out).toContain('Left in namespace mlflow: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install.');
    expect(out).toContain('npx mlflow-install uninstall --purge --namespace mlflow --release mlflow');
    expect(out).toContain('kubectl --namespace mlflow delete persistentvolumeclaim/mlflow-data secret/mlflow-mlflow-db configmap/mlflow-mlflow-install');

    const uninstall = sim.calls('helm').find((call) => call.argv[0] === 'uninstall');
    expect(uninstall?.argv).toEqual(['uninstall', 'mlflow', '--namespace', 'mlflow', major === 3 ? '--wait' : '--wait=watcher', '--timeout', '5m']);
    expect(helmVerbs(sim)).not.toContain('delete');
    expect(sim.calls('kubectl').filter((call) => call.argv[0] === 'delete')).toEqual([]);
  });

  it('--purge deletes the data too, and the namespace mlflow-install created when nothing else is in it', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: { 'app.kubernetes.io/managed-by': 'mlflow-install' } } });
    await installWithData(sim);
    const result = await runAgainst(sim, ['uninstall', '--yes', '--purge']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Will be removed:\n {2}the release: .*\n {2}its pods: .*\n {2}PersistentVolumeClaim mlflow-data: .*\n {2}Secret mlflow-mlflow-db: .*\n {2}ConfigMap mlflow-mlflow-install: .*\n {2}namespace mlflow: mlflow-install created it and nothing else is in it/);
    expect(result.stdout).toContain('✔ Deleted PersistentVolumeClaim mlflow-data');
    expect(result.stdout).toContain('✔ Deleted Secret mlflow-mlflow-db');
    expect(result.stdout).toContain('✔ Deleted ConfigMap mlflow-mlflow-install');
    expect(result.stdout).toContain('✔ Deleted namespace mlflow');
    expect(result.stdout).toContain('Nothing of release mlflow is left.');
    expect(namespaces(sim)).not.toContain('mlflow');
  });

  it('--purge keeps a namespace that holds something else, and one mlflow-install did not create', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { shared: { 'app.kubernetes.io/managed-by': 'mlflow-install' }, theirs: {} } });
    await installWithData(sim, { namespace: 'shared' });
    await helmInstall(sim, { release: 'neighbour', namespace: 'shared', extra: ['--set', 'persistence.enabled=false'] });
    const shared = await runAgainst(sim, ['uninstall', '--yes', '--purge', '-n', 'shared']);
    expect(shared.code).toBe(0);
    expect(shared.stdout).toMatch(/namespace shared: it also holds .*Deployment neighbour/);
    expect(shared.stdout).toContain('Namespace shared is kept: it also holds');
    expect(objectNames(sim, 'PersistentVolumeClaim', 'shared')).toEqual([]);
    expect(objectNames(sim, 'Secret', 'shared').filter((name) => !name.startsWith('sh.helm.release.v1.neighbour'))).toEqual([]);
    expect(sim.release('shared', 'neighbour')?.status).toBe('deployed');
    expect(objectNames(sim, 'Deployment', 'shared')).toEqual(['neighbour-mlflow']);

    await installWithData(sim, { namespace: 'theirs' });
    const theirs = await runAgainst(sim, ['uninstall', '--yes', '--purge', '-n', 'theirs']);
    expect(theirs.code).toBe(0);
    expect(theirs.stdout).toContain('namespace theirs: not created by mlflow-install (no label app.kubernetes.io/managed-by=mlflow-install)');
    expect(namespaces(sim)).toContain('theirs');
  });

  it('refuses outside a terminal without --yes, removing nothing', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await installWithData(sim);
    sim.clearCalls();
    const result = await runAgainst(sim, ['uninstall']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('mlflow-install: not a terminal, so the uninstall cannot be confirmed: nothing was removed. Pass --yes to uninstall release mlflow from context sim\n');
    expect(result.stdout).toContain('Will be removed:');
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('deployed');
    expect(helmVerbs(sim)).not.toContain('uninstall');
    expect(sim.calls('kubectl').filter((call) => call.argv[0] === 'delete')).toEqual([]);
    const json = await runAgainst(sim, ['uninstall', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--json needs --yes');
  });

  it('has nothing to uninstall when there is no release, and --purge then deletes what an earlier uninstall kept', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    const none = await runAgainst(sim, ['uninstall']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`Context: sim (${sim.server})\nNo release mlflow in namespace mlflow: nothing to uninstall.\n`);
    const missingNamespace = await runAgainst(sim, ['uninstall', '--yes', '--purge', '-n', 'nowhere']);
    expect(missingNamespace.code).toBe(0);
    expect(missingNamespace.stdout).toContain('nothing to uninstall');

    await installWithData(sim);
    expect((await runAgainst(sim, ['uninstall', '--yes'])).code).toBe(0);
    const again = await runAgainst(sim, ['uninstall']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No release mlflow in namespace mlflow: nothing to uninstall.');
    expect(again.stdout).toContain('Left from an earlier install: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install. To delete it:');
    sim.clearCalls();
    const purge = await runAgainst(sim, ['uninstall', '--yes', '--purge', '--json']);
    expect(purge.code).toBe(0);
    expect(JSON.parse(purge.stdout)).toMatchObject({
      found: false,
      purge: true,
      deleted: [
        { kind: 'PersistentVolumeClaim', name: 'mlflow-data' },
        { kind: 'Secret', name: 'mlflow-mlflow-db' },
        { kind: 'ConfigMap', name: 'mlflow-mlflow-install' },
      ],
      left: [],
      namespaceRemoved: false,
    });
    expect(helmVerbs(sim)).not.toContain('uninstall');
    expect(objectNames(sim, 'PersistentVolumeClaim', 'mlflow')).toEqual([]);
  });

  it('deletes what helm leaves behind (a failed migration hook Job and its pod) and waits until the pods are gone', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await installWithData(sim);
    sim.addFaults({ hookFailure: { logs: 'alembic.util.exc.CommandError: Can\'t locate revision' } });
    await expect(helmInstall(sim, { extra: setFlags([...postgresSettings(), 'podAnnotations.rev=two']) })).rejects.toThrow(/pre-upgrade hooks failed/);
    sim.setFaults({});
    const hookPods = sim.objects('Pod', 'mlflow').filter((pod) => pod.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');
    expect(hookPods).toHaveLength(1);
    expect(objectNames(sim, 'Job', 'mlflow')).toEqual(['mlflow-migrate']);
    const result = await runAgainst(sim, ['uninstall', '--yes', '--json']);
    expect(result.code).toBe(0);
    expect(objectNames(sim, 'Pod', 'mlflow')).toEqual([]);
    expect(objectNames(sim, 'Job', 'mlflow')).toEqual([]);
    const outcome = JSON.parse(result.stdout) as { removed: string[]; left: unknown[] };
    expect(outcome.removed).toEqual([
      'Release mlflow uninstalled (helm uninstall)',
      `Deleted the release's remaining pods and hook Jobs (${hookPods[0]?.metadata.name})`,
      'The pods of mlflow are gone',
    ]);
    expect(outcome.left).toEqual([
      { kind: 'PersistentVolumeClaim', name: 'mlflow-data' },
      { kind: 'Secret', name: 'mlflow-mlflow-db' },
      { kind: 'ConfigMap', name: 'mlflow-mlflow-install' },
    ]);
    expect(result.stderr).toContain('✔ Release mlflow uninstalled');
  });

  it('stops on Ctrl-C during helm uninstall: exit 130, saying what was done and how to finish', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    sim.setFaults({ delays: { 'helm uninstall': 60_000 } });
    const cli = startCli(sim, ['uninstall', '--yes']);
    await callStarted(sim, 'helm', ['uninstall']);
    process.kill(cli.pid, 'SIGINT');
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(
      'mlflow-install: Cancelled while helm uninstall mlflow ran (it may have done part of its work). Nothing was changed before it. Run `npx mlflow-install uninstall --namespace mlflow --release mlflow` again to finish.\n',
    );
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('deployed');
  });

  it('says what was already done when Ctrl-C comes later (deleting the data), and a rerun finishes the job', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await installWithData(sim);
    sim.setFaults({ delays: { 'kubectl delete': 60_000 } });
    const cli = startCli(sim, ['uninstall', '--yes', '--purge']);
    await callStarted(sim, 'kubectl', ['delete', 'persistentvolumeclaims']);
    process.kill(cli.pid, 'SIGINT');
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(
      'mlflow-install: Cancelled while deleting PersistentVolumeClaim mlflow-data (it may have done part of its work). Done before that: Release mlflow uninstalled (helm uninstall); The pods of mlflow are gone. Run `npx mlflow-install uninstall --purge --namespace mlflow --release mlflow` again to finish.\n',
    );
    sim.setFaults({});
    const rerun = await runAgainst(sim, ['uninstall', '--yes', '--purge']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('No release mlflow in namespace mlflow; what an earlier install left:');
    expect(objectNames(sim, 'PersistentVolumeClaim', 'mlflow')).toEqual([]);
    expect(objectNames(sim, 'Secret', 'mlflow')).toEqual([]);
  });

  it('changes nothing when the cluster refuses the reads, and says so with the context', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await installWithData(sim);
    sim.setFaults({ forbidden: { verbs: ['list'], resources: ['secrets'] } });
    sim.clearCalls();
    const result = await runAgainst(sim, ['uninstall', '--yes', '--purge']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mlflow-install: could not read release mlflow in namespace mlflow through context sim \(https:\/\/sim-cluster\.example:6443\): .*secrets is forbidden: User "sim-user" cannot list resource "secrets"/);
    expect(helmVerbs(sim)).not.toContain('uninstall');
    expect(sim.calls('kubectl').filter((call) => call.argv[0] === 'delete')).toEqual([]);
  });
});
