// --backup-to on the real control plane: the backup runs first, through the real kubectl and kwok's exec (which runs
// the plan's real backup script on this machine, against a real SQLite database where the server container's
// environment says it is), the file is whole before the upgrade starts, and a backup that fails changes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import type { KubeObject, TestCluster } from '../helpers/kwok/test-cluster.js';
import { python, unavailable } from '../real/env.js';
import { changesTheCluster, install, noCluster, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

const noPython = unavailable('python');
const work = mkdtempSync(join(tmpdir(), 'mlflow-backup-'));
const volume = join(work, 'volume');
const local = (namespace: string, version: string): string[] => ['--yes', '--timeout', '120s', '--namespace', namespace, '--preset', 'local', '--set', `mlflow.version=${version}`];

/** A real SQLite database with one row, where the server's MLFLOW_BACKEND_STORE_URI points. */
function makeDatabase(file: string, row: string): void {
  const script = `import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute("CREATE TABLE runs (run_uuid TEXT)")\nc.execute("INSERT INTO runs VALUES (?)", (sys.argv[2],))\nc.commit()`;
  const made = spawnSync(python().python, ['-c', script, file, row], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
}

function rowsOf(file: string): string {
  const read = spawnSync(python().python, ['-c', 'import sqlite3, sys; print([r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT run_uuid FROM runs")])', file], { encoding: 'utf8' });
  return read.stdout.trim();
}

async function serverImage(cluster: TestCluster, namespace: string): Promise<string | undefined> {
  const deployment = (await cluster.object('Deployment', namespace, 'mlflow')) as (KubeObject & { spec?: { template?: { spec?: { containers?: { image: string }[] } } } }) | undefined;
  return deployment?.spec?.template?.spec?.containers?.[0]?.image;
}

describe.skipIf(noCluster !== undefined || noPython !== undefined)('--backup-to on the real control plane', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    await ensureBuilt();
    mkdirSync(volume, { recursive: true });
    makeDatabase(join(volume, 'mlflow.db'), 'run-before-the-upgrade');
    makeDatabase(join(volume, 'basic_auth.db'), 'not-a-run');
    const path = [python().bin];
    cluster = await clusters.create({
      helmMajor: 4,
      execs: [
        { namespaces: ['backup'], env: { MLFLOW_BACKEND_STORE_URI: `sqlite:///${volume}/mlflow.db`, MLFLOW_AUTH_DATABASE_URI: `sqlite:///${volume}/basic_auth.db` }, path },
        { namespaces: ['nodb'], env: { MLFLOW_BACKEND_STORE_URI: `sqlite:///${work}/missing/mlflow.db` }, path },
      ],
    });
  }, 300_000);
  afterAll(() => spawnSync('rm', ['-rf', work]));

  it('backs the SQLite files up into a new 0600 tar first, then upgrades', async () => {
    const first = await install(cluster, local('backup', '3.10.0'));
    expect(first.code, first.stderr).toBe(0);

    const planned = await install(cluster, [...local('backup', '3.16.1'), '--dry-run', '--backup-to', join(work, 'planned.tar')]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`  1. Back the database up to ${join(work, 'planned.tar')} (before anything changes)`);
    expect(planned.stdout).toContain(`Step 1 backs the database up to ${join(work, 'planned.tar')} first (--backup-to); nothing changes if it fails.`);
    expect(existsSync(join(work, 'planned.tar'))).toBe(false);

    const file = join(work, 'before-3.16.1.tar');
    const upgrade = await install(cluster, [...local('backup', '3.16.1'), '--backup-to', file]);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const backedUp = upgrade.stdout.indexOf(`✔ Backed the database up to ${file}`);
    expect(backedUp, upgrade.stdout).toBeGreaterThanOrEqual(0);
    expect(backedUp).toBeLessThan(upgrade.stdout.indexOf('✔ Upgraded the release mlflow (revision 2)'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const unpacked = mkdtempSync(join(work, 'unpacked-'));
    expect(spawnSync('tar', ['-xf', file, '-C', unpacked]).status).toBe(0);
    expect(readdirSync(unpacked).sort()).toEqual(['basic_auth.db', 'mlflow.db']);
    expect(rowsOf(join(unpacked, 'mlflow.db'))).toBe("['run-before-the-upgrade']");
    expect(await serverImage(cluster, 'backup')).toBe('ghcr.io/mlflow/mlflow:v3.16.1-full');

    // A backup never overwrites a file: refused before the cluster is read.
    const again = await install(cluster, [...local('backup', '3.16.1'), '--backup-to', file]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`mlflow-install: --backup-to ${file}: the file exists; a backup never overwrites a file, so name a new one`);
  }, 600_000);

  it('a backup that fails stops the upgrade before anything changes, removes the partial file, and says how to rerun', async () => {
    const first = await install(cluster, local('nodb', '3.10.0'));
    expect(first.code, first.stderr).toBe(0);
    const file = join(work, 'nodb.tar');
    const objects = await cluster.namespaceObjects('nodb');
    const callsBefore = cluster.calls().length;
    const upgrade = await install(cluster, [...local('nodb', '3.16.1'), '--backup-to', file]);
    expect(upgrade.code, upgrade.stdout).toBe(1);
    expect(upgrade.stderr).toContain(`Cause: backing the database up to ${file} failed:`);
    expect(upgrade.stderr).toContain('no SQLite database to back up');
    expect(upgrade.stderr).toContain('Before that step, this run changed nothing.');
    expect(upgrade.stderr).toMatch(new RegExp(`Then, rerun the same command:\\n  .* --backup-to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n`));
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(cluster.calls().slice(callsBefore).filter(changesTheCluster)).toEqual([]);
    expect(await cluster.namespaceObjects('nodb')).toEqual(objects);
    expect((await cluster.release('nodb', 'mlflow'))?.revision).toBe(1);
    expect(await serverImage(cluster, 'nodb')).toBe('ghcr.io/mlflow/mlflow:v3.10.0-full');
  }, 600_000);
});
