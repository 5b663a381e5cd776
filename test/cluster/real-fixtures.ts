// Small pieces the cluster-wrapper tests share on the real control plane (test/helpers/kwok): objects to
// start a namespace with, a kubeconfig whose API server port is closed, tools that answer slowly, polling.
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** The image the chart runs, and so the database check pod (kwok never pulls it). */
export const chartImage = 'ghcr.io/mlflow/mlflow:v3.16.1-full';

export function namespaceObject(name: string, options: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...options } };
}

/** A namespace where the ResourceQuota admission refuses every pod. */
export function noPodsNamespace(name: string): object[] {
  return [namespaceObject(name), { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'no-pods', namespace: name }, spec: { hard: { pods: '0' } } }];
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A copy of a kubeconfig with its API server moved to a closed port: every cluster call is refused. */
export async function closedPortKubeconfig(kubeconfig: string, dir: string): Promise<{ file: string; port: number }> {
  const port = await closedPort();
  const file = join(dir, `kubeconfig-closed-${port}.yaml`);
  writeFileSync(file, readFileSync(kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`), { mode: 0o600 });
  return { file, port };
}

/** A copy of a kubeconfig with one more context on the same cluster and user, with a default namespace. */
export function withContext(kubeconfig: string, dir: string, name: string, namespace: string): string {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { contexts: { name: string; context: Record<string, string> }[] };
  const base = config.contexts[0];
  if (!base) throw new Error(`${kubeconfig} has no context`);
  config.contexts.push({ name, context: { ...base.context, namespace } });
  const file = join(dir, `kubeconfig-${name}.yaml`);
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Polls until `check` gives something other than undefined, or fails saying what it waited for. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface TimedCall {
  tool: string;
  argv: string[];
  /** Epoch ms when the call started (before its delay) and when the real binary returned. */
  start: number;
  end: number;
}

/**
 * helm and kubectl that wait `delayMs` before running the real binary, and note when each call started and
 * ended: a slow link to the cluster, and a record of which calls overlapped.
 */
export function slowTools(dir: string, delayMs: number, real: { kubectl: string; helm: string }): { kubectl: string; helm: string; calls(): TimedCall[] } {
  const bin = join(dir, `slow-bin-${delayMs}`);
  const log = join(bin, 'calls.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  const seconds = (delayMs / 1000).toFixed(3);
  for (const tool of ['kubectl', 'helm'] as const) {
    writeFileSync(
      join(bin, tool),
      `#!/bin/bash
start=$(date +%s%3N)
sleep ${seconds}
${JSON.stringify(real[tool])} "$@"
code=$?
printf '%s %s %s %s\\n' ${tool} "$start" "$(date +%s%3N)" "$(printf '%s\\0' "$@" | base64 -w0)" >> ${JSON.stringify(log)}
exit $code
`,
    );
    chmodSync(join(bin, tool), 0o755);
  }
  return {
    kubectl: join(bin, 'kubectl'),
    helm: join(bin, 'helm'),
    calls: () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [tool = '', start = '', end = '', argv = ''] = line.split(' ');
          return { tool, start: Number(start), end: Number(end), argv: Buffer.from(argv, 'base64').toString('utf8').replace(/\0$/, '').split('\0') };
        }),
  };
}
