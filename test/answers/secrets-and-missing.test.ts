import { describe, expect, it } from 'vitest';
import { equivalentCommand } from '../../src/answers/command-line.js';
import { missingAnswers, relevantKeys, unansweredQuestions } from '../../src/answers/consistency.js';
import { mergeLayers } from '../../src/answers/layers.js';
import { listPresets, loadPreset } from '../../src/answers/presets.js';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { checkSecretEnvironment, missingSecretInputs, secretManifest, secretSpecs } from '../../src/answers/secrets.js';

const db = ['backend.db.host=db.internal', 'backend.db.name=mlflow', 'backend.db.user=mlflow'];
const missingFor = (input: Parameters<typeof resolveAnswers>[0]) => {
  const resolved = resolveAnswers(input);
  return missingAnswers(resolved.answers, resolved.presetRequired).map((answer) => answer.key);
};

describe('the Secrets the installer creates', () => {
  it('none for the file backend, an existing Secret or a Secrets Store provider', () => {
    expect(secretSpecs(resolveAnswers({}).answers)).toEqual([]);
    expect(secretSpecs(resolveAnswers({ set: ['backend.type=postgres', ...db, 'backend.db.existingSecret=mine'] }).answers)).toEqual([]);
    expect(secretSpecs(resolveAnswers({ set: ['backend.type=postgres', ...db, 'secrets.provider=aws', 'secrets.objects.password=x'] }).answers)).toEqual([]);
  });

  it('the database password, and the master password for createDatabase, each with its variable and prompt', () => {
    const answers = resolveAnswers({
      release: 'prod',
      namespace: 'ml',
      set: ['backend.type=postgres', ...db, 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=postgres'],
    }).answers;
    expect(secretSpecs(answers)).toEqual([
      {
        name: 'prod-mlflow-db',
        namespace: 'ml',
        purpose: 'database password of the MLflow user',
        keys: [{ key: 'password', input: { env: 'MLFLOW_DB_PASSWORD', prompt: 'Password of the database user mlflow' } }],
      },
      {
        name: 'prod-mlflow-db-master',
        namespace: 'ml',
        purpose: "database master user's password",
        keys: [{ key: 'master-password', input: { env: 'MLFLOW_DB_MASTER_PASSWORD', prompt: 'Password of the master user postgres' } }],
      },
    ]);
  });

  it('checks the password variables that are set, and lists the ones missing', () => {
    const specs = secretSpecs(resolveAnswers({ set: ['backend.type=postgres', ...db] }).answers);
    expect(() => checkSecretEnvironment(specs, { MLFLOW_DB_PASSWORD: '' })).toThrow('MLFLOW_DB_PASSWORD: is set but empty');
    expect(() => checkSecretEnvironment(specs, { MLFLOW_DB_PASSWORD: 'a\nb' })).toThrow('line break');
    expect(() => checkSecretEnvironment(specs, { MLFLOW_DB_PASSWORD: 'p@ss w0rd!' })).not.toThrow();
    expect(missingSecretInputs(specs, {}).map((input) => input.env)).toEqual(['MLFLOW_DB_PASSWORD']);
    expect(missingSecretInputs(specs, { MLFLOW_DB_PASSWORD: 'x' })).toEqual([]);
  });

  it('fills the values in only when the manifest is built at apply time', () => {
    const [spec] = secretSpecs(resolveAnswers({ set: ['backend.type=postgres', ...db] }).answers);
    if (!spec) throw new Error('no spec');
    expect(secretManifest(spec, { password: 'pä$$' }, 'mlflow')).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'mlflow-mlflow-db', namespace: 'mlflow' },
      data: { password: Buffer.from('pä$$').toString('base64') },
    });
    expect(() => secretManifest(spec, {}, 'mlflow')).toThrow('no value for key password');
  });
});

