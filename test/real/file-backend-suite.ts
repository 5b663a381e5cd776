// The chart's default (file backend: SQLite on the persistent volume), run for real: the Deployment's
// init containers, then the server; a real MLflow client; the rows in the SQLite file on the volume
// folder and the artifact beside it; and the data still there for a new pod on the same volume.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploymentOf, helmUnavailable, migrationJobOf, render } from './chart.js';
import { exerciseTracking, expectedRun, sqliteQuery } from './client.js';
import { requireParts } from './env.js';
import { LocalCluster, podSpecOf, type Container } from './pod.js';
import { httpRequest } from './procs.js';
import { serverContainerName, startServer } from './server.js';
import { withSlot } from './slots.js';

function findFiles(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findFiles(path, name));
    else if (entry === name) out.push(path);
  }
  return out;
}

export function fileBackendSuite(): void {
  describe('file backend (the chart defaults), real MLflow server', () => {
    it('runs migration then server on the volume; a client run lands in the SQLite file and its artifact on the volume; an upgraded pod on the same volume sees it', (context) => withSlot(async () => {
      requireParts(context, 'python');
      const noHelm = helmUnavailable();
      if (noHelm) context.skip(noHelm);

      const { manifests } = await render({});
      const cluster = new LocalCluster(manifests);
      context.onTestFinished(() => cluster.cleanup());
      const deployment = deploymentOf(manifests);
      expect(migrationJobOf(manifests), 'no migration hook Job with the file backend (its SQLite lives on the pod volume)').toBeUndefined();

      // The backend store is a SQLite file on the PersistentVolumeClaim's folder.
      const pvc = (podSpecOf(deployment).volumes ?? []).find((v) => v.persistentVolumeClaim);
      expect(pvc, 'the Deployment mounts a PersistentVolumeClaim').toBeDefined();
      const claimName = pvc?.persistentVolumeClaim?.claimName ?? '';
      expect(manifests.some((m) => m.kind === 'PersistentVolumeClaim' && m.metadata.name === claimName), `the render creates the PVC ${claimName}`).toBe(true);
      const volumeDir = cluster.claimDir(claimName);

      const pod = cluster.pod(deployment);
      const server = serverContainerName(pod);
      const uri = pod.prepare(server).env.MLFLOW_BACKEND_STORE_URI ?? '';
      const sqlite = /^sqlite:\/\/\/(\/.+)$/.exec(uri);
      expect(sqlite, `MLFLOW_BACKEND_STORE_URI (${uri}) is a sqlite:/// URI`).not.toBeNull();
      const dbFile = sqlite?.[1] ?? '';
      expect(dbFile.startsWith(`${volumeDir}/`), `the SQLite file ${dbFile} is on the volume (${volumeDir})`).toBe(true);

      // The init containers (the file backend's `mlflow db upgrade`) create and migrate the schema.
      const initContainers: Container[] = pod.spec.initContainers ?? [];
      const migrating = initContainers.filter((c) => [...(c.command ?? []), ...(c.args ?? [])].includes('upgrade'));
      expect(migrating.map((c) => c.name), 'an init container runs `mlflow db upgrade`').toHaveLength(1);
      await pod.runInitContainers(180_000);
      expect(existsSync(dbFile), `the migration created ${dbFile}`).toBe(true);
      const [[revision]] = (await sqliteQuery(dbFile, 'SELECT version_num FROM alembic_version')) as [[string]];
      expect(revision).toMatch(/^[0-9a-f]{6,}$/);

      // The server, as the chart starts it.
      const running = await startServer(pod);
      const container = pod.container(server);
      const httpPort = (container.ports ?? []).find((p) => p.name === 'http')?.containerPort;
      expect(running.prepared.listen, 'the server listens on all interfaces on the container port').toEqual({ host: '0.0.0.0', port: String(httpPort) });
      expect(readFileSync(dbFile).length).toBeGreaterThan(0);

      const name = 'file-backend-experiment';
      const text = 'kept on the volume\n';
      const result = await exerciseTracking(running.port, name, text);
      expect(result).toMatchObject(expectedRun(name, text));

      // The rows are in that SQLite file.
      expect(await sqliteQuery(dbFile, `SELECT name FROM experiments WHERE experiment_id = ${Number(result.experiment_id)}`)).toEqual([[name]]);
      expect(await sqliteQuery(dbFile, `SELECT status FROM runs WHERE run_uuid = '${result.run_id}'`)).toEqual([['FINISHED']]);
      expect(await sqliteQuery(dbFile, `SELECT key, value FROM params WHERE run_uuid = '${result.run_id}' ORDER BY key`)).toEqual([
        ['alpha', '0.5'],
        ['optimizer', 'adam'],
      ]);
      expect(await sqliteQuery(dbFile, `SELECT step, value FROM metrics WHERE run_uuid = '${result.run_id}' AND key = 'loss' ORDER BY step`)).toEqual([
        [0, 0.9],
        [1, 0.5],
        [2, 0.25],
      ]);
      // The artifact, proxied by the server, is on the volume too.
      const artifacts = findFiles(volumeDir, 'notes.txt').filter((path) => path.includes(result.run_id));
      expect(artifacts, `notes.txt of run ${result.run_id} under ${volumeDir}`).toHaveLength(1);
      expect(readFileSync(artifacts[0] ?? '', 'utf8')).toBe(text);

      // An upgrade of the release (one worker now): a new pod (fresh emptyDirs, same volume) serves the same data.
      await running.proc.stop();
      const upgraded = await render({ extraArgs: { workers: 1 } });
      cluster.apply(upgraded.manifests);
      const next = cluster.pod(deploymentOf(upgraded.manifests));
      await next.runInitContainers(180_000);
      const again = await startServer(next);
      const response = await httpRequest(again.port, `/api/2.0/mlflow/runs/get?run_id=${result.run_id}`);
      expect(response.status).toBe(200);
      const run = JSON.parse(response.body) as { run: { data: { params: { key: string; value: string }[] } } };
      expect(run.run.data.params).toEqual(expect.arrayContaining([{ key: 'alpha', value: '0.5' }]));
    }), 300_000);
  });
}
