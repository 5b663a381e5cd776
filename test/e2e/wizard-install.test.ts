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

describe.skipIf(noCluster !== undefined)('the wizard, then "Install now", on a real control plane (helm 3)', () => {
  it('--preset local by enter throughout: installed, the answers saved with the cluster identity, and a rerun offers them', async () => {
    const cluster = await suite.shared(3);
    const { context } = cluster.identity();
    const cwd = scratchDir();
    const env = { ...cliEnv(), ...cluster.env(), TERM: 'xterm-256color' };
    const first = spawnInPty(process.execPath, [bin, '--preset', 'local'], { cwd, env, cols: 160, rows: 60 });
    await reply(first, 'Release name (mlflow)');
    await reply(first, 'Namespace (mlflow)', { type: 'tracking' });
    await reply(first, 'StorageClass of the volume');
    await reply(first, 'Expose MLflow through an Ingress?');
    await reply(first, 'Expose Prometheus metrics on /metrics?');
    await reply(first, 'What now?');
    // The install's own preflight names the target and asks before anything changes.
    await reply(first, `Change the cluster now (install into context ${context}, namespace tracking)?`, {}, 120_000);
    await first.waitFor('MLflow is running: release mlflow (revision 1) in namespace tracking.', 180_000);
    const exit = await first.exited;
    expect(exit.exitCode, first.screen()).toBe(0);
    expect(first.screen()).toContain('✔ The chart test passed: the server answers on /health');
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
});