describe('required answers', () => {
  it('a database needs its host, name and user; the file backend needs nothing', () => {
    expect(missingFor({})).toEqual([]);
    expect(missingFor({ set: ['backend.type=mysql'] })).toEqual(['backend.db.host', 'backend.db.name', 'backend.db.user']);
    expect(missingFor({ preset: 'postgres' })).toEqual(['backend.db.host']);
  });

  it('createDatabase needs the master user; an ingress its host', () => {
    expect(missingFor({ set: ['backend.type=mysql', ...db, 'backend.createDatabase.enabled=true'] })).toEqual(['backend.createDatabase.masterUser']);
    expect(missingFor({ set: ['ingress.enabled=true'] })).toEqual(['ingress.host']);
  });

  it('each cloud preset needs what only its user knows', () => {
    expect(missingFor({ preset: 'aws-aurora' })).toEqual([
      'backend.db.host',
      'ingress.host',
      'secrets.objects.password',
      'secrets.objects.masterPassword',
      'artifacts.root',
      'serviceAccount.annotations.eks.amazonaws.com/role-arn',
      'networkPolicy.allowedCidrs',
    ]);
    expect(missingFor({ preset: 'gcp-cloudsql' })).toEqual([
      'backend.db.host',
      'secrets.objects.password',
      'artifacts.root',
      'serviceAccount.annotations.iam.gke.io/gcp-service-account',
    ]);
    expect(missingFor({ preset: 'azure' })).toEqual([
      'backend.db.host',
      'secrets.objects.password',
      'secrets.parameters.keyvaultName',
      'secrets.parameters.tenantId',
      'serviceAccount.annotations.azure.workload.identity/client-id',
      'artifacts.root',
    ]);
    expect(missingFor({ set: ['backend.type=postgres', ...db, 'secrets.provider=vault', 'secrets.objects.password=kv/db#pw'] })).toEqual([
      'secrets.parameters.roleName',
      'secrets.parameters.vaultAddress',
    ]);
  });

  it('lists the questions an interactive run would still ask, in order', () => {
    const resolved = resolveAnswers({ set: ['backend.type=postgres', 'backend.db.host=db'] });
    const questions = unansweredQuestions(resolved.answers, resolved.origins);
    expect(questions.slice(0, 4)).toEqual(['release', 'namespace', 'backend.volume.size', 'backend.volume.storageClass']);
    expect(questions).toContain('backend.db.name');
    expect(questions).not.toContain('backend.db.host');
    expect(questions).not.toContain('ingress.host');
    expect(relevantKeys(resolveAnswers({}).answers)).not.toContain('backend.db.host');
  });
});

describe('presets', () => {
  it('ships the six presets, each with a one-line description', () => {
    const presets = listPresets();
    expect(presets.map((preset) => preset.name)).toEqual(['local', 'postgres', 'mysql', 'aws-aurora', 'gcp-cloudsql', 'azure']);
    for (const preset of presets) expect(preset.description).toMatch(/^[A-Z][^\n]{20,140}$/);
  });

  it('refuses an unknown preset name and lists the known ones', () => {
    expect(() => loadPreset('gke')).toThrow('--preset gke: unknown preset; the presets are local, postgres, mysql, aws-aurora, gcp-cloudsql, azure');
  });
});

describe('the equivalent command', () => {
  const cases: Array<Parameters<typeof resolveAnswers>[0]> = [
    {},
    { preset: 'postgres', set: ['backend.db.host=db', 'ingress.enabled=true', 'ingress.host=m.example.com'] },
    { release: 'prod', namespace: 'ml', set: ['serviceAccount.annotations.x.io/a="quoted"', 'backend.volume.size=20Gi'] },
  ];

  it.each(cases)('gives the same answers when run (%#)', (input) => {
    const resolved = resolveAnswers(input);
    const baseline = resolved.preset ? mergeLayers([resolved.preset.layer]).answers : undefined;
    const argv = equivalentCommand(resolved.answers, input.preset ? { preset: input.preset } : {}, baseline);
    expect(argv.slice(0, 3)).toEqual(['npx', 'mlflow-install', '--yes']);
    const flags = { set: [] as string[], preset: undefined as string | undefined, release: undefined as string | undefined, namespace: undefined as string | undefined };
    for (let index = 3; index < argv.length; index += 2) {
      const [flag, value = ''] = [argv[index], argv[index + 1]];
      if (flag === '--set') flags.set.push(value);
      else if (flag === '--preset') flags.preset = value;
      else if (flag === '--release') flags.release = value;
      else if (flag === '--namespace') flags.namespace = value;
    }
    const again = resolveAnswers({
      set: flags.set,
      ...(flags.preset ? { preset: flags.preset } : {}),
      ...(flags.release ? { release: flags.release } : {}),
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
    });
    expect(again.answers).toEqual(resolved.answers);
  });
});
