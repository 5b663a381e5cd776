// Installs what the real-server tests (test/real) need, into the git-ignored .cache/real/:
// - a Python virtual environment with MLflow at exactly the version of the chart's default image tag
//   (charts/mlflow/values.yaml image.tag `v3.16.1-full` -> mlflow==3.16.1), the drivers the `-full` image
//   carries for PostgreSQL and MySQL/MariaDB, the `auth` extra (Flask-WTF) and prometheus-flask-exporter (see pythonPackages);
// - PostgreSQL and MariaDB server binaries from Debian's packages (apt, only when missing and only as root;
//   services are never left running: the tests start their own instances in temporary data directories).
// The outcome is written to .cache/real/status.json, per component; a component that could not be set up
// carries the exact reason, which the tests show when they skip. A stamp makes a warm run cost a few stat calls.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const realDir = join(root, '.cache', 'real');
export const statusFile = join(realDir, 'status.json');
const stampFile = join(realDir, 'stamp.json');
const venvDir = join(realDir, 'venv');
const venvPython = join(venvDir, 'bin', 'python');
const oldVenvDir = join(realDir, 'venv-old');
const oldVenvPython = join(oldVenvDir, 'bin', 'python');

/**
 * The older MLflow of the upgrade tests (test/real/upgrade.test.ts): 3.5.0, the chart's floor (the first with
 * --allowed-hosts), whose schema head bf29a5ff90ea is 25 migrations below 3.16.1's b7e2c1a4d9f3 (counted in the two
 * wheels' mlflow/store/db_migrations/versions). To keep its install to seconds it takes only the three MLflow
 * packages, without their dependencies, and borrows the rest from the main venv (a .pth file); SQLAlchemy 2.0 is its
 * own, since 3.5.0 imports a pool class that 2.1 removed, and so is protobuf 6 (3.5.0's protos read FieldDescriptor.label, gone in 7).
 */
export const oldMlflowVersion = '3.5.0';
const pipLog = join(realDir, 'pip.log');
const aptLog = join(realDir, 'apt.log');

/** Bump when what this script installs changes in a way the stamp key does not show. */
const SETUP_REVISION = 4;

function tail(text, lines = 15) {
  return String(text ?? '').trim().split('\n').slice(-lines).join('\n');
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...(options.env ?? {}) },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) return { ok: false, output, reason: `${command}: ${result.error.message}` };
  if (result.status !== 0) {
    return { ok: false, output, reason: `\`${[command, ...args].join(' ')}\` exited ${result.status ?? result.signal}:\n${tail(output)}` };
  }
  return { ok: true, output, reason: undefined };
}

/** The MLflow version of the chart's default image: `v3.16.1-full` -> `3.16.1`. */
export function mlflowVersionFromChart() {
  const values = parse(readFileSync(join(root, 'charts', 'mlflow', 'values.yaml'), 'utf8'));
  const tag = values?.image?.tag;
  const match = /^v?(\d+\.\d+\.\d+(?:(?:rc|a|b|\.post|\.dev)\d+)?)(?:-.*)?$/.exec(String(tag ?? ''));
  if (!match) throw new Error(`charts/mlflow/values.yaml image.tag is ${JSON.stringify(tag)}: no MLflow version in it`);
  return match[1];
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function findPostgres() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'postgres')) && existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) return undefined;
  const bin = join(base, versions[0], 'bin');
  const psql = existsSync(join(bin, 'psql')) ? join(bin, 'psql') : which('psql');
  if (!psql) return undefined;
  return { bin, postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb'), psql };
}

function findMariadb() {
  const server = which('mariadbd') ?? which('mysqld');
  const installDb = which('mariadb-install-db') ?? which('mysql_install_db');
  const client = which('mariadb') ?? which('mysql');
  if (!server || !installDb || !client) return undefined;
  return { server, installDb, client };
}

function binaryVersion(path, args = ['--version']) {
  const result = run(path, args);
  return result.ok ? result.output.trim().split('\n')[0] : undefined;
}

let aptUpdated = false;
/** apt-get install, never leaving services running: a policy-rc.d that forbids starts while it runs. */
function aptInstall(packages, log) {
  if (!isRoot()) return `not root, so apt cannot install ${packages.join(' ')}: install it by hand`;
  if (!which('apt-get')) return `no apt-get on this machine to install ${packages.join(' ')}`;
  const env = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# written by mlflow-install scripts/setup-real.mjs while apt runs\nexit 101\n', { mode: 0o755 });
  try {
    if (!aptUpdated) {
      log(`real: apt-get update (to install ${packages.join(' ')})`);
      const update = run('apt-get', ['update'], { env });
      writeFileSync(aptLog, update.output, { flag: 'a' });
      if (!update.ok) return update.reason;
      aptUpdated = true;
    }
    log(`real: apt-get install -y ${packages.join(' ')}`);
    const install = run('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', ...packages], { env });
    writeFileSync(aptLog, install.output, { flag: 'a' });
    if (!install.ok) return install.reason;
    return undefined;
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
    // Whatever the packages' scripts did, no service of theirs may be left running: the tests start their own.
    const services = { postgresql: 'postgresql', 'mariadb-server': 'mariadb' };
    for (const pkg of packages) {
      const service = services[pkg];
      if (service && existsSync(`/etc/init.d/${service}`)) run('service', [service, 'stop'], { env });
    }
  }
}

