// Real PostgreSQL and MariaDB servers for the tests: each in a fresh temporary data directory, on
// 127.0.0.1 and a free port, run as an unprivileged user (postgres refuses root), stopped by stop().
// The superuser is reached over the instance's own Unix socket only (trust on the socket); every TCP
// login needs a real password, so a wrong or badly encoded password fails as it would on a real server.
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mariadbEnv, postgresEnv } from './env.js';
import { freePort, registerSecret, runProcess, startProcess, tailOf, type Proc } from './procs.js';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** The unprivileged account the database servers run as when the tests run as root. */
export const unprivileged = { name: 'nobody', uid: 65534, gid: 65534 };

const baseEnv = (): Record<string, string> => ({ PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', HOME: tmpdir() });

function asUnprivileged(command: string, args: string[]): [string, string[]] {
  if (!isRoot) return [command, args];
  return ['setpriv', [`--reuid=${unprivileged.uid}`, `--regid=${unprivileged.gid}`, '--clear-groups', command, ...args]];
}

function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (isRoot) chownSync(dir, unprivileged.uid, unprivileged.gid);
  return dir;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface DatabaseServer {
  engine: 'postgres' | 'mariadb';
  host: '127.0.0.1';
  port: number;
  version: string;
  proc: Proc;
  /** Run SQL as the superuser over the Unix socket; rows as tab-separated lines. */
  query(sql: string, database?: string): Promise<string[][]>;
  /** A database and a user owning it that logs in over TCP with this password. */
  createDatabase(name: string, user: string, password: string): Promise<void>;
  /** A user that can create databases and users (the Aurora flow's master user). */
  createMasterUser(user: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

function rows(output: string): string[][] {
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

async function waitUntilReady(proc: Proc, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running()) throw new Error(`${what} exited while starting. ${proc.describe()}`);
    if (await probe()) return;
    await sleep(200);
  }
  await proc.stop();
  throw new Error(`waited ${timeoutMs / 1000}s for ${what} to accept connections. ${proc.describe()}`);
}

// ---- PostgreSQL ----

const pgLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;
const pgIdent = (value: string): string => `"${value.replace(/"/g, '""')}"`;

export async function startPostgres(): Promise<DatabaseServer> {
  const pg = postgresEnv();
  const root = ownedTempDir('mlflow-real-pg-');
  const data = join(root, 'data');
  const socketDir = join(root, 'sock');
  mkdirSync(socketDir);
  if (isRoot) chownSync(socketDir, unprivileged.uid, unprivileged.gid);
  const [initCmd, initArgs] = asUnprivileged(pg.initdb, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const init = await runProcess('initdb', initCmd, initArgs, { env: baseEnv(), cwd: root, timeoutMs: 60_000 });
  if (init.exit.code !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.exit.code ?? init.exit.signal}):\n${tailOf(init.output)}`);
  }
  const port = await freePort();
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'shared_buffers=32MB', 'max_connections=60', 'password_encryption=scram-sha-256'];
  const [cmd, args] = asUnprivileged(pg.postgres, ['-D', data, '-k', socketDir, '-h', '127.0.0.1', '-p', String(port), ...settings.flatMap((s) => ['-c', s])]);
  const proc = startProcess(`postgres on 127.0.0.1:${port}`, cmd, args, { env: baseEnv(), cwd: root, stopSignal: 'SIGINT' });

  const query = async (sql: string, database = 'postgres'): Promise<string[][]> => {
    const result = await runProcess('psql', pg.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-At', '-F', '\t', '-f', '-'], {
      env: baseEnv(),
      stdin: sql,
      timeoutMs: 30_000,
    });
    if (result.exit.code !== 0) throw new Error(`psql failed (${result.exit.code ?? result.exit.signal}) on database ${database}:\n${tailOf(result.raw)}`);
    return rows(result.raw);
  };

  try {
    await waitUntilReady(proc, 'postgres', async () => {
      const r = await runProcess('pg probe', pg.psql, ['-X', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atc', 'select 1'], { env: baseEnv(), timeoutMs: 10_000 });
      return r.exit.code === 0;
    }, 60_000);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const version = (await query('show server_version'))[0]?.[0] ?? 'unknown';

  return {
    engine: 'postgres',
    host: '127.0.0.1',
    port,
    version: `PostgreSQL ${version}`,
    proc,
    query,
    async createDatabase(name, user, password) {
      registerSecret(password);
      await query(`CREATE ROLE ${pgIdent(user)} LOGIN PASSWORD ${pgLiteral(password)};\nCREATE DATABASE ${pgIdent(name)} OWNER ${pgIdent(user)};`);
    },
    async createMasterUser(user, password) {
      registerSecret(password);
      await query(`CREATE ROLE ${pgIdent(user)} LOGIN CREATEDB CREATEROLE PASSWORD ${pgLiteral(password)};`);
    },
    async stop() {
      await proc.stop(10_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// ---- MariaDB ----

const myLiteral = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const myIdent = (value: string): string => `\`${value.replace(/`/g, '``')}\``;

export async function startMariadb(): Promise<DatabaseServer> {
  const my = mariadbEnv();
  const root = ownedTempDir('mlflow-real-mariadb-');
  const data = join(root, 'data');
  const socket = join(root, 'mariadb.sock');
  const userArgs = isRoot ? [`--user=${unprivileged.name}`] : [];
  const serverOptions = ['--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci'];
  const init = await runProcess('mariadb-install-db', my.installDb, ['--no-defaults', ...userArgs, `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...serverOptions], {
    env: baseEnv(),
    cwd: root,
    timeoutMs: 120_000,
  });
  if (init.exit.code !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${init.exit.code ?? init.exit.signal}):\n${tailOf(init.output)}`);
  }
  const port = await freePort();
  const proc = startProcess(`mariadbd on 127.0.0.1:${port}`, my.server, [
    '--no-defaults',
    ...userArgs,
    `--datadir=${data}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${join(root, 'mariadbd.pid')}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--max-connections=60',
    ...serverOptions,
  ], { env: baseEnv(), cwd: root });

  const client = (database: string | undefined): string[] => ['--no-defaults', '--user=root', `--socket=${socket}`, '--batch', '--skip-column-names', ...(database ? [`--database=${database}`] : [])];
  const query = async (sql: string, database?: string): Promise<string[][]> => {
    const result = await runProcess('mariadb client', my.client, client(database), { env: baseEnv(), stdin: sql, timeoutMs: 30_000 });
    if (result.exit.code !== 0) throw new Error(`mariadb client failed (${result.exit.code ?? result.exit.signal}) on ${database ?? 'the server'}:\n${tailOf(result.raw)}`);
    return rows(result.raw);
  };

  try {
    await waitUntilReady(proc, 'mariadbd', async () => {
      const r = await runProcess('mariadb probe', my.client, [...client(undefined), '--execute=select 1'], { env: baseEnv(), timeoutMs: 10_000 });
      return r.exit.code === 0;
    }, 60_000);
    // root may log in over the socket only; every TCP login needs a password.
    await query("DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');\nFLUSH PRIVILEGES;");
  } catch (error) {
    await proc.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const version = (await query('SELECT VERSION()'))[0]?.[0] ?? 'unknown';

  return {
    engine: 'mariadb',
    host: '127.0.0.1',
    port,
    version: `MariaDB ${version}`,
    proc,
    query,
    async createDatabase(name, user, password) {
      registerSecret(password);
      const account = `${myLiteral(user)}@'%'`;
      await query(`CREATE DATABASE ${myIdent(name)};\nCREATE USER ${account} IDENTIFIED BY ${myLiteral(password)};\nGRANT ALL PRIVILEGES ON ${myIdent(name)}.* TO ${account};`);
    },
    async createMasterUser(user, password) {
      registerSecret(password);
      const account = `${myLiteral(user)}@'%'`;
      await query(`CREATE USER ${account} IDENTIFIED BY ${myLiteral(password)};\nGRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`);
    },
    async stop() {
      await proc.stop(15_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
