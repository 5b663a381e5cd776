import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { answerFromText, layerFromSetFlags } from '../../src/answers/layers.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { parseSavedAnswers, savedAnswersConfigMap, savedAnswersSpec } from '../../src/answers/saved.js';

const where = { namespace: 'mlflow', name: 'mlflow-mlflow-install' };
const saved = (answersYaml: string, extra: Record<string, string> = {}) => ({ data: { 'answers.yaml': answersYaml, ...extra }, location: where });

function presetFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'preset-'));
  const path = join(dir, 'mine.yaml');
  writeFileSync(path, text);
  return path;
}

describe('--set', () => {
  it('parses integers and booleans as YAML scalars, and keeps text as typed for text answers', () => {
    const layer = layerFromSetFlags(['backend.db.port=5433', 'ingress.enabled=true', 'backend.volume.storageClass=0123', 'backend.db.user="x007"']);
    expect(layer.get('backend.db.port')?.value).toBe(5433);
    expect(layer.get('ingress.enabled')?.value).toBe(true);
    expect(layer.get('backend.volume.storageClass')?.value).toBe('0123');
    expect(layer.get('backend.db.user')?.value).toBe('x007');
  });

  it('lets a later flag for the same key win, and merges map entries', () => {
    const layer = layerFromSetFlags(['backend.type=mysql', 'backend.type=postgres', 'serviceAccount.annotations.a/b=1', 'serviceAccount.annotations.c=2']);
    expect(layer.get('backend.type')?.value).toBe('postgres');
    expect(layer.get('serviceAccount.annotations')?.value).toEqual({ 'a/b': '1', c: '2' });
  });

  it('keeps a value with = in it whole', () => {
    const layer = layerFromSetFlags(['ingress.annotations.nginx.ingress.kubernetes.io/configuration-snippet=a=b']);
    expect(layer.get('ingress.annotations')?.value).toEqual({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'a=b' });
  });

  it('clears a text answer with an empty value', () => {
    const answers = resolveAnswers({ preset: 'postgres', set: ['backend.db.name=', 'backend.db.host=db'] }).answers;
    expect(answers.backend.db.name).toBe('');
  });

  it('never echoes a password given with --set', () => {
    const error = (() => {
      try {
        layerFromSetFlags(['backend.db.password=Hunter2-Secret']);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toContain('MLFLOW_DB_PASSWORD');
    expect(error?.message).not.toContain('Hunter2');
  });

  it('points the master password to its own variable', () => {
    expect(() => layerFromSetFlags(['backend.createDatabase.masterPassword=x'])).toThrow('MLFLOW_DB_MASTER_PASSWORD');
  });
});

describe('precedence: --set > --preset > earlier run > defaults', () => {
  it('takes each answer from the highest source that gives it', () => {
    const resolved = resolveAnswers({
      set: ['backend.db.port=6000'],
      preset: 'postgres',
      savedAnswers: saved('backend:\n  db:\n    host: saved-db\n    port: 7000\n    name: savedname\ningress:\n  enabled: false\n'),
    });
    expect(resolved.answers.backend.db.port).toBe(6000);
    expect(resolved.answers.backend.db.name).toBe('mlflow');
    expect(resolved.answers.backend.db.host).toBe('saved-db');
    expect(resolved.answers.backend.volume.size).toBe('10Gi');
    expect(resolved.origins.get('backend.db.port')).toEqual({ kind: 'flag', text: '--set backend.db.port=6000' });
    expect(resolved.origins.get('backend.db.name')).toMatchObject({ kind: 'file', label: expect.stringContaining('preset postgres') });
    expect(resolved.origins.get('backend.db.host')).toMatchObject({ kind: 'file', label: 'earlier run (ConfigMap mlflow/mlflow-mlflow-install)' });
    expect(resolved.origins.has('backend.volume.size')).toBe(false);
  });

  it('merges map answers entry by entry across sources', () => {
    const resolved = resolveAnswers({
      set: ['ingress.annotations.alb.ingress.kubernetes.io/scheme=internal'],
      preset: 'aws-aurora',
      savedAnswers: saved('ingress:\n  annotations:\n    extra/one: "1"\n'),
    });
    expect(resolved.answers.ingress.annotations).toEqual({
      'extra/one': '1',
      'alb.ingress.kubernetes.io/scheme': 'internal',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/health',
    });
  });

  it('treats --release and --namespace like --set, and refuses a conflict between them', () => {
    expect(resolveAnswers({ release: 'prod', namespace: 'ml' }).answers).toMatchObject({ release: 'prod', namespace: 'ml' });
    expect(() => resolveAnswers({ namespace: 'a', set: ['namespace=b'] })).toThrow('--namespace a conflicts with --set namespace=b');
    expect(() => resolveAnswers({ namespace: 'Bad_NS' })).toThrow(/^--namespace Bad_NS: expected a DNS-1123 label/);
  });
});

describe('preset files', () => {
  it('loads a preset from a path with a description, required keys and answers', () => {
    const path = presetFile('description: mine\nrequired: [backend.db.host]\nbackend:\n  type: postgres\n  db: {name: x, user: y}\n');
    const resolved = resolveAnswers({ preset: path });
    expect(resolved.preset?.description).toBe('mine');
    expect(resolved.presetRequired).toEqual(['backend.db.host']);
    expect(resolved.answers.backend.type).toBe('postgres');
  });

  it('names the file and the key of a bad value', () => {
    const path = presetFile('backend:\n  db:\n    port: "5432"\n');
    expect(() => resolveAnswers({ preset: path })).toThrow(`preset file ${path}: backend.db.port: got "5432", expected an integer from 1 to 65535`);
  });

  it('refuses duplicate keys, a list at the top, and a password', () => {
    expect(() => resolveAnswers({ preset: presetFile('release: a\nrelease: b\n') })).toThrow('not valid YAML');
    expect(() => resolveAnswers({ preset: presetFile('- a\n') })).toThrow('expected a YAML map');
    expect(() => resolveAnswers({ preset: presetFile('backend:\n  db:\n    password: x\n') })).toThrow('MLFLOW_DB_PASSWORD');
  });
});

describe('the answers an earlier run saved', () => {
  it('round-trips through the ConfigMap spec', () => {
    const first = resolveAnswers({ preset: 'postgres', set: ['backend.db.host=db.internal', 'prometheus.expose=true'] }).answers;
    const spec = savedAnswersSpec(first);
    const configMap = savedAnswersConfigMap(spec, 'uid-123', first.release);
    expect(configMap.metadata).toMatchObject({ name: 'mlflow-mlflow-install', namespace: 'mlflow' });
    const again = resolveAnswers({ savedAnswers: { data: configMap.data, location: where } });
    expect(again.answers).toEqual(first);
    expect(again.clusterUid).toBe('uid-123');
  });

  it('reports a bad saved answer like any other source', () => {
    expect(() => parseSavedAnswers({ 'answers.yaml': 'backend:\n  type: oracle\n' }, where)).toThrow(
      'earlier run (ConfigMap mlflow/mlflow-mlflow-install): backend.type: got "oracle", expected one of file, postgres, mysql, mssql',
    );
    expect(() => parseSavedAnswers({ 'answers.yaml': 'colour: blue\n' }, where)).toThrow(
      'earlier run (ConfigMap mlflow/mlflow-mlflow-install): unknown answer colour',
    );
    expect(() => parseSavedAnswers({}, where)).toThrow('has no answers.yaml');
    expect(() => parseSavedAnswers({ 'answers.yaml': 'a: [' }, where)).toThrow('not valid YAML');
  });
});

describe('combinations', () => {
  it('refuses what no single answer can', () => {
    expect(() => resolveAnswers({ set: ['artifacts.serve=false'] })).toThrow("--set artifacts.serve=false: artifacts kept on the server's volume");
    expect(() => resolveAnswers({ set: ['prometheus.serviceMonitor=true'] })).toThrow('prometheus.expose=true');
    expect(() => resolveAnswers({ set: ['backend.type=mssql', 'backend.db.sslMode=require'] })).toThrow('SQL Server negotiates TLS');
    expect(() => resolveAnswers({ set: ['backend.type=mysql', 'backend.db.sslMode=verify-ca'] })).toThrow('disable, require, verify-full');
    expect(() => resolveAnswers({ set: ['backend.type=postgres', 'secrets.provider=gcp', 'secrets.objects.password=hunter2 pass'] })).toThrow(
      /--set secrets.objects.password=\.\.\.: expected a Secret Manager version name.*not shown/,
    );
  });

  it('notes answers the others make irrelevant instead of refusing them', () => {
    const resolved = resolveAnswers({ set: ['backend.db.host=db', 'ingress.host=mlflow.example.com'] });
    expect(resolved.ignored).toEqual(['backend.db.host', 'ingress.host']);
  });
});

describe('answerFromText (for the wizard)', () => {
  it('checks one typed answer with the schema and says what is accepted', () => {
    expect(answerFromText('backend.db.port', '6543')).toBe(6543);
    expect(answerFromText('serviceAccount.annotations.iam.gke.io/gcp-service-account', 'sa@p.iam.gserviceaccount.com')).toBe('sa@p.iam.gserviceaccount.com');
    expect(() => answerFromText('backend.db.port', 'x')).toThrow('backend.db.port: expected an integer from 1 to 65535');
    expect(() => answerFromText('namespace', 'Bad')).toThrow(/^namespace: expected a DNS-1123 label/);
  });
});

describe('secrets in map answers', () => {
  it('refuses a provider parameter or annotation named like a password or token', () => {
    expect(() => layerFromSetFlags(['secrets.parameters.vaultToken=s.abcdef'])).toThrow(/^--set secrets\.parameters\.vaultToken=\.\.\.: a password is never taken/);
    expect(() => resolveAnswers({ preset: presetFile('secrets:\n  parameters:\n    dbPassword: x\n') })).toThrow(/secrets\.parameters\.dbPassword: a password is never taken/);
  });
});