function setupPostgres(log) {
  let found = findPostgres();
  if (!found) {
    const failure = aptInstall(['postgresql'], log);
    if (failure) return { ok: false, reason: `PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and could not be installed: ${failure}` };
    found = findPostgres();
    if (!found) return { ok: false, reason: 'apt installed postgresql but no /usr/lib/postgresql/*/bin/{postgres,initdb} and psql were found' };
  }
  const version = /(\d+\.\d+)/.exec(binaryVersion(found.postgres) ?? '')?.[1];
  return { ok: true, ...found, version: `PostgreSQL ${version ?? 'unknown version'}` };
}

function setupMariadb(log) {
  let found = findMariadb();
  if (!found) {
    const failure = aptInstall(['mariadb-server', 'mariadb-client'], log);
    if (failure) return { ok: false, reason: `MariaDB server binaries (mariadbd, mariadb-install-db, mariadb) not found and could not be installed: ${failure}` };
    found = findMariadb();
    if (!found) return { ok: false, reason: 'apt installed mariadb-server but mariadbd, mariadb-install-db or mariadb is still not on PATH' };
  }
  const version = /Ver\s+(\d+\.\d+\.\d+)(-MariaDB)?/.exec(binaryVersion(found.server) ?? '');
  return { ok: true, ...found, version: `${version?.[2] ? 'MariaDB' : 'MySQL'} ${version?.[1] ?? 'unknown version'}` };
}

/**
 * What the server process of the image imports. The `-full` image installs
 * `mlflow[extras,azure,db,gateway,genai,auth]` (MLflow's docker/Dockerfile.full); of these the venv takes the
 * ones the tracking server itself runs on: `auth` (Flask-WTF, for --app-name basic-auth), `db` (psycopg2,
 * PyMySQL, pymssql), prometheus-flask-exporter (from `extras`, for --expose-prometheus) and uvicorn[standard]
 * (from `gateway`/`genai`: uvicorn then serves on uvloop and httptools, as in the image). The cloud SDKs of
 * `extras`/`azure` and the gateway's model clients are left out: no test here reaches a cloud.
 */
function pythonPackages(version) {
  return [`mlflow[auth,db]==${version}`, 'prometheus-flask-exporter', 'uvicorn[standard]'];
}

/**
 * The Python the venv is made from. Debian's /usr/bin/python3 first: it lives in world-readable folders, so
 * the venv also runs as the chart's non-root UID (a pyenv Python under /root does not); else python3 on PATH.
 */
function basePython() {
  const candidates = [...new Set(['/usr/bin/python3', which('python3')].filter((p) => p && existsSync(p)))];
  for (const candidate of candidates) {
    if (run(candidate, ['-c', 'import venv, ensurepip, sys; assert sys.version_info >= (3, 10)']).ok) return candidate;
  }
  return undefined;
}

function setupPython(version, log) {
  const python = basePython();
  if (!python) return { ok: false, reason: 'no python3 (>= 3.10, with the venv and ensurepip modules) to create the virtual environment' };
  const packages = pythonPackages(version);
  rmSync(venvDir, { recursive: true, force: true });
  log(`real: ${python} -m venv .cache/real/venv`);
  const venv = run(python, ['-m', 'venv', venvDir]);
  if (!venv.ok) return { ok: false, reason: `creating the virtual environment failed: ${venv.reason}` };
  log(`real: pip install ${packages.join(' ')} (about two minutes on a cold cache; log in .cache/real/pip.log)`);
  const pip = run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', ...packages], {
    env: { PIP_NO_INPUT: '1', PYTHONUNBUFFERED: '1' },
  });
  writeFileSync(pipLog, pip.output);
  if (!pip.ok) {
    rmSync(venvDir, { recursive: true, force: true });
    return { ok: false, reason: `pip install failed: ${pip.reason}` };
  }
  const check = run(venvPython, ['-c', 'import mlflow, psycopg2, pymysql, pymssql, flask_wtf, prometheus_flask_exporter, uvloop, httptools; print(mlflow.__version__)']);
  if (!check.ok) return { ok: false, reason: `the virtual environment does not import mlflow and its drivers: ${check.reason}` };
  const installed = check.output.trim().split('\n').pop();
  if (installed !== version) return { ok: false, reason: `pip installed mlflow ${installed}, but the chart's image is MLflow ${version}` };
  const pyVersion = run(venvPython, ['--version']).output.trim();
  return { ok: true, python: venvPython, bin: join(venvDir, 'bin'), mlflowVersion: installed, pythonVersion: pyVersion, packages };
}

