// What the cluster benches share: the median of runs, and a command timed to its exit (a failure stops the bench).
import { spawnSync } from 'node:child_process';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Milliseconds from spawn to exit of `command args` in `cwd`; throws with its output when it fails. */
export function timed(command, args, env, cwd) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout}`.slice(0, 4000));
  return ms;
}
