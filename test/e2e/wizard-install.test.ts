import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ensureBuilt, scratchDir } from '../cli/cli.js';
import { spawnInPty, type PtySession } from '../helpers/pty.js';
import { SimCluster } from '../helpers/sim-cluster.js';
import { repoRoot, toolSet } from '../helpers/tools.js';

const bin = join(repoRoot, 'bin', 'mlflow-install.js');
const helm3 = toolSet(3);
const clusters: SimCluster[] = [];

async function reply(session: PtySession, question: string, keys: { type?: string; down?: number } = {}): Promise<void> {
  await session.waitFor(`? ${question}`);
  for (let step = 0; step < (keys.down ?? 0); step += 1) session.press('down');
  if (keys.type !== undefined) session.type(keys.type);
  session.press('enter');
}

describe.skipIf(helm3.unavailable !== undefined)('the wizard, then "Install now", on the simulated cluster', () => {
  beforeAll(ensureBuilt, 300_000);
  afterEach(() => {
    for (const sim of clusters.splice(0)) sim.cleanup();
  });

  it('--preset local by enter throughout: installed, the answers saved with the cluster identity, and a rerun offers them', async () => {
    const sim = SimCluster.create({ helmMajor: 3 });
    clusters.push(sim);
    const cwd = scratchDir();
    const env = { ...cliEnv(), ...sim.env() };
    const first = spawnInPty(process.execPath, [bin, '--preset', 'local'], { cwd, env });
    await reply(first, 'Release name (mlflow)');
    await reply(first, 'Namespace (mlflow)', { type: 'tracking' });
    await reply(first, 'StorageClass of the volume');
    await reply(first, 'Expose MLflow through an Ingress?');
    await reply(first, 'Expose Prometheus metrics on /metrics?');
    await reply(first, 'What now?');
    // The install's own preflight names the target and asks before anything changes.
    await reply(first, 'Change the cluster now (install into context sim, namespace tracking)?');
    const exit = await first.exited;
    expect(exit.exitCode, first.screen()).toBe(0);
    expect(sim.release('tracking', 'mlflow')?.status).toBe('deployed');
    expect(readFileSync(join(cwd, 'mlflow-values.yaml'), 'utf8')).toContain('--namespace tracking');
    const saved = sim.object('ConfigMap', 'tracking', 'mlflow-mlflow-install') as { data?: Record<string, string> } | undefined;
    expect(saved?.data?.['cluster-uid']).toBe(sim.object('Namespace', undefined, 'kube-system')?.metadata.uid);

    const rerun = spawnInPty(process.execPath, [bin], { cwd, env });
    await reply(rerun, 'Release name (mlflow)');
    await reply(rerun, 'Namespace (mlflow)', { type: 'tracking' });
    await rerun.waitFor('An earlier install of release mlflow is in namespace tracking (revision 1, deployed)');
    await rerun.waitFor('Its saved answers (ConfigMap tracking/mlflow-mlflow-install) are the defaults below.');
    await rerun.waitFor('? Backend store');
    rerun.press('ctrlC');
    expect((await rerun.exited).exitCode).toBe(130);
  });
});
