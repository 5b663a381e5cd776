import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady } from '../../src/cluster/k8s.js';
import { ensureBuilt, scratchDir } from '../cli/cli.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { spawnInPty } from '../helpers/pty.js';
import { markedRun } from './cluster-faults.js';
import { bin, changesTheCluster, install, majors, noCluster, podsOf, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

describe.skipIf(noCluster !== undefined)('the install, before and around its steps', () => {
  beforeAll(ensureBuilt, 300_000);

  describe.concurrent.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major });
    }, 180_000);

    it.concurrent('refuses a password that is part of an argument (here the release name): one line, exit 2, nothing changed', async () => {
      const marked = markedRun();
      const run = await install(cluster, ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db.internal'], { env: { MLFLOW_DB_PASSWORD: 'mlflow', ...marked.env } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^mlflow-install: MLFLOW_DB_PASSWORD: the password is part of an argument the install passes to kubectl or helm \("[^"]*mlflow[^"]*"\), so it could not be kept out of the commands; expected .*$/);
      expect(run.stderr.split('\n')).toHaveLength(1);
      expect(marked.calls(cluster).filter(changesTheCluster)).toEqual([]);
      // The namespace (the install's default) was not created, nor anything in it.
      expect(await cluster.object('Namespace', undefined, 'mlflow')).toBeUndefined();
      expect(await cluster.namespaceObjects('mlflow')).toEqual([]);
    }, 120_000);

    it.concurrent('with CI set, a terminal gets the plain lines too: no spinner, no cursor movement', async () => {
      const namespace = 'ci';
      const session = spawnInPty(process.execPath, [bin, '--yes', '--timeout', '120s', '--namespace', namespace, '--preset', 'local'], {
        cwd: scratchDir(),
        env: { ...cluster.env(), CI: 'true', TERM: 'xterm-256color', NO_COLOR: '1' },
        cols: 160,
        rows: 60,
      });
      try {
        const exit = await session.exited;
        expect(exit.exitCode, session.screen()).toBe(0);
        await session.waitFor('MLflow is running');
        expect(session.raw()).not.toMatch(/\u001b\[/);
        expect(session.screen()).toMatch(/^✔ Installed the release mlflow \(revision 1\)$/m);
        expect(await cluster.release(namespace, 'mlflow')).toMatchObject({ revision: 1, status: 'deployed' });
        expect((await podsOf(cluster, namespace, 'app.kubernetes.io/instance=mlflow,app.kubernetes.io/component=tracking-server')).map(isPodReady)).toEqual([true]);
      } finally {
        session.kill();
      }
    }, 240_000);
  });
});