function setupOldPython(main, log) {
  if (!main.ok) return { ok: false, reason: `needs the main venv: ${main.reason}` };
  rmSync(oldVenvDir, { recursive: true, force: true });
  const venv = run(basePython() ?? 'python3', ['-m', 'venv', oldVenvDir]);
  if (!venv.ok) return { ok: false, reason: `creating the virtual environment failed: ${venv.reason}` };
  const packages = [`mlflow==${oldMlflowVersion}`, `mlflow-skinny==${oldMlflowVersion}`, `mlflow-tracing==${oldMlflowVersion}`, 'sqlalchemy>=2.0,<2.1', 'protobuf>=6,<7'];
  log(`real: pip install --no-deps ${packages.join(' ')} into .cache/real/venv-old`);
  const pip = run(oldVenvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '--no-deps', ...packages], { env: { PIP_NO_INPUT: '1' } });
  if (!pip.ok) return { ok: false, reason: `pip install failed: ${pip.reason}` };
  const mainSite = run(venvPython, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).output.trim();
  const oldSite = run(oldVenvPython, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).output.trim();
  writeFileSync(join(oldSite, 'zz-main-venv.pth'), `${mainSite}\n`);
  const check = run(oldVenvPython, ['-c', 'import mlflow, mlflow.server, mlflow.store.tracking.sqlalchemy_store, psycopg2, pymysql; print(mlflow.__version__)']);
  if (!check.ok) return { ok: false, reason: `the old venv does not import mlflow: ${check.reason}` };
  const installed = check.output.trim().split('\n').pop();
  if (installed !== oldMlflowVersion) return { ok: false, reason: `the old venv has mlflow ${installed}, expected ${oldMlflowVersion}` };
  return { ok: true, python: oldVenvPython, bin: join(oldVenvDir, 'bin'), mlflowVersion: installed, pythonVersion: run(oldVenvPython, ['--version']).output.trim() };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function stillThere(status) {
  const paths = [];
  if (status.python?.ok) paths.push(status.python.python);
  if (status.pythonOld?.ok) paths.push(status.pythonOld.python);
  if (status.postgres?.ok) paths.push(status.postgres.postgres, status.postgres.initdb, status.postgres.psql);
  if (status.mariadb?.ok) paths.push(status.mariadb.server, status.mariadb.installDb, status.mariadb.client);
  return paths.every((p) => typeof p === 'string' && existsSync(p));
}

export async function setupReal({ log }) {
  mkdirSync(realDir, { recursive: true });
  const started = Date.now();
  let version;
  try {
    version = mlflowVersionFromChart();
  } catch (error) {
    const reason = error.message;
    writeFileSync(statusFile, `${JSON.stringify({ key: null, python: { ok: false, reason } }, null, 2)}\n`);
    log(`real: FAILED: ${reason}`);
    return;
  }
  const key = { revision: SETUP_REVISION, mlflow: version, packages: pythonPackages(version), venv: venvDir, base: basePython() ?? null };
  const stamp = readJson(stampFile);
  const previous = readJson(statusFile);
  if (
    stamp && previous && JSON.stringify(stamp.key) === JSON.stringify(key) &&
    previous.python?.ok && previous.pythonOld?.ok && previous.postgres?.ok && previous.mariadb?.ok && stillThere(previous)
  ) {
    log(`real: cached (mlflow ${version}, ${previous.postgres.version}, ${previous.mariadb.version})`);
    return;
  }

  // Keep a working venv of the same key when only a database part is missing.
  const timed = (name, work) => {
    const at = Date.now();
    const result = work();
    log(`real: ${name} ready in ${((Date.now() - at) / 1000).toFixed(1)} s`);
    return result;
  };
  const python = stamp && JSON.stringify(stamp.key) === JSON.stringify(key) && previous?.python?.ok && existsSync(venvPython)
    ? previous.python
    : (rmSync(stampFile, { force: true }), timed('python', () => setupPython(version, log)));
  const pythonOld = previous?.pythonOld?.ok && python === previous.python && existsSync(oldVenvPython)
    ? previous.pythonOld
    : timed(`python (mlflow ${oldMlflowVersion})`, () => setupOldPython(python, log));
  const postgres = timed('postgres', () => setupPostgres(log));
  const mariadb = timed('mariadb', () => setupMariadb(log));
  const status = { key, python, pythonOld, postgres, mariadb };
  writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
  if (python.ok) writeFileSync(stampFile, `${JSON.stringify({ key, at: new Date().toISOString() }, null, 2)}\n`);
  for (const [name, part] of Object.entries({ python, pythonOld, postgres, mariadb })) {
    if (part.ok) log(`real: ${name}: ${part.mlflowVersion ? `mlflow ${part.mlflowVersion} (${part.pythonVersion})` : part.version}`);
    else log(`real: ${name}: FAILED, the tests that need it will be skipped with this reason: ${part.reason}`);
  }
  log(`real: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await setupReal({ log: (line) => process.stdout.write(`setup-real: ${line}\n`) });
}
