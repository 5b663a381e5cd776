import { describe, expect, it } from 'vitest';
import { secretForms } from '../../src/cluster/redact.js';
import type { SimCluster } from '../helpers/sim-cluster.js';
import { applyInstallerObjects, availableMajors, helmInstall, postgresSettings, runAgainst, setFlags, useLifecycleSuite } from './helpers.js';

const suite = useLifecycleSuite();

function claimUid(sim: SimCluster): string | undefined {
  return sim.object('PersistentVolumeClaim', 'mlflow', 'mlflow-data')?.metadata.uid;
}

describe.each(availableMajors)('install, uninstall, install again with helm %i', (major) => {
  it('through the CLI: the second install takes the saved answers, the kept Secret and the same claim', async () => {
    const sim = suite.cluster({ helmMajor: major });
    const env = { MLFLOW_DB_PASSWORD: 'Round-Trip.pw1' };
    const install = ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--timeout', '60s'];
    const first = await runAgainst(sim, install, env);
    expect(first.code, first.stderr).toBe(0);
    const claim = claimUid(sim);
    expect(claim).toBeDefined();
    // The installer made the namespace, and labels it so: --purge may remove it later.
    expect(sim.object('Namespace', undefined, 'mlflow')?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mlflow-install');

    const uninstall = await runAgainst(sim, ['uninstall', '--yes']);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(uninstall.stdout).toContain('Left in namespace mlflow: PersistentVolumeClaim mlflow-data, Secret mlflow-mlflow-db, ConfigMap mlflow-mlflow-install.');
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();

    // --yes alone: the answers come from the ConfigMap the uninstall kept.
    const second = await runAgainst(sim, ['--yes', '--timeout', '60s'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('MLflow is running: release mlflow (revision 1) in namespace mlflow.');
    expect(claimUid(sim)).toBe(claim);
    const status = await runAgainst(sim, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, backend: { kind: 'postgres', where: 'db.internal:5432, database mlflow' } });

    const purge = await runAgainst(sim, ['uninstall', '--yes', '--purge']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(['PersistentVolumeClaim', 'Secret', 'ConfigMap', 'Pod'].flatMap((kind) => sim.objects(kind, 'mlflow'))).toEqual([]);
    expect(sim.object('Namespace', undefined, 'mlflow')).toBeUndefined();
  });

  it('with the helm double: reinstalls over the kept data, the same claim, a healthy release', async () => {
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await applyInstallerObjects(sim, 'first-password');
    await helmInstall(sim, { extra: setFlags(postgresSettings()) });
    const claim = claimUid(sim);
    expect(claim).toBeDefined();

    expect((await runAgainst(sim, ['uninstall', '--yes'])).code).toBe(0);
    expect(sim.release('mlflow', 'mlflow')).toBeUndefined();
    expect((await runAgainst(sim, ['status'])).code).toBe(2);

    // The install pipeline reapplies its Secret and answers, then helm adopts the claim its resource policy kept.
    await applyInstallerObjects(sim, 'first-password');
    await helmInstall(sim, { extra: setFlags(postgresSettings()) });
    expect(claimUid(sim)).toBe(claim);
    const status = await runAgainst(sim, ['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, release: { revision: 1, state: 'deployed' }, volumes: [{ name: 'mlflow-data', phase: 'Bound' }] });

    expect((await runAgainst(sim, ['uninstall', '--yes', '--purge'])).code).toBe(0);
    await applyInstallerObjects(sim, 'second-password');
    await helmInstall(sim, { extra: setFlags(postgresSettings()) });
    expect(claimUid(sim)).toBeDefined();
    expect(claimUid(sim)).not.toBe(claim);
    expect((await runAgainst(sim, ['status'])).code).toBe(0);
  });
});

describe.each(availableMajors)('the database password with helm %i', (major) => {
  it('is in no argv, no environment of a command, and no output of status or uninstall', async () => {
    const password = 'Xq9-Secret_Pass.7';
    const sim = suite.cluster({ helmMajor: major, namespaces: { mlflow: {} } });
    await applyInstallerObjects(sim, password);
    // The seed's way too: the password in the values, where `helm status -o json` hands it back.
    await helmInstall(sim, { extra: setFlags([...postgresSettings(), `mlflowBackend.connections.password=${password}`]) });
    expect(sim.release('mlflow', 'mlflow')?.values).toMatchObject({ mlflowBackend: { connections: { password } } });
    sim.clearCalls();

    // Without the variable nothing knows the password to redact it: only never printing the values keeps it out.
    const env = { MLFLOW_DB_PASSWORD: password };
    const runs = [
      await runAgainst(sim, ['status']),
      await runAgainst(sim, ['status', '--json', '--verbose']),
      await runAgainst(sim, ['uninstall', '--yes', '--verbose'], env),
      await runAgainst(sim, ['uninstall', '--yes', '--purge', '--json', '--verbose'], env),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0]);
    expect(runs[1]?.stderr).toContain('$ helm status mlflow --namespace mlflow -o json');
    const forms = secretForms(password);
    const calls = sim.calls();
    expect(calls.length).toBeGreaterThan(10);
    for (const form of forms) {
      for (const run of runs) expect(`${run.stdout}\n${run.stderr}`).not.toContain(form);
      for (const call of calls) {
        expect(call.argv.join(' ')).not.toContain(form);
        expect(JSON.stringify(call.env)).not.toContain(form);
        expect(call.stdin ?? '').not.toContain(form);
      }
    }
    expect(objectNames(sim)).toEqual([]);
  });
});

function objectNames(sim: SimCluster): string[] {
  return ['Secret', 'PersistentVolumeClaim', 'ConfigMap', 'Pod'].flatMap((kind) => sim.objects(kind, 'mlflow').map((object) => `${kind}/${object.metadata.name}`));
}
