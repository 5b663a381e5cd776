import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ensureBuilt, runCli, scratchDir } from './cli.js';

/**
 * Bad input of every kind: exit 2, one line `mlflow-install: <source>: <problem>` naming the source
 * (flag, preset file and key, environment variable), the value and what is accepted; never a stack trace.
 */
interface BadInput {
  name: string;
  args: string[];
  /** Files to create in the working directory first. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  message: string | RegExp;
  /** A value that must not be echoed (a password). */
  hidden?: string;
}

const db = ['--set', 'backend.db.host=db', '--set', 'backend.db.name=mlflow', '--set', 'backend.db.user=mlflow'];

const table: BadInput[] = [
  { name: 'unknown --set key, close to a known one', args: ['--set', 'backend.db.hots=db'], message: '--set backend.db.hots=db: unknown answer backend.db.hots; did you mean backend.db.host?' },
  { name: 'unknown --set key', args: ['--set', 'colour=blue'], message: /^--set colour=blue: unknown answer colour; the answers are release, namespace, backend\.\*, artifacts\.\*/ },
  { name: 'malformed --set (no =)', args: ['--set', 'backend.type'], message: '--set backend.type: expected key=value, e.g. --set backend.type=postgres' },
  { name: 'malformed --set (no key)', args: ['--set', '=postgres'], message: '--set =postgres: expected key=value, e.g. --set backend.type=postgres' },
  { name: '--set of a group', args: ['--set', 'backend=postgres'], message: '--set backend=postgres: backend is a group of answers; set one of its keys, e.g. backend.type=...' },
  { name: 'wrong type: text for a port', args: ['--set', 'backend.db.port=abc'], message: '--set backend.db.port=abc: expected an integer from 1 to 65535' },
  { name: 'wrong type: yes for a boolean', args: ['--set', 'ingress.enabled=yes'], message: '--set ingress.enabled=yes: expected true or false' },
  { name: 'wrong type: text for a map', args: ['--set', 'serviceAccount.annotations=arn'], message: /^--set serviceAccount\.annotations=arn: expected a map of annotation names/ },
  { name: 'unknown backend type', args: ['--set', 'backend.type=oracle'], message: '--set backend.type=oracle: expected one of file, postgres, mysql, mssql' },
  { name: 'unknown secrets provider', args: ['--set', 'secrets.provider=k8s'], message: '--set secrets.provider=k8s: expected one of kubernetes, aws, azure, gcp, vault' },
  { name: 'port 0', args: ['--set', 'backend.db.port=0'], message: '--set backend.db.port=0: expected an integer from 1 to 65535' },
  { name: 'port 70000', args: ['--set', 'backend.db.port=70000'], message: '--set backend.db.port=70000: expected an integer from 1 to 65535' },
  { name: 'fractional port', args: ['--set', 'backend.db.port=5432.5'], message: '--set backend.db.port=5432.5: expected an integer from 1 to 65535' },
  { name: 'artifact root with an unsupported scheme', args: ['--set', 'artifacts.root=hdfs://nn/mlflow'], message: /^--set artifacts\.root=hdfs:\/\/nn\/mlflow: expected empty, or a URI such as s3:\/\/bucket\/path/ },
  { name: 'artifact root that is a local path', args: ['--set', 'artifacts.root=/mnt/artifacts'], message: /^--set artifacts\.root=\/mnt\/artifacts: expected empty, or a URI/ },
  { name: 'invalid namespace (--namespace)', args: ['--namespace', 'Team_A'], message: /^--namespace Team_A: expected a DNS-1123 label of at most 63 characters/ },
  { name: 'invalid namespace (-n, too long)', args: ['-n', 'a'.repeat(64)], message: new RegExp(`^--namespace ${'a'.repeat(64)}: expected a DNS-1123 label`) },
  { name: 'invalid release name', args: ['--release', 'MLflow'], message: /^--release MLflow: expected a DNS-1123 label of at most 53 characters/ },
  { name: 'release name too long for helm', args: ['--set', `release=${'r'.repeat(54)}`], message: /expected a DNS-1123 label of at most 53 characters/ },
  { name: '--namespace and --set namespace disagree', args: ['-n', 'a', '--set', 'namespace=b'], message: '--namespace a conflicts with --set namespace=b; give one' },
  { name: 'volume size zero', args: ['--set', 'backend.volume.size=0Gi'], message: '--set backend.volume.size=0Gi: expected a Kubernetes quantity greater than zero, e.g. 10Gi or 500Mi' },
  { name: 'ingress host that is an IP', args: ['--set', 'ingress.host=10.0.0.1'], message: '--set ingress.host=10.0.0.1: expected a lowercase DNS name such as mlflow.example.com (not an IP address)' },
  { name: 'S3 endpoint that is not a URL', args: ['--set', 'artifacts.s3EndpointUrl=minio:9000'], message: '--set artifacts.s3EndpointUrl=minio:9000: expected an http:// or https:// URL, or empty' },
  { name: 'invalid annotation name', args: ['--set', 'serviceAccount.annotations.bad key=x'], message: /^--set serviceAccount\.annotations\.bad key=x: the key "bad key" is not valid; expected a map of annotation names/ },
  { name: 'password with --set', args: ['--set', 'backend.db.password=Hunter2-Secret'], hidden: 'Hunter2-Secret', message: /^--set backend\.db\.password=\.\.\.: a password is never taken from flags or files .* type it at the prompt or set MLFLOW_DB_PASSWORD$/ },
  { name: 'master password with --set', args: ['--set', 'backend.createDatabase.masterPassword=Hunter3-Secret'], hidden: 'Hunter3-Secret', message: /set MLFLOW_DB_MASTER_PASSWORD$/ },
  { name: 'unknown preset name', args: ['--preset', 'gke'], message: '--preset gke: unknown preset; the presets are local, postgres, mysql, aws-aurora, gcp-cloudsql, azure (or give the path of a preset file)' },
  { name: 'missing preset file', args: ['--preset', './nope.yaml'], message: '--preset ./nope.yaml: no such file; give a preset name or the path of a preset file' },
  { name: 'unreadable preset file (a directory)', args: ['--preset', './dir.yaml'], files: { 'dir.yaml/keep': '' }, message: '--preset ./dir.yaml: is a directory; expected a preset file (YAML)' },
  { name: 'preset file that is not YAML', args: ['--preset', './bad.yaml'], files: { 'bad.yaml': 'backend: [postgres\n' }, message: /^preset file \.\/bad\.yaml: not valid YAML at line \d+, column \d+ .*expected a YAML map of answers$/ },
  { name: 'preset file with an unknown key', args: ['--preset', './typo.yaml'], files: { 'typo.yaml': 'description: mine\nbackend:\n  tpye: postgres\n' }, message: 'preset file ./typo.yaml: unknown answer backend.tpye; did you mean backend.type?' },
  { name: 'preset file with a bad value', args: ['--preset', './port.yaml'], files: { 'port.yaml': 'backend:\n  db:\n    port: 99999\n' }, message: 'preset file ./port.yaml: backend.db.port: got 99999, expected an integer from 1 to 65535' },
  { name: 'preset file with a wrong type', args: ['--preset', './type.yaml'], files: { 'type.yaml': 'ingress:\n  enabled: "yes"\n' }, message: 'preset file ./type.yaml: ingress.enabled: got "yes", expected true or false' },
  { name: 'preset file that is a list', args: ['--preset', './list.yaml'], files: { 'list.yaml': '- postgres\n' }, message: 'preset file ./list.yaml: expected a YAML map with a description and answers, got ["postgres"]' },
  { name: 'preset file with a two-line description', args: ['--preset', './desc.yaml'], files: { 'desc.yaml': 'description: |\n  one\n  two\n' }, message: 'preset file ./desc.yaml: description: got "one\\ntwo\\n", expected one line of text' },
  { name: 'preset file with a password', args: ['--preset', './pw.yaml'], files: { 'pw.yaml': 'backend:\n  db:\n    password: Hunter4-Secret\n' }, hidden: 'Hunter4-Secret', message: /^preset file \.\/pw\.yaml: backend\.db\.password: a password is never taken from flags or files/ },
  { name: 'preset file with a group where an answer goes', args: ['--preset', './group.yaml'], files: { 'group.yaml': 'backend: postgres\n' }, message: 'preset file ./group.yaml: backend: expected a map of answers, got "postgres"' },
  { name: 'empty MLFLOW_DB_PASSWORD', args: ['--preset', 'postgres', '--set', 'backend.db.host=db'], env: { MLFLOW_DB_PASSWORD: '' }, message: 'MLFLOW_DB_PASSWORD: is set but empty; expected the password (or unset it to be asked)' },
  { name: 'MLFLOW_DB_MASTER_PASSWORD on two lines', args: [...db, '--set', 'backend.type=mysql', '--set', 'backend.createDatabase.enabled=true', '--set', 'backend.createDatabase.masterUser=admin'], env: { MLFLOW_DB_MASTER_PASSWORD: 'a\nb' }, hidden: 'a\nb', message: 'MLFLOW_DB_MASTER_PASSWORD: contains a line break; expected the password on one line' },
  { name: 'MLFLOW_ADMIN_PASSWORD too short for MLflow', args: [], env: { MLFLOW_ADMIN_PASSWORD: 'short-pw' }, hidden: 'short-pw', message: 'MLFLOW_ADMIN_PASSWORD: has 8 characters; expected at least 12 (MLflow refuses a shorter admin password) (or unset it to have one generated)' },
  { name: "MLFLOW_ADMIN_PASSWORD that is MLflow's old default", args: ['--yes'], env: { MLFLOW_ADMIN_PASSWORD: 'password1234' }, message: /^MLFLOW_ADMIN_PASSWORD: is password1234, the old default MLflow refuses/ },
  { name: 'admin password with --set', args: ['--set', 'auth.adminPassword=Hunter5-Secret-pw'], hidden: 'Hunter5-Secret-pw', message: /set MLFLOW_ADMIN_PASSWORD, or leave both out to have one generated$/ },
  { name: 'admin user with a colon', args: ['--set', 'auth.adminUser=ad:min'], message: '--set auth.adminUser=ad:min: expected a user name of 1 to 255 characters with no space or colon (HTTP basic auth splits at the first colon)' },
  { name: 'ServiceMonitor without metrics', args: ['--set', 'prometheus.serviceMonitor=true'], message: '--set prometheus.serviceMonitor=true: a ServiceMonitor needs the metrics: set prometheus.expose=true too' },
  { name: 'sslMode for SQL Server', args: [...db, '--set', 'backend.type=mssql', '--set', 'backend.db.sslMode=require'], message: '--set backend.db.sslMode=require: SQL Server negotiates TLS itself (FreeTDS); expected sslMode empty with backend.type mssql' },
  { name: 'unproxied artifacts on the server volume', args: ['--set', 'artifacts.serve=false'], message: /^--set artifacts\.serve=false: artifacts kept on the server's volume are reachable only through the server/ },
  { name: 'provider reference in the wrong format', args: [...db, '--set', 'backend.type=postgres', '--set', 'secrets.provider=gcp', '--set', 'secrets.objects.password=my pass'], hidden: 'my pass', message: /^--set secrets\.objects\.password=\.\.\.: expected a Secret Manager version name: projects\/PROJECT\/secrets\/SECRET\/versions\/VERSION/ },
  { name: 'missing answers with --yes', args: ['--yes', '--preset', 'postgres'], message: 'missing answers (with --yes nothing is asked): --set backend.db.host=...' },
  { name: 'bad --timeout', args: ['--timeout', 'soon'], message: '--timeout soon: expected a duration such as 90s, 5m or 1h' },
  { name: '--chart without a chart', args: ['--chart', './empty'], files: { 'empty/README': '' }, message: '--chart ./empty: no Chart.yaml there; expected the directory (or .tgz) of the mlflow chart' },
  { name: '--values-file in a missing directory', args: ['--values-file', './missing/values.yaml'], message: /^--values-file .*missing\/values\.yaml: cannot write it \(ENOENT\); expected a writable file path$/ },
];

describe(`bad input (${table.length} cases): exit 2 and one line naming the source, the value and what is accepted`, () => {
  beforeAll(ensureBuilt, 300_000);

  it.concurrent.each(table)('$name', async (bad) => {
    const cwd = scratchDir();
    for (const [file, text] of Object.entries(bad.files ?? {})) {
      mkdirSync(join(cwd, file, '..'), { recursive: true });
      writeFileSync(join(cwd, file), text);
    }
    const args = bad.args.includes('--yes') ? bad.args : ['--dry-run', ...bad.args];
    const result = await runCli(args, { cwd, env: cliEnv(bad.env) });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines, result.stderr).toHaveLength(2);
    expect(lines[1]).toBe('');
    const line = lines[0] ?? '';
    expect(line.startsWith('mlflow-install: ')).toBe(true);
    const message = line.slice('mlflow-install: '.length);
    if (typeof bad.message === 'string') expect(message).toBe(bad.message);
    else expect(message).toMatch(bad.message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    if (bad.hidden) expect(result.stderr).not.toContain(bad.hidden);
  });
});
