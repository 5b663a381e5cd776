// What scripts/setup-real.mjs installed (or why it could not), read from .cache/real/status.json.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { repoRoot } from '../helpers/tools.js';

export const realDir = join(repoRoot, '.cache', 'real');
export const statusFile = join(realDir, 'status.json');

interface Failed {
  ok: false;
  reason: string;
}

export interface PythonEnv {
  ok: true;
  python: string;
  bin: string;
  mlflowVersion: string;
  pythonVersion: string;
}

export interface PostgresEnv {
  ok: true;
  bin: string;
  postgres: string;
  initdb: string;
  psql: string;
  version: string;
}

export interface MariadbEnv {
  ok: true;
  server: string;
  installDb: string;
  client: string;
  version: string;
}

/** The older MLflow of the upgrade tests (scripts/setup-real.mjs oldMlflowVersion). */
export interface OldPythonEnv {
  ok: true;
  python: string;
  bin: string;
  mlflowVersion: string;
}

export interface RealStatus {
  python: PythonEnv | Failed;
  pythonOld: OldPythonEnv | Failed;
  postgres: PostgresEnv | Failed;
  mariadb: MariadbEnv | Failed;
}

export type Part = keyof RealStatus;

function missing(reason: string): RealStatus {
  const failed: Failed = { ok: false, reason };
  return { python: failed, pythonOld: failed, postgres: failed, mariadb: failed };
}

let cached: RealStatus | undefined;

export function realStatus(): RealStatus {
  if (cached) return cached;
  if (!existsSync(statusFile)) {
    cached = missing(`${statusFile} is missing: run \`node scripts/test-setup.mjs\` (npm test runs it first)`);
    return cached;
  }
  try {
    const parsed = JSON.parse(readFileSync(statusFile, 'utf8')) as Partial<RealStatus>;
    const part = <K extends Part>(name: K): RealStatus[K] =>
      (parsed[name] ?? { ok: false, reason: `${statusFile} has no entry for ${name}: rerun node scripts/test-setup.mjs` }) as RealStatus[K];
    cached = { python: part('python'), pythonOld: part('pythonOld'), postgres: part('postgres'), mariadb: part('mariadb') };
  } catch (error) {
    cached = missing(`${statusFile} does not parse: ${(error as Error).message}`);
  }
  return cached;
}

/** Why the given parts cannot be used here, or undefined when they all can. */
export function unavailable(...parts: Part[]): string | undefined {
  const status = realStatus();
  const reasons = parts.flatMap((name) => {
    const part = status[name];
    return part.ok ? [] : [`${name}: ${part.reason}`];
  });
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** Skip the running test, with the reason shown, when a part is missing. */
export function requireParts(context: TestContext, ...parts: Part[]): void {
  const reason = unavailable(...parts);
  if (reason !== undefined) {
    process.stderr.write(`[test/real] skipped "${context.task.name}": ${reason}\n`);
    context.skip(reason);
  }
}

export function python(): PythonEnv {
  const part = realStatus().python;
  if (!part.ok) throw new Error(`python: ${part.reason}`);
  return part;
}

export function oldPython(): OldPythonEnv {
  const part = realStatus().pythonOld;
  if (!part.ok) throw new Error(`pythonOld: ${part.reason}`);
  return part;
}

export function postgresEnv(): PostgresEnv {
  const part = realStatus().postgres;
  if (!part.ok) throw new Error(`postgres: ${part.reason}`);
  return part;
}

export function mariadbEnv(): MariadbEnv {
  const part = realStatus().mariadb;
  if (!part.ok) throw new Error(`mariadb: ${part.reason}`);
  return part;
}
