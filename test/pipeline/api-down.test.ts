import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/cli.js';
import { faultNamespaces } from '../helpers/kwok/stages.js';
import { majors, noCluster, startInstall, TestClusters } from './harness.js';

const clusters = new TestClusters();
afterAll(() => clusters.cleanup());

describe.skipIf(noCluster !== undefined)('the API server stops answering in the middle of an install', () => {
  beforeAll(ensureBuilt, 300_000);

  it.each(majors)('helm %i: exit 1 within --timeout, the cause in plain words, where things stand unknown and said so', async (major) => {
    const cluster = await clusters.create({ helmMajor: major });
    const namespace = faultNamespaces.slowStart;
    const { child, cwd } = startInstall(cluster, ['--yes', '--preset', 'local', '--namespace', namespace, '--timeout', '40s']);
    // helm is waiting for the server, which kwok makes ready only after a minute.
    for (let tries = 0; !cluster.calls('helm').some((call) => call.argv[0] === 'upgrade'); tries += 1) {
      if (tries > 600) throw new Error('helm upgrade never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stoppedAt = Date.now();
    cluster.kwok.stopApiServer();
    const result = await child;
    const run = { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), cwd };
    process.stderr.write(`[api-down] helm ${major}: exit ${run.code} ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the API server stopped\n${run.stderr}\n`);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^Cause: the API server stopped answering during helm upgrade \(https:\/\/127\.0\.0\.1:\d+\/\S*: dial tcp 127\.0\.0\.1:\d+: connect: connection refused.*\)$/m);
    expect(run.stderr).toMatch(/^Fix: Check that the cluster is running and reachable from here \(`kubectl get namespaces`\), then rerun the same command: it picks up where this one stopped/m);
    expect(run.stderr).toContain('Could not read release mlflow afterwards');
    expect(run.stderr).not.toContain("Look at the pods' state");
    expect(run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    expect(run.stderr).toMatch(/mlflow-install: install failed: /);
  }, 240_000);
});
