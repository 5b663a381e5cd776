import { describe, expect, it } from 'vitest';
import { spawnInPty } from '../helpers/pty.js';
import { scratchDir } from '../cli/cli.js';
import { availableMajors, cliBin, cliEnvFor, helmInstall, useLifecycleSuite } from './helpers.js';

const suite = useLifecycleSuite();
const major = availableMajors.at(-1);

describe.skipIf(major === undefined)('the uninstall confirmation in a terminal', () => {
  const question = 'Uninstall release mlflow from namespace mlflow in context sim?';

  it('removes nothing when the answer is no, and uninstalls when it is yes', async () => {
    const sim = suite.cluster({ helmMajor: major ?? 4, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    sim.clearCalls();

    const declined = spawnInPty(process.execPath, [cliBin, 'uninstall'], { cwd: scratchDir(), env: cliEnvFor(sim) });
    await declined.waitFor(question);
    expect(declined.screen()).toMatch(/Context: sim \(https:\/\/sim-cluster\.example:6443\)[\s\S]*Will be removed:[\s\S]*Will be kept/);
    declined.type('n');
    declined.press('enter');
    await declined.waitFor('Cancelled, nothing was removed');
    expect((await declined.exited).exitCode).toBe(130);
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('deployed');
    expect(sim.calls('helm').map((call) => call.argv[0])).not.toContain('uninstall');

    const accepted = spawnInPty(process.execPath, [cliBin, 'uninstall'], { cwd: scratchDir(), env: cliEnvFor(sim) });
    await accepted.waitFor(question);
    accepted.type('y');
    accepted.press('enter');
    await accepted.waitFor('Left in namespace mlflow: PersistentVolumeClaim mlflow-data.');
    expect((await accepted.exited).exitCode).toBe(0);
    expect(accepted.screen()).toContain('✔ Release mlflow uninstalled (helm uninstall)');
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
  });

  it('treats Ctrl-C at the question as cancelling: exit 130, nothing removed', async () => {
    const sim = suite.cluster({ helmMajor: major ?? 4, namespaces: { mlflow: {} } });
    await helmInstall(sim);
    const session = spawnInPty(process.execPath, [cliBin, 'uninstall', '--purge'], { cwd: scratchDir(), env: cliEnvFor(sim) });
    await session.waitFor('Uninstall release mlflow and delete its tracking data from namespace mlflow in context sim?');
    session.press('ctrlC');
    await session.waitFor('Cancelled, nothing was removed');
    expect((await session.exited).exitCode).toBe(130);
    expect(sim.release('mlflow', 'mlflow')?.status).toBe('deployed');
    expect(sim.objects('PersistentVolumeClaim', 'mlflow')).toHaveLength(1);
  });
});
