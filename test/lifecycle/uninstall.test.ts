import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import {
  callMark,
  callsSince,
  callStarted,
  createNamespace,
  eventually,
  helmInstall,
  holdWithFinalizer,
  installerLabels,
  installWithData,
  kubeconfigWithClosedPort,
  majors,
  namespaceNames,
  noCluster,
  objectNames,
  releaseFinalizer,
  runAgainst,
  serviceAccountKubeconfig,
  setFlags,
  startCli,
  uniqueNamespace,
  useLifecycleSuite,
} from './helpers.js';

const suite = useLifecycleSuite();

async function namespaceFor(cluster: TestCluster, tag: string, labels: Record<string, string> = {}): Promise<string> {
  const namespace = uniqueNamespace(tag);
  await createNamespace(cluster, namespace, labels);
  return namespace;
}

/** What a database release keeps after uninstall: its claim, the installer's Secret and the saved answers. */
const kept = [
  { kind: 'PersistentVolumeClaim', name: 'mlflow-data' },
  { kind: 'Secret', name: 'mlflow-mlflow-db' },
  { kind: 'ConfigMap', name: 'mlflow-mlflow-install' },
];

/** The kept objects of the namespace as they are in the cluster, as kind/name. */
async function keptObjects(cluster: TestCluster, namespace: string): Promise<string[]> {
  return (await cluster.namespaceObjects(namespace)).filter((object) => /^(PersistentVolumeClaim|Secret|ConfigMap)\//.test(object) && !object.startsWith('Secret/sh.helm.release.v1.'));
}

/** helm or kubectl processes of this machine still running with the namespace in their argv. */
async function toolsStillRunning(namespace: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'args=']);
  const mentions = new RegExp(` ${namespace}( |$)`);
  return stdout.split('\n').filter((line) => /(^|\/)(helm|kubectl) /.test(line) && mentions.test(line));
}

