import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, scratchDir } from '../cli/cli.js';
import { spawnInPty } from '../helpers/pty.js';
import { bin, bothHelmsAvailable, Clusters, expectNoLeak, install, majors, namespaceObjects, startInstall, uniquePassword } from './harness.js';

const clusters = new Clusters();
afterAll(() => clusters.cleanup());

const postgres = ['--yes', '--timeout', '60s', '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];

function expectCancelledMessage(stderr: string): void {
  expect(stderr).toContain('Ctrl-C: stopping the running command');
  expect(stderr).toContain('Cancelled during: Install or upgrade the release mlflow.');
  expect(stderr).toContain('helm was stopped. Nothing of release mlflow is installed: helm removed what it had created');
  expect(stderr).toMatch(/Changed by this run before that step, and still in place:\n {2}- namespace mlflow \(created\)\n {2}- Secret mlflow-mlflow-db in mlflow \(created or updated\)\n/);
  expect(stderr).toMatch(/To resume, rerun the same command:\n {2}npx mlflow-install --yes --preset postgres --set backend\.db\.host=db\.internal --timeout 60s\n/);
}

describe.skipIf(!bothHelmsAvailable)('Ctrl-C', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.each(majors)('helm %i', (major) => {
    it.concurrent('in the middle of helm upgrade: helm is stopped, what changed is said, exit 130; the same command then resumes', async () => {
      const sim = clusters.create({ helmMajor: major, faults: { hangOn: 'helm upgrade' } });
      const password = uniquePassword('cancel');
      const env = { MLFLOW_DB_PASSWORD: password };
      const { child, cwd } = startInstall(sim, postgres, { env });
      await sim.waitForHang(60_000);
      child.kill('SIGINT');
      const result = await child;
      const run = { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), cwd };
      expect(run.code, run.stderr).toBe(130);
      expectCancelledMessage(run.stderr);
      expect(run.stderr).toMatch(/mlflow-install: cancelled; rerun the same command to resume$/);
      expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
      expect(sim.hanging()).toBeUndefined();
      // What is left is the Secret and what helm keeps (the volume claim), each named in the message.
      expect(namespaceObjects(sim, 'mlflow')).toEqual(['PersistentVolumeClaim/mlflow-data', 'Secret/mlflow-mlflow-db']);
      expect(run.stderr).toContain('helm left in place: PersistentVolumeClaim mlflow-data (marked to be kept, with its data)');
      expectNoLeak(password, sim, run);

      sim.setFaults({});
      const resumed = await install(sim, postgres, { env, cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('MLflow is running: release mlflow (revision 1) in namespace mlflow.');
    }, 120_000);

    it.concurrent('a helm killed outright leaves the release locked: the next run names the lock and how to clear it, and changes nothing', async () => {
      const sim = clusters.create({ helmMajor: major, faults: { hangOn: 'helm upgrade' } });
      const env = { MLFLOW_DB_PASSWORD: uniquePassword('killed') };
      const { child } = startInstall(sim, postgres, { env });
      const hanging = await sim.waitForHang(60_000);
      process.kill(hanging.pid, 'SIGKILL');
      const killed = await child;
      expect(killed.exitCode, String(killed.stderr)).toBe(1);
      expect(String(killed.stderr)).toMatch(/Release mlflow is left pending-install \(helm was stopped before it could finish\)/);
      sim.setFaults({});
      sim.clearCalls();
      const next = await install(sim, postgres, { env });
      expect(next.code, next.stderr).toBe(1);
      expect(next.stderr).toMatch(/✖ release: release mlflow is pending-install at revision 1: an earlier helm operation did not finish\n +Fix: Make sure no other install is running, then unlock it with `helm uninstall mlflow --namespace mlflow` and rerun\./);
      expect(sim.calls().filter((call) => call.argv[0] === 'upgrade' || call.argv[0] === 'apply' || call.argv[0] === 'create')).toEqual([]);
    }, 120_000);
  });

  it('in a terminal: the task list is drawn in place, Ctrl-C stops helm and the screen says what changed', async () => {
    const sim = clusters.create({ helmMajor: 4, faults: { hangOn: 'helm upgrade' } });
    const cwd = scratchDir();
    const session = spawnInPty(process.execPath, [bin, ...postgres], {
      cwd,
      env: { ...sim.env({ MLFLOW_DB_PASSWORD: uniquePassword('pty') }), TERM: 'xterm-256color', NO_COLOR: '1' },
      cols: 160,
      rows: 60,
    });
    try {
      await session.waitFor('Install or upgrade the release mlflow', 60_000);
      await sim.waitForHang(60_000);
      session.press('ctrlC');
      const exit = await session.exited;
      expect(exit.exitCode).toBe(130);
      await session.waitFor('To resume, rerun the same command:');
      const screen = session.screen();
      expect(screen).toContain('✔ Preflight checks');
      expect(screen).toContain('✔ Created the namespace mlflow');
      expect(screen).toContain('Cancelled during: Install or upgrade the release mlflow.');
      expect(screen).toContain('mlflow-install: cancelled; rerun the same command to resume');
      expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
    } finally {
      session.kill();
    }
  }, 120_000);
});
