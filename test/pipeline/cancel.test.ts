import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, scratchDir } from '../cli/cli.js';
import { faultNamespaces } from '../helpers/kwok/stages.js';
import type { TestCluster } from '../helpers/kwok/test-cluster.js';
import { spawnInPty } from '../helpers/pty.js';
import { descendants, markedRun, toolsRunningOn, waitUntil } from './cluster-faults.js';
import { bin, expectNoLeak, install, majors, noCluster, startInstall, TestClusters, uniquePassword } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

// kwok makes the tracking server of this namespace ready only after a minute: helm is still waiting for it when
// the test stops the install, and the resumed install waits the minute out.
const namespace = faultNamespaces.slowStart;
const command = (release: string): string[] => ['--yes', '--timeout', '150s', '--namespace', namespace, '--release', release, '--preset', 'postgres', '--set', 'backend.db.host=db.internal'];
const rerunLine = (release: string): string => `npx mlflow-install --yes --preset postgres --release ${release} --namespace ${namespace} --set backend.db.host=db.internal --timeout 150s`;

/** Until helm upgrade has created the release's Deployment: past its hooks, waiting for the server. */
async function helmWaitsForTheServer(cluster: TestCluster, calls: () => { argv: string[] }[], release: string): Promise<void> {
  await waitUntil('helm upgrade to start', () => calls().some((call) => call.argv[0] === 'upgrade' && call.argv.includes(release)), 90_000);
  await waitUntil(`the Deployment ${release}-mlflow`, async () => (await cluster.object('Deployment', namespace, `${release}-mlflow`)) !== undefined, 90_000, 250);
}

function expectCancelledMessage(stderr: string, release: string): void {
  expect(stderr).toContain('Ctrl-C: stopping the running command');
  expect(stderr).toContain(`Cancelled during: Install or upgrade the release ${release}.`);
  expect(stderr).toContain(`helm was stopped. Nothing of release ${release} is installed: helm removed what it had created (helm rolled back the first install).`);
  expect(stderr).toContain(`The answers of this run are not saved in ConfigMap ${namespace}/${release}-mlflow-install`);
  expect(stderr).toMatch(
    new RegExp(`Changed by this run before that step, and still in place:\\n {2}- Secret ${release}-mlflow-db in ${namespace} \\(created or updated\\)\\n {2}- Secret ${release}-mlflow-auth in ${namespace} \\(created\\)\\n`),
  );
  expect(stderr).toContain(`To resume, rerun the same command:\n  ${rerunLine(release)}\n`);
}