describe.skipIf(noCluster !== undefined)('uninstall on a real control plane', () => {
  describe.each(majors)('with helm %i', (major) => {
    it.concurrent('removes the release and its pods, keeps the tracking data and says how to delete it', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'keep');
      await installWithData(cluster, namespace);
      const mark = callMark(cluster);
      const result = await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
      expect(await objectNames(cluster, 'Pod', namespace)).toEqual([]);
      expect(await objectNames(cluster, 'Deployment', namespace)).toEqual([]);
      expect(await objectNames(cluster, 'Service', namespace)).toEqual([]);
      expect(await keptObjects(cluster, namespace)).toEqual(['ConfigMap/mlflow-mlflow-install', 'PersistentVolumeClaim/mlflow-data', 'Secret/mlflow-mlflow-db']);
      expect((await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data'))?.['status']).toMatchObject({ phase: 'Bound' });
      expect(await namespaceNames(cluster)).toContain(namespace);

      const { context, server } = cluster.identity();
      const out = result.stdout;
      expect(out.indexOf(`Context: ${context} (${server})\n`)).toBe(0);
      expect(out).toContain(`Release mlflow in namespace ${namespace} (revision 1, deployed)`);
      expect(out).toMatch(/Will be removed:\n {2}the release: ServiceAccount mlflow, Service mlflow, Deployment mlflow\n {2}its pods: mlflow-\S+\n/);
      expect(out).toContain('Will be kept (--purge deletes the tracking data too):');
      expect(out).toContain('PersistentVolumeClaim mlflow-data: the artifacts kept by the server');
      expect(out).toContain('Secret mlflow-mlflow-db: the database password');
      expect(out).toContain('ConfigMap mlflow-mlflow-install: the answers, offered again by the next install');
      expect(out).toContain(`namespace ${namespace}: uninstall keeps namespaces`);
      expect(out).toContain('Never removed: the Secrets Store CSI driver');
      expect(out).toContain('✔ Release mlflow uninstalled (helm uninstall)');
      expect(out).toContain('✔ The pods of mlflow are gone');
      expect(out).toContain(`Left in namespace ${namespace}: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install.`);
      expect(out).toContain(`npx mlflow-install uninstall --purge --namespace ${namespace} --release mlflow`);
      const deleteCommand = `kubectl --namespace ${namespace} delete persistentvolumeclaim/mlflow-data secret/mlflow-mlflow-db configmap/mlflow-mlflow-install`;
      expect(out).toContain(deleteCommand);

      const calls = callsSince(cluster, mark, namespace);
      const uninstall = calls.filter((call) => call.tool === 'helm' && call.argv[0] === 'uninstall');
      expect(uninstall.map((call) => call.argv)).toEqual([['uninstall', 'mlflow', '--namespace', namespace, major === 3 ? '--wait' : '--wait=watcher', '--timeout', '5m']]);
      expect(calls.filter((call) => call.tool === 'kubectl' && call.argv[0] === 'delete')).toEqual([]);

      // The command it gives deletes what was kept.
      const [tool, ...args] = deleteCommand.split(' ');
      expect(tool).toBe('kubectl');
      expect((await cluster.exec('kubectl', args)).exitCode).toBe(0);
      expect(await keptObjects(cluster, namespace)).toEqual([]);
    }, 240_000);

    it.concurrent('--purge deletes the data too, and the namespace mlflow-install created when nothing else is in it', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'purged', installerLabels);
      await installWithData(cluster, namespace);
      const volume = (await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data'))?.['spec'] as { volumeName?: string } | undefined;
      const result = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', namespace]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `Will be removed:\\n {2}the release: .*\\n {2}its pods: .*\\n {2}PersistentVolumeClaim mlflow-data: .*\\n {2}Secret mlflow-mlflow-db: .*\\n {2}ConfigMap mlflow-mlflow-install: .*\\n {2}namespace ${namespace}: mlflow-install created it and nothing else is in it\\n`,
        ),
      );
      expect(result.stdout).toContain('✔ Deleted PersistentVolumeClaim mlflow-data');
      expect(result.stdout).toContain('✔ Deleted Secret mlflow-mlflow-db');
      expect(result.stdout).toContain('✔ Deleted ConfigMap mlflow-mlflow-install');
      expect(result.stdout).toContain(`✔ Deleted namespace ${namespace}`);
      expect(result.stdout).toContain('Nothing of release mlflow is left.');
      expect(result.stdout).toContain(`Namespace ${namespace} was deleted.`);
      // kubectl delete waits for the namespace controller to empty it: by now it is gone.
      expect(await cluster.object('Namespace', undefined, namespace)).toBeUndefined();
      // The volume the claim was bound to is released (reclaim policy Retain): its data stays on it, for an admin.
      expect(volume?.volumeName).toBeDefined();
      await eventually(`PersistentVolume ${volume?.volumeName} Released`, async () => ((await cluster.object('PersistentVolume', undefined, volume?.volumeName ?? ''))?.['status'] as { phase?: string } | undefined)?.phase === 'Released');
    }, 240_000);

    it.concurrent('--purge keeps a namespace mlflow-install created when it holds something else', async () => {
      const cluster = await suite.shared(major);
      const shared = await namespaceFor(cluster, 'shared', installerLabels);
      await installWithData(cluster, shared);
      await helmInstall(cluster, { release: 'neighbour', namespace: shared, extra: ['--set', 'persistence.enabled=false'] });
      const result = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', shared]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`namespace ${shared}: it also holds .*Deployment neighbour-mlflow`));
      expect(result.stdout).toMatch(new RegExp(`Namespace ${shared} is kept: it also holds .*Deployment neighbour-mlflow`));
      expect(await keptObjects(cluster, shared)).toEqual([]);
      expect(await cluster.release(shared, 'neighbour')).toMatchObject({ status: 'deployed' });
      expect(await objectNames(cluster, 'Deployment', shared)).toEqual(['neighbour-mlflow']);
      expect(await namespaceNames(cluster)).toContain(shared);
    }, 240_000);

    it.concurrent('--purge keeps a namespace mlflow-install did not create', async () => {
      const cluster = await suite.shared(major);
      const theirs = await namespaceFor(cluster, 'theirs');
      await installWithData(cluster, theirs);
      const result = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', theirs]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`namespace ${theirs}: not created by mlflow-install (no label app.kubernetes.io/managed-by=mlflow-install)`);
      expect(result.stdout).toContain(`Nothing of release mlflow is left in namespace ${theirs}.`);
      expect(await keptObjects(cluster, theirs)).toEqual([]);
      expect(await namespaceNames(cluster)).toContain(theirs);
    }, 240_000);

    it.concurrent('refuses outside a terminal without --yes, removing nothing', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'unconfirmed');
      await installWithData(cluster, namespace);
      const before = await cluster.namespaceObjects(namespace);
      const mark = callMark(cluster);
      const result = await runAgainst(cluster, ['uninstall', '-n', namespace]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`mlflow-install: not a terminal, so the uninstall cannot be confirmed: nothing was removed. Pass --yes to uninstall release mlflow from namespace ${namespace}\n`);
      // Usage is checked before the cluster is read: nothing was asked of it.
      expect(result.stdout).toBe('');
      expect(callsSince(cluster, mark, namespace)).toEqual([]);
      const json = await runAgainst(cluster, ['uninstall', '--json', '-n', namespace]);
      expect(json.code).toBe(2);
      expect(json.stderr).toContain('--json needs --yes');
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
      expect(await cluster.namespaceObjects(namespace)).toEqual(before);
      const changes = callsSince(cluster, mark, namespace).filter((call) => (call.tool === 'helm' ? call.argv[0] === 'uninstall' : call.argv[0] === 'delete'));
      expect(changes).toEqual([]);
    }, 240_000);

    it.concurrent('has nothing to uninstall when there is no release, and --purge then deletes what an earlier uninstall kept', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'leftovers');
      const { context, server } = cluster.identity();
      const none = await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace]);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe(`Context: ${context} (${server})\nNo release mlflow in namespace ${namespace}: nothing to uninstall.\n`);
      const nowhere = uniqueNamespace('nowhere');
      const missingNamespace = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', nowhere]);
      expect(missingNamespace.code).toBe(0);
      expect(missingNamespace.stdout).toContain(`No release mlflow in namespace ${nowhere}: nothing to uninstall.`);
      expect(await cluster.object('Namespace', undefined, nowhere)).toBeUndefined();

      await installWithData(cluster, namespace);
      expect((await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace])).code).toBe(0);
      const again = await runAgainst(cluster, ['uninstall', '--yes', '-n', namespace]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`No release mlflow in namespace ${namespace}: nothing to uninstall.`);
      expect(again.stdout).toContain('Left from an earlier install: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install. To delete it:');
      const mark = callMark(cluster);
      const purge = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '--json', '-n', namespace]);
      expect(purge.code, purge.stderr).toBe(0);
      expect(JSON.parse(purge.stdout)).toMatchObject({ found: false, purge: true, deleted: kept, left: [], namespaceRemoved: false });
      expect(callsSince(cluster, mark, namespace).filter((call) => call.tool === 'helm' && call.argv[0] === 'uninstall')).toEqual([]);
      expect(await keptObjects(cluster, namespace)).toEqual([]);
    }, 240_000);

    it.concurrent('deletes what helm leaves behind (a failed migration hook Job and its pod) and waits until the pods are gone', async () => {
      const cluster = await suite.shared(major);
      // Every Job's pod fails in this namespace. The first install runs no migration; the upgrade's pre-upgrade hook fails once.
      const namespace = 'jobfails';
      await installWithData(cluster, namespace, ['--set', 'database.migrate.enabled=false']);
      await expect(installWithData(cluster, namespace, setFlags(['database.migrate.backoffLimit=0', 'podAnnotations.rev=two']))).rejects.toThrow(/pre-upgrade hooks failed/);
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 3, status: 'deployed' });
      const hookPods = (await cluster.objects('Pod', namespace)).filter((pod) => pod.metadata.labels?.['app.kubernetes.io/component'] === 'migrate');
      expect(hookPods).toHaveLength(1);
      expect(await objectNames(cluster, 'Job', namespace)).toEqual(['mlflow-migrate']);

      const result = await runAgainst(cluster, ['uninstall', '--yes', '--json', '-n', namespace]);
      expect(result.code, result.stderr).toBe(0);
      expect(await objectNames(cluster, 'Pod', namespace)).toEqual([]);
      expect(await objectNames(cluster, 'Job', namespace)).toEqual([]);
      const outcome = JSON.parse(result.stdout) as { removed: string[]; left: unknown[] };
      expect(outcome.removed).toEqual(['Release mlflow uninstalled (helm uninstall)', `Deleted the release's remaining pods and hook Jobs (${hookPods[0]?.metadata.name})`, 'The pods of mlflow are gone']);
      expect(outcome.left).toEqual(kept);
      expect(result.stderr).toContain('✔ Release mlflow uninstalled');
      expect(await keptObjects(cluster, namespace)).toEqual(['ConfigMap/mlflow-mlflow-install', 'PersistentVolumeClaim/mlflow-data', 'Secret/mlflow-mlflow-db']);
    }, 240_000);

    it.concurrent('stops on Ctrl-C while helm uninstall waits (finalizers hold what it deletes): exit 130, what was done and how to finish; the rerun finishes', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'cancel-helm');
      await helmInstall(cluster, { namespace });
      // Every object of the release held: helm 4's watcher counts one it has not seen yet as gone, and may return early.
      const held = [['deployment', 'mlflow'], ['service', 'mlflow'], ['serviceaccount', 'mlflow']] as const;
      for (const [kind, name] of held) await holdWithFinalizer(cluster, kind, namespace, name);
      const mark = callMark(cluster);
      const cli = startCli(cluster, ['uninstall', '--yes', '-n', namespace]);
      await callStarted(cluster, mark, namespace, 'helm', ['uninstall']);
      // helm has deleted them all and waits for them to go.
      await eventually('the release is being deleted', async () => {
        const objects = await Promise.all(held.map(([kind, name]) => cluster.object(kind, namespace, name)));
        return objects.every((object) => object !== undefined && 'deletionTimestamp' in object.metadata);
      });
      process.kill(cli.pid, 'SIGINT');
      const result = await cli.result;
      expect(result.code).toBe(130);
      expect(result.stderr).toBe(
        `mlflow-install: Cancelled while helm uninstall mlflow ran (it may have done part of its work). Nothing was changed before it. Run \`npx mlflow-install uninstall --namespace ${namespace} --release mlflow\` again to finish.\n`,
      );
      // helm was stopped with it, halfway: the release is marked uninstalling, its pod still runs.
      expect(await toolsStillRunning(namespace)).toEqual([]);
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'uninstalling' });
      expect(await objectNames(cluster, 'Pod', namespace)).toHaveLength(1);
      const status = await runAgainst(cluster, ['status', '-n', namespace]);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain('! the release is uninstalling: Deletion in progress (or silently failed)');

      // Once the finalizers are gone, the command it gave finishes the uninstall.
      for (const [kind, name] of held) await releaseFinalizer(cluster, kind, namespace, name);
      const rerun = await runAgainst(cluster, ['uninstall', '--yes', '--namespace', namespace, '--release', 'mlflow']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain(`Release mlflow in namespace ${namespace} (revision 1, uninstalling)`);
      expect(rerun.stdout).toContain('✔ Release mlflow uninstalled (helm uninstall)');
      expect(rerun.stdout).toContain(`Left in namespace ${namespace}: PersistentVolumeClaim mlflow-data.`);
      expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
      expect(await objectNames(cluster, 'Pod', namespace)).toEqual([]);
      expect(await objectNames(cluster, 'Deployment', namespace)).toEqual([]);
    }, 240_000);

    it.concurrent('says what was already done when Ctrl-C comes later (deleting the data, held by a finalizer), and a rerun finishes the job', async () => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'cancel-purge');
      await installWithData(cluster, namespace);
      await holdWithFinalizer(cluster, 'persistentvolumeclaim', namespace, 'mlflow-data');
      const mark = callMark(cluster);
      const cli = startCli(cluster, ['uninstall', '--yes', '--purge', '-n', namespace]);
      await callStarted(cluster, mark, namespace, 'kubectl', ['delete', 'persistentvolumeclaims']);
      await eventually('the claim is being deleted', async () => 'deletionTimestamp' in ((await cluster.object('PersistentVolumeClaim', namespace, 'mlflow-data'))?.metadata ?? {}));
      process.kill(cli.pid, 'SIGINT');
      const result = await cli.result;
      expect(result.code).toBe(130);
      expect(result.stderr).toBe(
        `mlflow-install: Cancelled while deleting PersistentVolumeClaim mlflow-data (it may have done part of its work). Done before that: Release mlflow uninstalled (helm uninstall); The pods of mlflow are gone. Run \`npx mlflow-install uninstall --purge --namespace ${namespace} --release mlflow\` again to finish.\n`,
      );
      expect(await toolsStillRunning(namespace)).toEqual([]);
      expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
      // The claim waits for its finalizer; the Secret and the answers were not reached.
      expect(await keptObjects(cluster, namespace)).toEqual(['ConfigMap/mlflow-mlflow-install', 'PersistentVolumeClaim/mlflow-data', 'Secret/mlflow-mlflow-db']);

      await releaseFinalizer(cluster, 'persistentvolumeclaim', namespace, 'mlflow-data');
      const rerun = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '--namespace', namespace, '--release', 'mlflow']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain(`No release mlflow in namespace ${namespace}; what an earlier install left:`);
      expect(rerun.stdout).toContain(`Nothing of release mlflow is left in namespace ${namespace}.`);
      expect(await keptObjects(cluster, namespace)).toEqual([]);
    }, 240_000);

    it.concurrent('changes nothing when a namespace token may not read Secrets, and says so with the context', async ({ expect }) => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'refused');
      await installWithData(cluster, namespace);
      // A CI job's account: it may read and delete the workload, not the Secrets helm keeps its releases in.
      const token = await serviceAccountKubeconfig(cluster, namespace, 'ci', [
        { apiGroups: ['', 'apps', 'batch'], resources: ['namespaces', 'pods', 'persistentvolumeclaims', 'configmaps', 'services', 'serviceaccounts', 'deployments', 'jobs'], verbs: ['get', 'list', 'watch', 'delete'] },
      ]);
      const before = await cluster.namespaceObjects(namespace);
      const mark = callMark(cluster);
      const result = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', namespace], { KUBECONFIG: token.path });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^mlflow-install: could not read release mlflow in namespace ${namespace} through context ci@${namespace} \\(${cluster.identity().server.replace(/\./g, '\\.')}\\): .*secrets is forbidden: User "${token.user}" cannot list resource "secrets" in API group "" in the namespace "${namespace}"\\n`),
      );
      expect(callsSince(cluster, mark, namespace).filter((call) => (call.tool === 'helm' ? call.argv[0] === 'uninstall' : call.argv[0] === 'delete'))).toEqual([]);
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
      expect(await cluster.namespaceObjects(namespace)).toEqual(before);
      // What to do about it: said for the install's preflight ("helm and kubectl must be able to read Secrets ..."), not here.
      expect.soft(result.stderr, 'a fix for a refused read').toMatch(/Fix: .*Secrets/);
    }, 240_000);

    it.concurrent('changes nothing when the API server refuses the connection (a kubeconfig with a closed port), and says through which context', async ({ expect }) => {
      const cluster = await suite.shared(major);
      const namespace = await namespaceFor(cluster, 'unreachable');
      await installWithData(cluster, namespace);
      const before = await cluster.namespaceObjects(namespace);
      const closed = await kubeconfigWithClosedPort(cluster);
      const port = new URL(closed.server).port;
      const result = await runAgainst(cluster, ['uninstall', '--yes', '--purge', '-n', namespace], { KUBECONFIG: closed.path });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^mlflow-install: could not read release mlflow in namespace ${namespace} through context ${cluster.identity().context} \\(https://127\\.0\\.0\\.1:${port}\\): .*(127\\.0\\.0\\.1:${port} was refused|dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused).*\\n`),
      );
      expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
      expect(await cluster.namespaceObjects(namespace)).toEqual(before);
      // What to do about it: said for the install's preflight ("Check that the cluster is running and reachable"), not here.
      expect.soft(result.stderr, 'a fix for an API server that does not answer').toMatch(/Fix: .*(running|reachable|--context)/);
    }, 240_000);
  });
});
