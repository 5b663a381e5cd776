import { describe, expect, it } from 'vitest';
import { compareVersions, imageTagFor, isSupportedMlflowVersion } from '../../src/answers/mlflow-version.js';
import { AnswersSchema } from '../../src/answers/schema.js';
import { toChartValues } from '../../src/answers/to-values.js';
import { UsageError } from '../../src/errors.js';
import { backupCommand, dumpPod, sqliteBackupScript } from '../../src/plan/backup.js';
import { checkVersionChange, releaseVersions, upgradeConsequences, versionChange } from '../../src/plan/upgrade.js';
import { schemaLines } from '../../src/tasks/install/upgrade-report.js';

const location = { namespace: 'ml', name: 'mlflow-mlflow-install' };
const savedWith = (version: string, schema?: string) => ({ data: { 'answers.yaml': `mlflow:\n  version: ${version}\n`, ...(schema ? { 'schema-version': schema } : {}) }, location });
const tools = { helm: 'helm', kubectl: 'kubectl', helmMajor: 3 as const };

describe('MLflow versions', () => {
  it('accepts X.Y.Z from 3.5.0 on, and compares them numerically', () => {
    expect(isSupportedMlflowVersion('3.5.0')).toBe(true);
    expect(isSupportedMlflowVersion('3.4.0')).toBe(false);
    expect(isSupportedMlflowVersion('03.5.0')).toBe(false);
    expect(compareVersions('3.10.0', '3.9.9')).toBeGreaterThan(0);
    expect(compareVersions('3.16.1', '3.16.1')).toBe(0);
    expect(imageTagFor('3.10.0')).toBe('v3.10.0-full');
  });

  it('sets the image tag only for another version than the chart\'s', () => {
    expect(toChartValues(AnswersSchema.parse({})).image).toBeUndefined();
    expect(toChartValues(AnswersSchema.parse({ mlflow: { version: '3.10.0' } })).image).toEqual({ tag: 'v3.10.0-full' });
  });
});