describe.skipIf(noCluster !== undefined)('Ctrl-C', () => {
  beforeAll(ensureBuilt, 300_000);

  // Both majors at once: a cluster each, where each test installs its own release into the slow namespace.
  describe.concurrent.each(majors)('helm %i', (major) => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await clusters.create({ helmMajor: major });
    }, 180_000);

    it.concurrent('in the middle of helm upgrade: helm is stopped, what changed is said, exit 130; the same command then resumes', async () => {
      const release = 'stopped';
      const password = uniquePassword('cancel');
      const marked = markedRun();
      const env = { MLFLOW_DB_PASSWORD: password, ...marked.env };
      const { child, cwd } = startInstall(cluster, command(release), { env });
      await helmWaitsForTheServer(cluster, () => marked.calls(cluster), release);
      child.kill('SIGINT');
      const result = await child;
      const run = { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), cwd };
      expect(run.code, run.stderr).toBe(130);
      expectCancelledMessage(run.stderr, release);
      expect(run.stderr).toMatch(/mlflow-install: cancelled; rerun the same command to resume$/);
      expect(await cluster.release(namespace, release)).toBeUndefined();
      expect(toolsRunningOn(cluster).filter((tool) => tool.argv.includes(release)), 'no helm of this release left running').toEqual([]);
      // What is left is the Secrets (the database's and the login's) and what helm keeps (the volume claim), each
      // named in the message.
      const left = (await cluster.namespaceObjects(namespace)).filter((object) => object.includes(`/${release}-`));
      expect(left).toEqual([`PersistentVolumeClaim/${release}-mlflow-data`, `Secret/${release}-mlflow-auth`, `Secret/${release}-mlflow-db`]);
      expect(run.stderr).toContain(`helm left in place: PersistentVolumeClaim ${release}-mlflow-data (marked to be kept, with its data)`);
      await expectNoLeak(password, cluster, run, namespace);

      const resumed = await install(cluster, command(release), { env, cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`MLflow is running: release ${release} (revision 1) in namespace ${namespace}.`);
      expect(await cluster.release(namespace, release)).toMatchObject({ revision: 1, status: 'deployed' });
    }, 300_000);

    it.concurrent('a helm killed outright leaves the release locked: the next run names the lock and how to clear it, and changes nothing', async () => {
      const release = 'locked';
      const marked = markedRun();
      const env = { MLFLOW_DB_PASSWORD: uniquePassword('killed'), ...marked.env };
      const { child } = startInstall(cluster, command(release), { env });
      await helmWaitsForTheServer(cluster, () => marked.calls(cluster), release);
      const helm = descendants(child.pid ?? -1).find((process) => process.argv.includes('upgrade') && process.argv.includes(release));
      expect(helm, 'the helm upgrade process').toBeDefined();
      process.kill(helm?.pid ?? -1, 'SIGKILL');
      const killed = await child;
      expect(killed.exitCode, String(killed.stderr)).toBe(1);
      expect(String(killed.stderr)).toContain(`Release ${release} is left pending-install (helm was stopped before it could finish)`);
      expect(await cluster.release(namespace, release)).toMatchObject({ revision: 1, status: 'pending-install' });

      const next = markedRun();
      const before = await cluster.namespaceObjects(namespace);
      const again = await install(cluster, command(release), { env: { ...env, ...next.env } });
      expect(again.code, again.stderr).toBe(1);
      expect(again.stderr).toMatch(
        new RegExp(`✖ release: release ${release} is pending-install at revision 1: an earlier helm operation did not finish\\n +Fix: Make sure no other install is running, then unlock it with \`helm uninstall ${release} --namespace ${namespace}\` and rerun\\.`),
      );
      expect(next.calls(cluster).filter((call) => call.argv[0] === 'upgrade' || call.argv[0] === 'apply')).toEqual([]);
      expect((await cluster.namespaceObjects(namespace)).filter((object) => object.includes(`/${release}-`) || object.includes(`.${release}.`))).toEqual(
        before.filter((object) => object.includes(`/${release}-`) || object.includes(`.${release}.`)),
      );
      expect(await cluster.release(namespace, release)).toMatchObject({ revision: 1, status: 'pending-install' });
    }, 300_000);

    it.runIf(major === 4).concurrent('in a terminal: the task list is drawn in place, Ctrl-C stops helm and the screen says what changed', async () => {
      const release = 'terminal';
      const marked = markedRun();
      const session = spawnInPty(process.execPath, [bin, ...command(release)], {
        cwd: scratchDir(),
        env: { ...cluster.env({ MLFLOW_DB_PASSWORD: uniquePassword('pty'), ...marked.env }), TERM: 'xterm-256color', NO_COLOR: '1' },
        cols: 160,
        rows: 60,
      });
      try {
        await session.waitFor(`Install or upgrade the release ${release}`, 90_000);
        await helmWaitsForTheServer(cluster, () => marked.calls(cluster), release);
        session.press('ctrlC');
        const exit = await session.exited;
        expect(exit.exitCode, session.screen()).toBe(130);
        // The pty can deliver the last lines after the exit: wait for the final one before reading the screen.
        await session.waitFor('mlflow-install: cancelled; rerun the same command to resume');
        const screen = session.screen();
        expect(screen).toContain('To resume, rerun the same command:');
        expect(screen).toContain('✔ Preflight checks');
        expect(screen).toContain(`✔ Applied the Secret ${release}-mlflow-db (from stdin)`);
        expect(screen).toContain(`Cancelled during: Install or upgrade the release ${release}.`);
        expect(screen).toContain(`helm was stopped. Nothing of release ${release} is installed`);
        expect(session.raw(), 'drawn in place: the cursor moves').toMatch(/\u001b\[\d*[AK]/);
        expect(await cluster.release(namespace, release)).toBeUndefined();
      } finally {
        session.kill();
      }
    }, 300_000);
  });
});
