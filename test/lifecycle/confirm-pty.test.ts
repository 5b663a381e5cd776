import { describe, expect, it } from 'vitest';
import { scratchDir } from '../cli/cli.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { spawnInPty } from '../helpers/pty.js';
import { callMark, callsSince, cliBin, cliEnvFor, createNamespace, helmInstall, noCluster, uniqueNamespace, useLifecycleSuite } from './helpers.js';

const suite = useLifecycleSuite();
const major = 4;

function uninstallInPty(cluster: TestCluster, args: string[]) {
  // Wide enough that the question, with the cluster's context name in it, is on one line.
  return spawnInPty(process.execPath, [cliBin, 'uninstall', ...args], { cwd: scratchDir(), env: { ...cliEnvFor(cluster), TERM: 'xterm-256color' }, cols: 200, rows: 50 });
}

describe.skipIf(noCluster !== undefined)(`the uninstall confirmation in a terminal, on a real control plane (helm ${major})`, () => {
  it('removes nothing when the answer is no, and uninstalls when it is yes', async () => {
    const cluster = await suite.shared(major);
    const namespace = uniqueNamespace('confirm');
    await createNamespace(cluster, namespace);
    await helmInstall(cluster, { namespace });
    const { context, server } = cluster.identity();
    const question = `Uninstall release mlflow from namespace ${namespace} in context ${context}?`;
    const mark = callMark(cluster);

    const declined = uninstallInPty(cluster, ['-n', namespace]);
    await declined.waitFor(question, 60_000);
    expect(declined.screen()).toMatch(new RegExp(`Context: ${context} \\(${server.replace(/\./g, '\\.')}\\)[\\s\\S]*Will be removed:[\\s\\S]*Will be kept`));
    declined.type('n');
    declined.press('enter');
    await declined.waitFor('Cancelled, nothing was removed');
    expect((await declined.exited).exitCode).toBe(130);
    expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
    expect(callsSince(cluster, mark, namespace).filter((call) => call.tool === 'helm' && call.argv[0] === 'uninstall')).toEqual([]);

    const accepted = uninstallInPty(cluster, ['-n', namespace]);
    await accepted.waitFor(question, 60_000);
    accepted.type('y');
    accepted.press('enter');
    await accepted.waitFor(`Left in namespace ${namespace}: PersistentVolumeClaim mlflow-data.`, 120_000);
    expect((await accepted.exited).exitCode).toBe(0);
    expect(accepted.screen()).toContain('✔ Release mlflow uninstalled (helm uninstall)');
    expect(await cluster.release(namespace, 'mlflow')).toBeUndefined();
    expect(await cluster.objects('Pod', namespace)).toEqual([]);
    expect((await cluster.objects('PersistentVolumeClaim', namespace)).map((claim) => claim.metadata.name)).toEqual(['mlflow-data']);
  }, 240_000);

  it('treats Ctrl-C at the question as cancelling: exit 130, nothing removed', async () => {
    const cluster = await suite.shared(major);
    const namespace = uniqueNamespace('confirm-ctrl-c');
    await createNamespace(cluster, namespace);
    await helmInstall(cluster, { namespace });
    const before = await cluster.namespaceObjects(namespace);
    const session = uninstallInPty(cluster, ['--purge', '-n', namespace]);
    await session.waitFor(`Uninstall release mlflow and delete its tracking data from namespace ${namespace} in context ${cluster.identity().context}?`, 60_000);
    session.press('ctrlC');
    await session.waitFor('Cancelled, nothing was removed');
    expect((await session.exited).exitCode).toBe(130);
    expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
    expect(await cluster.namespaceObjects(namespace)).toEqual(before);
    expect((await cluster.objects('PersistentVolumeClaim', namespace)).map((claim) => claim.metadata.name)).toEqual(['mlflow-data']);
  }, 240_000);
});