describe('the release versions', () => {
  it('takes the saved answers first, then the image tag, then the chart appVersion', () => {
    expect(releaseVersions({ releaseExists: false, savedAnswers: savedWith('3.10.0') })).toEqual({});
    expect(releaseVersions({ releaseExists: true, savedAnswers: savedWith('3.10.0', '3.10.0') })).toMatchObject({ running: { version: '3.10.0' }, recorded: { version: '3.10.0' } });
    expect(releaseVersions({ releaseExists: true, currentValues: { image: { tag: 'v3.12.0-full' } }, deployedAppVersion: '3.16.1' }).running?.version).toBe('3.12.0');
    expect(releaseVersions({ releaseExists: true, currentValues: {}, deployedAppVersion: '3.16.1' }).running).toEqual({ version: '3.16.1', from: "the appVersion of the release's chart" });
  });

  it('names an upgrade, nothing for the same version, and refuses any version below the schema', () => {
    const versions = releaseVersions({ releaseExists: true, savedAnswers: savedWith('3.10.0', '3.10.0') });
    expect(versionChange('3.16.1', versions)).toEqual({ kind: 'upgrade', from: '3.10.0', to: '3.16.1' });
    expect(versionChange('3.10.0', versions)).toEqual({ kind: 'none' });
    expect(versionChange('3.9.0', versions).kind).toBe('downgrade');
    // A failed upgrade recorded the newer schema while the answers still name the old version.
    const migrated = releaseVersions({ releaseExists: true, savedAnswers: savedWith('3.10.0', '3.16.1') });
    expect(versionChange('3.10.0', migrated)).toMatchObject({ kind: 'downgrade', schema: { version: '3.16.1' } });
  });

  it('says which version the schema belongs to and what is accepted when it refuses', () => {
    const versions = releaseVersions({ releaseExists: true, savedAnswers: savedWith('3.16.1', '3.16.1') });
    const answers = AnswersSchema.parse({ mlflow: { version: '3.10.0' } });
    const origins = new Map([['mlflow.version', { kind: 'flag' as const, text: '--set mlflow.version=3.10.0' }]]);
    expect(() => checkVersionChange(answers, versions, origins)).toThrow(UsageError);
    expect(() => checkVersionChange(answers, versions, origins)).toThrow(
      /^--set mlflow\.version=3\.10\.0: MLflow 3\.10\.0 is older than the database schema, which belongs to MLflow 3\.16\.1 \(schema-version in the earlier run \(ConfigMap ml\/mlflow-mlflow-install\)\).*Accepted: 3\.16\.1 or newer/,
    );
  });

  it('says what the upgrade migrates and that the old version cannot serve it', () => {
    const withLogin = AnswersSchema.parse({ backend: { type: 'postgres', db: { host: 'db', name: 'mlflow', user: 'mlflow' } } });
    const lines = upgradeConsequences({ kind: 'upgrade', from: '3.10.0', to: '3.16.1' }, withLogin);
    expect(lines[0]).toMatch(/^The pre-upgrade Job mlflow-migrate runs `mlflow db upgrade` on the tracking database, then the login's user database/);
    expect(lines[1]).toMatch(/MLflow 3\.10\.0 cannot serve the migrated database: a `helm rollback` to its image will not start/);
    const file = upgradeConsequences({ kind: 'upgrade', from: '3.10.0', to: '3.16.1' }, AnswersSchema.parse({ auth: { enabled: false } }));
    expect(file[0]).toMatch(/init container runs `mlflow db upgrade` on the SQLite file/);
  });
});

describe('the backup command', () => {
  const postgres = AnswersSchema.parse({ backend: { type: 'postgres', db: { host: 'db.internal', name: 'mlflow', user: 'mlflow', sslMode: 'require' } } });
  it('runs pg_dump in a restricted pod, the password from the Secret, never in argv', () => {
    const command = backupCommand(postgres, tools, {}, '3.10.0');
    expect(command?.argv.slice(0, 3)).toEqual(['kubectl', 'run', 'mlflow-backup']);
    expect(command?.suggestedFile).toBe('mlflow-3.10.0.sql');
    const overrides = JSON.parse(command?.argv.find((arg) => arg.startsWith('--overrides='))?.slice('--overrides='.length) ?? '{}');
    const container = overrides.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'mlflow-mlflow-db', key: 'password' } } });
    expect(container.env).toContainEqual({ name: 'PGSSLMODE', value: 'require' });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(command?.argv.join(' ')).not.toMatch(/PGPASSWORD=|MYSQL_PWD=/);
  });

  it('runs mariadb-dump with MYSQL_PWD for mysql, copies the SQLite files for the file backend, and has none for SQL Server', () => {
    const mysql = dumpPod(AnswersSchema.parse({ backend: { type: 'mysql', db: { host: 'db', name: 'mlflow', user: 'mlflow', existingSecret: 'ours' } } }));
    expect(mysql?.env).toContainEqual({ name: 'MYSQL_PWD', valueFrom: { secretKeyRef: { name: 'ours', key: 'password' } } });
    const file = backupCommand(AnswersSchema.parse({}), tools, { context: 'kind' }, '3.10.0');
    expect(file?.argv.slice(0, 3)).toEqual(['kubectl', 'exec', 'deployment/mlflow']);
    // Every kubectl flag comes before `--`: after it, it would be the script's argument.
    const dashes = file?.argv.indexOf('--') ?? -1;
    expect(file?.argv.slice(dashes)).toEqual(['--', 'python', '-c', sqliteBackupScript]);
    expect(file?.argv.slice(0, dashes)).toEqual(['kubectl', 'exec', 'deployment/mlflow', '--container', 'mlflow', '--namespace', 'mlflow', '--context', 'kind']);
    expect(file?.format).toBe('sqlite-tar');
    expect(backupCommand(AnswersSchema.parse({ backend: { type: 'mssql', db: { host: 'db', name: 'mlflow', user: 'mlflow' } } }), tools, {}, '3.10.0')).toBeUndefined();
  });
});

describe('the failure report of an upgrade', () => {
  const answers = AnswersSchema.parse({ backend: { type: 'postgres', db: { host: 'db', name: 'mlflow', user: 'mlflow' } } });
  const upgrade = { from: '3.10.0', to: '3.16.1' };
  it('says the old revision serves when the migration Job failed', () => {
    expect(schemaLines(upgrade, answers, 'job-failed', undefined).join(' ')).toMatch(/pre-upgrade Job mlflow-migrate failed, so the release's old revision \(MLflow 3\.10\.0\) was left serving/);
  });
  it('says the schema is the new version\'s and a rollback will not start when the Job completed', () => {
    const text = schemaLines(upgrade, answers, 'job-completed', 'ml/mlflow-mlflow-install').join(' ');
    expect(text).toMatch(/the database now belongs to MLflow 3\.16\.1 \(recorded as schema-version in ConfigMap ml\/mlflow-mlflow-install\)/);
    expect(text).toMatch(/A `helm rollback` to MLflow 3\.10\.0's image will not start/);
  });
});
