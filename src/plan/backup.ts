import { isDatabaseBackend, defaultPorts, type Answers } from '../answers/schema.js';
import { passwordSecrets } from '../answers/secrets.js';
import { chartFullname } from './chart.js';
import { kubectlArgv, type KubeTarget, type Tools } from './commands.js';

/**
 * The one command that backs up the release's database before an upgrade (pure). Its output goes to stdout, which
 * the person redirects into a file (or --backup-to does). The password never is in an argument: the dump tools read
 * it from the environment (PGPASSWORD, MYSQL_PWD), which the pod fills from the database Secret.
 */
export interface BackupCommand {
  argv: string[];
  /** What the dump holds, for checking that it is whole. */
  format: BackupFormat;
  /** Written to the command's stdin (a newline that starts the dump once kubectl is attached), shown as `echo |`. */
  input?: '\n';
  /** What the file holds, e.g. "a plain SQL dump (psql restores it)". */
  holds: string;
  /** A file name to suggest. */
  suggestedFile: string;
}

export type BackupFormat = 'postgres-sql' | 'mysql-sql' | 'sqlite-tar';

export type BackupEnv = { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** The pod that runs the dump tool next to the database, as `kubectl run --overrides` takes it. */
export interface DumpPod {
  image: string;
  /** The shell script the container runs (`sh -c`): it reads everything from the environment. */
  script: string;
  env: BackupEnv[];
}

/** Dump clients newer than the servers they dump (pg_dump refuses an older client; mariadb-dump also reads MySQL). */
export const dumpImages = { postgres: 'docker.io/library/postgres:17-alpine', mysql: 'docker.io/library/mariadb:11.4' } as const;

/**
 * `kubectl run --stdin` attaches only once the container runs, and what it wrote before that is lost: the dump waits
 * for one byte on stdin (the newline `echo |` sends, which kubectl forwards once attached), then starts.
 */
const afterAttach = 'head -c 1 >/dev/null; ';
export const postgresDumpScript = `${afterAttach}exec pg_dump --no-owner --no-privileges`;
export const mysqlDumpScript =
  `${afterAttach}exec mariadb-dump --single-transaction --routines --skip-lock-tables \${MLFLOW_BACKUP_SSL} --host="$MLFLOW_DB_HOST" --port="$MLFLOW_DB_PORT" --user="$MLFLOW_DB_USER" "$MLFLOW_DB_NAME"`;

/**
 * Copies the server's SQLite databases with SQLite's online backup, as a tar on stdout. It finds them where the
 * server does, in the container's MLFLOW_BACKEND_STORE_URI and MLFLOW_AUTH_DATABASE_URI (sqlite:////path).
 */
export const sqliteBackupScript = [
  'import os, sqlite3, sys, tarfile, tempfile',
  'def path(variable):',
  '    uri = os.environ.get(variable, "")',
  '    return uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else None',
  'tracking = path("MLFLOW_BACKEND_STORE_URI")',
  'if tracking is None or not os.path.isfile(tracking):',
  '    sys.exit("no SQLite database to back up: MLFLOW_BACKEND_STORE_URI is %r" % os.environ.get("MLFLOW_BACKEND_STORE_URI"))',
  'out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.USTAR_FORMAT)',
  'for source_path in [tracking] + [p for p in [path("MLFLOW_AUTH_DATABASE_URI")] if p and os.path.isfile(p)]:',
  '    copy = os.path.join(tempfile.mkdtemp(), os.path.basename(source_path))',
  '    source, target = sqlite3.connect(source_path), sqlite3.connect(copy)',
  '    source.backup(target)',
  '    target.close(); source.close()',
  '    out.add(copy, arcname=os.path.basename(source_path))',
  '    os.remove(copy)',
  'out.close()',
].join('\n');

function passwordRef(answers: Answers): { name: string; key: string } {
  const secret = passwordSecrets(answers).find((candidate) => candidate.role === 'password');
  return { name: secret?.secret ?? `${answers.release}-mlflow-db`, key: secret?.key ?? 'password' };
}

/** The dump pod of a PostgreSQL or MySQL backend; undefined for SQLite and SQL Server. */
export function dumpPod(answers: Answers): DumpPod | undefined {
  const engine = answers.backend.type;
  if (engine !== 'postgres' && engine !== 'mysql') return undefined;
  const { db } = answers.backend;
  const port = String(db.port ?? defaultPorts[engine]);
  const ref = { secretKeyRef: passwordRef(answers) };
  const connection = (names: readonly [string, string, string, string]): BackupEnv[] =>
    [db.host, port, db.name, db.user].map((value, index) => ({ name: names[index] ?? '', value }));
  if (engine === 'postgres') {
    return {
      image: dumpImages.postgres,
      script: postgresDumpScript,
      env: [...connection(['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER']), ...(db.sslMode ? [{ name: 'PGSSLMODE', value: db.sslMode }] : []), { name: 'PGPASSWORD', valueFrom: ref }],
    };
  }
  const ssl = db.sslMode === 'verify-full' ? '--ssl --ssl-verify-server-cert' : db.sslMode === 'require' ? '--ssl' : '--skip-ssl';
  return {
    image: dumpImages.mysql,
    script: mysqlDumpScript,
    env: [...connection(['MLFLOW_DB_HOST', 'MLFLOW_DB_PORT', 'MLFLOW_DB_NAME', 'MLFLOW_DB_USER']), { name: 'MLFLOW_BACKUP_SSL', value: ssl }, { name: 'MYSQL_PWD', valueFrom: ref }],
  };
}

/** Pod Security "restricted", which the installer's namespaces enforce. */
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  runAsUser: 65534,
  seccompProfile: { type: 'RuntimeDefault' },
};

export function backupCommand(answers: Answers, tools: Tools, kube: KubeTarget, fromVersion: string): BackupCommand | undefined {
  const { release, namespace } = answers;
  const name = `${chartFullname(release)}-backup`;
  const pod = dumpPod(answers);
  if (pod) {
    const overrides = {
      apiVersion: 'v1',
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        containers: [{ name, image: pod.image, stdin: true, stdinOnce: true, command: ['sh', '-c', pod.script], env: pod.env, securityContext: restrictedContainer }],
      },
    };
    return {
      format: answers.backend.type === 'postgres' ? 'postgres-sql' : 'mysql-sql',
      input: '\n',
      argv: kubectlArgv(tools, kube, ['run', name, '--image', pod.image, '--restart=Never', '--rm', '--stdin', '--quiet', `--overrides=${JSON.stringify(overrides)}`], namespace),
      holds: `a plain SQL dump (${answers.backend.type === 'postgres' ? 'psql' : 'mariadb or mysql'} restores it)`,
      suggestedFile: `${chartFullname(release)}-${fromVersion}.sql`,
    };
  }
  if (isDatabaseBackend(answers.backend.type)) return undefined;
  return {
    format: 'sqlite-tar',
    // kubectl's own flags before `--`: after it, they would be the script's arguments.
    argv: [...kubectlArgv(tools, kube, ['exec', `deployment/${chartFullname(release)}`, '--container', 'mlflow'], namespace), '--', 'python', '-c', sqliteBackupScript],
    holds: 'a tar of the SQLite files (mlflow.db, and basic_auth.db with a login), copied with SQLite\'s online backup',
    suggestedFile: `${chartFullname(release)}-${fromVersion}.tar`,
  };
}
