import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, scratchDir } from '../cli/cli.js';
import { spawnInPty, type PtySession } from '../helpers/pty.js';
import { cliBin as bin, noCluster, useLifecycleSuite } from '../lifecycle/helpers.js';

const suite = useLifecycleSuite();

/** Waits for a live question (its "?" prefix), then sends the keys; the questions after a cluster step come later. */
async function reply(session: PtySession, question: string, keys: { type?: string; down?: number } = {}, timeoutMs = 60_000): Promise<void> {
  await session.waitFor(`? ${question}`, timeoutMs);
  for (let step = 0; step < (keys.down ?? 0); step += 1) session.press('down');
  if (keys.type !== undefined) session.type(keys.type);
  session.press('enter');
}

/** The questions --preset local leaves, up to the summary: enter at each, the namespace typed. */
async function answerLocalPreset(session: PtySession, namespace: string): Promise<void> {
  await reply(session, 'Release name (mlflow)');
  await reply(session, 'Namespace (mlflow)', { type: namespace });
  await reply(session, 'StorageClass');
  await reply(session, 'Expose MLflow through an Ingress?');
  await reply(session, 'Require a login?');
  await reply(session, 'Admin password for admin (empty: generate one)');
  await reply(session, 'Expose Prometheus metrics on /metrics?');
}

/** The task lines (✔ ...) the screen shows more than once: a renderer that redraws in place draws each once. */
function repeatedTaskLines(screen: string): string[] {
  const lines = screen.split('\n').filter((line) => /^\s*✔ /.test(line));
  return [...new Set(lines.filter((line, index) => lines.indexOf(line) !== index))];
}

describe.skipIf(noCluster !== undefined)('the wizard, then "Install now", on a real control plane (helm 3)', () => {
  it('--preset local by enter throughout: installed, the answers saved with the cluster identity, and a rerun offers them', async () => {
    const cluster = await suite.shared(3);
    const { context } = cluster.identity();
    const cwd = scratchDir();
    const env = { ...cliEnv(), ...cluster.env(), TERM: 'xterm-256color' };
    const first = spawnInPty(process.execPath, [bin, '--preset', 'local'], { cwd, env, cols: 160, rows: 60 });
    await answerLocalPreset(first, 'tracking');
    // The summary's choice names the cluster: it is the install's one confirmation.
    await first.waitFor(`❯ Install now into context ${context}, namespace tracking`);
    await reply(first, 'What now?');
    await first.waitFor('MLflow is running: release mlflow (revision 1) in namespace tracking.', 180_000);
    const exit = await first.exited;
    expect(exit.exitCode, first.screen()).toBe(0);
    const screen = first.screen();
    expect(screen).toContain(`Target: context ${context}`);
    expect(screen, 'the preflight found nothing new: no second question').not.toContain('Change the cluster');
    expect(screen).toContain('✔ The chart test passed: the server answers on /health');
    expect(screen.split('\n').filter((line) => line.includes('Created the namespace tracking')), 'the namespace step is drawn once').toHaveLength(1);
    expect(repeatedTaskLines(screen)).toEqual([]);
    expect(await cluster.release('tracking', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
    const servers = (await cluster.objects('Pod', 'tracking')).filter((pod) => pod.metadata.labels?.['app.kubernetes.io/component'] === 'tracking-server');
    expect(servers.map((pod) => (pod as { status?: { phase?: string } }).status?.phase)).toEqual(['Running']);
    expect(readFileSync(join(cwd, 'mlflow-values.yaml'), 'utf8')).toContain('--namespace tracking');
    const saved = (await cluster.object('ConfigMap', 'tracking', 'mlflow-mlflow-install')) as { data?: Record<string, string> } | undefined;
    expect(saved?.data?.['cluster-uid']).toBe((await cluster.object('Namespace', undefined, 'kube-system'))?.metadata.uid);

    const rerun = spawnInPty(process.execPath, [bin], { cwd, env, cols: 160, rows: 60 });
    await reply(rerun, 'Release name (mlflow)');
    await reply(rerun, 'Namespace (mlflow)', { type: 'tracking' });
    await rerun.waitFor('An earlier install of release mlflow is in namespace tracking (revision 1, deployed)', 60_000);
    await rerun.waitFor('Its saved answers (ConfigMap tracking/mlflow-mlflow-install) are the defaults below.');
    await rerun.waitFor('? Backend store');
    rerun.press('ctrlC');
    expect((await rerun.exited).exitCode).toBe(130);
    expect(await cluster.release('tracking', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
  }, 300_000);

  it('a preflight warning the summary did not show (a namespace admin cannot list StorageClasses): asked once more, naming it', async () => {
    const cluster = await suite.shared(3);
    const kubeconfig = await cluster.serviceAccountKubeconfig('team-a', 'alice');
    await cluster.bindInNamespace('team-a', 'admin', { name: 'alice', namespace: 'team-a' });
    const env = { ...cliEnv(), ...cluster.env(), KUBECONFIG: kubeconfig, TERM: 'xterm-256color' };
    const session = spawnInPty(process.execPath, [bin, '--preset', 'local'], { cwd: scratchDir(), env, cols: 220, rows: 70 });
    await answerLocalPreset(session, 'team-a');
    await session.waitFor('❯ Install now into context alice@team-a, namespace team-a');
    await reply(session, 'What now?');
    const question = 'The preflight warned (storage class';
    await session.waitFor(question, 120_000);
    expect(session.screen()).toContain('could not see the StorageClasses: not allowed to list storageclasses.storage.k8s.io (cluster-wide)');
    expect(session.screen()).toMatch(/\? The preflight warned \([^)]*storage class[^)]*: see above\)\. Change the cluster anyway \(install into context alice@team-a, namespace team-a\)\?/);
    expect(await cluster.release('team-a', 'mlflow'), 'nothing is installed before the answer').toBeUndefined();
    session.press('enter');
    await session.waitFor('MLflow is running: release mlflow (revision 1) in namespace team-a.', 180_000);
    expect((await session.exited).exitCode, session.screen()).toBe(0);
    const screen = session.screen();
    expect(screen.split('Change the cluster').length - 1, 'one question after the summary, not two').toBe(1);
    expect(repeatedTaskLines(screen)).toEqual([]);
    expect(await cluster.release('team-a', 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
  }, 300_000);
});
