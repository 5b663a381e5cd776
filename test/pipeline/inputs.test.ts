import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import { spawnInPty } from '../helpers/pty.js';
import { bin, bothHelmsAvailable, Clusters, install } from './harness.js';

const clusters = new Clusters();
afterAll(() => clusters.cleanup());

describe.skipIf(!bothHelmsAvailable)('the install, before and around its steps', () => {
  beforeAll(ensureBuilt, 300_000);

  it('refuses a password that is part of an argument (here the release name): one line, exit 2, nothing changed', async () => {
    const sim = clusters.create({ helmMajor: 3 });
    const run = await install(sim, ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db.internal'], { env: { MLFLOW_DB_PASSWORD: 'mlflow' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mlflow-install: MLFLOW_DB_PASSWORD: the password is part of an argument the install passes to kubectl or helm \("[^"]*mlflow[^"]*"\), so it could not be kept out of the commands; expected .*$/);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(sim.calls().filter((call) => ['apply', 'create', 'upgrade', 'run'].includes(call.argv[0] ?? ''))).toEqual([]);
  }, 60_000);

  it('with CI set, a terminal gets the plain lines too: no spinner, no cursor movement', async () => {
    const sim = clusters.create({ helmMajor: 4 });
    const session = spawnInPty(process.execPath, [bin, '--yes', '--preset', 'local'], { env: { ...sim.env(), CI: 'true', TERM: 'xterm-256color', NO_COLOR: '1' }, cols: 160, rows: 60 });
    try {
      const exit = await session.exited;
      expect(exit.exitCode, session.screen()).toBe(0);
      await session.waitFor('MLflow is running');
      expect(session.raw()).not.toMatch(/\u001b\[/);
      expect(session.screen()).toMatch(/^✔ Installed the release mlflow \(revision 1\)$/m);
    } finally {
      session.kill();
    }
  }, 120_000);
});
