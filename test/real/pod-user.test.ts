// Which user a local pod's containers run as: the pod's runAsUser only when what they run works as that
// user here. A clone under a folder only its owner may enter (a `mktemp -d` folder, /root) holds a venv the
// pod's user cannot reach: a probe that passed there while the real exec failed broke the whole suite.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import type { Manifest } from '../helpers/render.js';
import { requireParts } from './env.js';
import { LocalCluster, runsAs, type PodUser } from './pod.js';

const podUser: PodUser = { uid: 1000, gid: 1000, groups: [] };
const currentUid = process.getuid?.();
const notRoot = currentUid === 0 ? undefined : 'only root can run a program as another user';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A script printing the uid it runs as, in a new folder with that mode (0700: only its owner may enter). */
function uidScript(folderMode: number): string {
  const folder = mkdtempSync(join(tmpdir(), 'mlflow-real-user-'));
  folders.push(folder);
  chmodSync(folder, folderMode);
  const script = join(folder, 'print-uid');
  writeFileSync(script, '#!/bin/sh\nid -u\n', { mode: 0o755 });
  return script;
}

function podRunning(script: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'print-uid' },
    spec: {
      securityContext: { runAsUser: podUser.uid, runAsGroup: podUser.gid },
      containers: [{ name: 'main', command: [script] }],
    },
  };
}

async function runPod(context: TestContext, script: string): Promise<{ uid: number | undefined; output: string }> {
  requireParts(context, 'python');
  const pod = podRunning(script);
  const cluster = new LocalCluster([pod], { programOfPods: [script] });
  try {
    const { exit, output, prepared } = await cluster.pod(pod).run('main', 30_000);
    expect(exit.code, output).toBe(0);
    return { uid: prepared.user?.uid, output: output.trim() };
  } finally {
    await cluster.cleanup();
  }
}

describe('the user a local pod runs as', () => {
  it.skipIf(notRoot)('the probe runs the program itself as the pod user: false under a folder only its owner may enter, true elsewhere', () => {
    const hidden = runsAs(podUser, [uidScript(0o700)]);
    expect(hidden.ok).toBe(false);
    expect(hidden.ok ? '' : hidden.reason).toMatch(/Permission denied/);
    expect(runsAs(podUser, [uidScript(0o755)])).toEqual({ ok: true });
  });

  it('a program the pod user cannot reach runs as the current user instead, and succeeds', async (context) => {
    const { uid, output } = await runPod(context, uidScript(0o700));
    expect(uid).toBeUndefined();
    expect(output).toBe(String(currentUid));
  });

  it.skipIf(notRoot)('a program the pod user can reach runs as the pod user', async (context) => {
    const { uid, output } = await runPod(context, uidScript(0o755));
    expect(uid).toBe(podUser.uid);
    expect(output).toBe(String(podUser.uid));
  });
});
