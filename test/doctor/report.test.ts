import { describe, expect, it } from 'vitest';
import { errorDocument } from '../../src/cli.js';
import { describeDrift } from '../../src/tasks/doctor/answers.js';
import { liveDatabase } from '../../src/tasks/doctor/database.js';
import { ingressFacts } from '../../src/tasks/doctor/ingress.js';
import { loginFinding } from '../../src/tasks/doctor/login.js';
import { doctorJson, formatDoctor, type DoctorReport } from '../../src/tasks/doctor/report.js';
import { mlflowVersionOfImage } from '../../src/answers/mlflow-version.js';
import { schemaFinding, versionFinding } from '../../src/tasks/doctor/version.js';
import { createPalette } from '../../src/ui/colors.js';

const report: DoctorReport = {
  release: { name: 'mlflow', namespace: 'ml', found: true },
  context: { context: 'kind-a', server: 'https://127.0.0.1:6443' },
  durationMs: 1234,
  checks: [
    { id: 'pod/mlflow-x', area: 'pods', title: 'pod mlflow-x', status: 'fail', saw: 'CrashLoopBackOff', fix: 'See why: logs', durationMs: 900 },
    { id: 'kubectl', area: 'tools', title: 'kubectl', status: 'pass', saw: 'kubectl v1.34.0', durationMs: 120 },
    { id: 'login', area: 'login', title: 'login', status: 'warn', saw: 'none', fix: 'turn it on', durationMs: 800 },
  ],
};

describe('doctor report', () => {
  it('groups by area with a header, says it is read-only, shows a Fix line only for warnings and failures', () => {
    const text = formatDoctor({ ...report, checks: [report.checks[1]!, report.checks[0]!, report.checks[2]!] }, createPalette(false));
    expect(text).toContain('mlflow-install doctor: release mlflow in namespace ml, context kind-a (https://127.0.0.1:6443)\nRead-only:');
    expect(text).toContain('\nTools and access\n  ✔ kubectl: kubectl v1.34.0\n\nPods\n  ✖ pod mlflow-x: CrashLoopBackOff\n      Fix: See why: logs\n\nLogin\n  ! login: none\n      Fix: turn it on\n');
    expect(text).toContain('Problems found: 1 passed, 1 warning, 1 failed (1.2 s).');
  });

  it('prints the same as one JSON document, each check with its duration', () => {
    const document = JSON.parse(doctorJson(report)) as Record<string, unknown>;
    expect(document).toMatchObject({ ok: false, readOnly: true, summary: { pass: 1, warn: 1, fail: 1, skip: 0 }, durationMs: 1234 });
    expect(document.checks).toContainEqual({ id: 'kubectl', area: 'tools', title: 'kubectl', status: 'pass', saw: 'kubectl v1.34.0', durationMs: 120 });
  });

  it('an error is still one JSON document, with the exit code and its meaning', () => {
    expect(JSON.parse(errorDocument(2, 'unknown option'))).toEqual({ ok: false, error: { exitCode: 2, meaning: 'bad usage or input', message: 'unknown option' } });
    expect(JSON.parse(errorDocument(1, 'x')).error.meaning).toBe('failed');
  });
});

describe('doctor checks, pure parts', () => {
  it('reads the MLflow version from an image tag', () => {
    expect(mlflowVersionOfImage('ghcr.io/mlflow/mlflow:v3.16.1-full')).toBe('3.16.1');
    expect(mlflowVersionOfImage('registry:5000/mlflow:3.10.0')).toBe('3.10.0');
    expect(mlflowVersionOfImage('ghcr.io/mlflow/mlflow:latest')).toBeUndefined();
    expect(versionFinding(['ghcr.io/mlflow/mlflow:v3.16.1-full'], { version: '3.16.1', from: 'chart' }, '3.16.1').status).toBe('pass');
    expect(versionFinding(['ghcr.io/mlflow/mlflow:v3.10.0'], { version: '3.16.1', from: 'chart' }, '3.16.1')).toMatchObject({ status: 'warn', saw: expect.stringContaining("the chart's appVersion is 3.16.1") });
    // The answers asked for the older version: it runs as asked, and the upgrade is named.
    expect(versionFinding(['ghcr.io/mlflow/mlflow:v3.10.0-full'], { version: '3.10.0', from: 'answers' }, '3.16.1')).toMatchObject({
      status: 'pass',
      saw: expect.stringContaining('--set mlflow.version=3.16.1'),
    });
  });

  it('says which MLflow version the database schema belongs to, and fails when it is newer than the server', () => {
    const where = 'ml/mlflow-mlflow-install';
    expect(schemaFinding('3.16.1', '3.16.1', where)).toMatchObject({ id: 'schema', status: 'pass', saw: 'the database schema belongs to MLflow 3.16.1 (schema-version in ConfigMap ml/mlflow-mlflow-install), the version the server runs' });
    // A rollback past the migration: the old image cannot start on the new schema.
    expect(schemaFinding('3.16.1', '3.10.0', where)).toMatchObject({ status: 'fail', saw: expect.stringContaining("newer than the server's 3.10.0"), fix: expect.stringContaining('--set mlflow.version=3.16.1') });
    expect(schemaFinding('3.10.0', '3.16.1', where)).toMatchObject({ status: 'warn', fix: expect.stringContaining('records 3.16.1') });
    expect(schemaFinding(undefined, '3.16.1', where).status).toBe('skip');
    expect(schemaFinding('3.16.1', undefined, where).status).toBe('skip');
  });

  it('a login is required only when auth.enabled is true', () => {
    expect(loginFinding({ auth: { enabled: true, adminUser: 'root' } })).toMatchObject({ status: 'pass', saw: expect.stringContaining('admin user root') });
    expect(loginFinding({}).status).toBe('warn');
  });

  it('hides a password in a drift line', () => {
    expect(describeDrift([{ key: 'mlflowBackend.connections.password', before: undefined, after: 'hunter2' }])).not.toContain('hunter2');
    expect(describeDrift([{ key: 'ingress.enabled', before: false, after: true }])).toBe('ingress.enabled: false saved, true live');
  });

  it('finds the database the live values connect to', () => {
    const values = { database: { enabled: true, engine: { postgres: 'postgresql' } }, mlflowBackend: { connections: { host: 'db.internal', port: 5433 } } };
    expect(liveDatabase(values, 'mlflow', 'img:v1')).toEqual({ host: 'db.internal', port: 5433, image: 'img:v1', imagePullSecrets: [] });
    expect(liveDatabase({}, 'mlflow', undefined)).toBeUndefined();
  });

  it('reads hosts, TLS Secrets and the cert-manager issuer of an Ingress', () => {
    const facts = ingressFacts([
      { kind: 'Ingress', name: 'mlflow', labels: {}, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' }, spec: { rules: [{ host: 'mlflow.example.com' }], tls: [{ hosts: ['mlflow.example.com'], secretName: 'mlflow-tls' }] } },
    ]);
    expect(facts).toEqual([{ name: 'mlflow', hosts: ['mlflow.example.com'], tls: [{ secretName: 'mlflow-tls', hosts: ['mlflow.example.com'] }], issuer: 'letsencrypt' }]);
  });
});
