import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { answer, squash, startWizard } from './scripted-terminal.js';

const enter = {};

describe('the questions: file backend (the local default)', () => {
  it('takes every default with enter, offers the cluster StorageClasses, and chooses values and plan only', async () => {
    const { terminal, said, outcome } = startWizard({ cluster: { storageClasses: [{ name: 'standard', isDefault: true, by: 'rancher.io/local-path' }, { name: 'fast-ssd', isDefault: false }] } });
    await answer(terminal, 'Release name (mlflow)', enter);
    await answer(terminal, 'Namespace (mlflow)', enter);
    await answer(terminal, '❯ file: SQLite on a persistent volume', enter);
    await answer(terminal, 'Volume size (10Gi)', enter);
    const storage = await answer(terminal, "the cluster's default (standard)", { down: 2 });
    expect(storage.screen()).toContain('fast-ssd');
    await answer(terminal, "on the server's volume", enter);
    await answer(terminal, 'Expose MLflow through an Ingress? (y/N)', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Expose Prometheus metrics on /metrics? (y/N)', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(result.action).toBe('plan');
    expect(result.resolved.answers.backend).toMatchObject({ type: 'file', volume: { size: '10Gi', storageClass: 'fast-ssd' } });
    expect(result.resolved.answers.artifacts).toMatchObject({ root: '', serve: true });
    expect(said.join('\n')).toContain('No release mlflow in namespace mlflow yet: this is a new install.');
    expect(said.join('\n')).toMatch(/StorageClass of the volume +fast-ssd +\(you\)/);
    expect(said.join('\n')).toContain('npx mlflow-install --yes --set backend.volume.storageClass=fast-ssd');
  });

  for (const anyway of [false, true]) {
    it(`no login while the NodePort exposes the server: warned, and ${anyway ? 'confirmed: no admin password is asked' : '"no" to going without one means a login'}`, async () => {
      const { terminal, said, outcome } = startWizard({});
      await answer(terminal, 'Release name (mlflow)', enter);
      await answer(terminal, 'Namespace (mlflow)', enter);
      await answer(terminal, '❯ file: SQLite on a persistent volume', enter);
      await answer(terminal, 'Volume size (10Gi)', enter);
      await answer(terminal, 'StorageClass of the volume', enter);
      await answer(terminal, "on the server's volume", enter);
      await answer(terminal, 'Expose MLflow through an Ingress? (y/N)', enter);
      await answer(terminal, 'Require a login? (Y/n)', { type: 'n' });
      await answer(terminal, 'Install without a login anyway? (y/N)', anyway ? { type: 'y' } : enter);
      expect(said.join('\n')).toContain("Warning: no login: anyone who reaches the server can read, change and delete every experiment and run, and the NodePort Service (on every node's address) exposes it.");
      if (!anyway) await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
      await answer(terminal, 'Expose Prometheus metrics on /metrics? (y/N)', enter);
      await answer(terminal, 'What now?', { down: 1 });
      const result = await outcome;
      expect(result.resolved.answers.auth.enabled).toBe(!anyway);
      const text = said.join('\n');
      if (anyway) expect(text).toContain('Warning: no login: anyone who reaches the server');
      else expect(text).toContain('A login will be required.');
    });
  }

  it('asks again, with the schema message, when a typed value is refused', async () => {
    const { terminal, outcome } = startWizard({ context: 'kind-dev' });
    const release = await terminal.next();
    release.type('My_Release');
    release.press('enter');
    await new Promise((resolve) => setImmediate(resolve));
    expect(release.flat()).toContain(squash('> release: expected a DNS-1123 label of at most 53 characters'));
    for (let i = 0; i < 'My_Release'.length; i += 1) release.press('backspace');
    release.type('tracking');
    release.press('enter');
    await answer(terminal, 'Namespace (mlflow)', { type: 'ml' });
    await answer(terminal, 'Backend store', enter);
    const size = await terminal.next();
    size.type('lots');
    size.press('enter');
    await new Promise((resolve) => setImmediate(resolve));
    expect(size.flat()).toContain(squash('backend.volume.size: expected a Kubernetes quantity greater than zero, e.g. 10Gi or 500Mi'));
    for (let i = 0; i < 4; i += 1) size.press('backspace');
    size.type('20Gi');
    size.press('enter');
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    // The summary's choice is the install's one confirmation: it names where the install goes.
    await answer(terminal, '❯ Install now into context kind-dev, namespace ml', enter);
    const result = await outcome;
    expect(result.action).toBe('install');
    expect(result.resolved.answers).toMatchObject({ release: 'tracking', namespace: 'ml', backend: { volume: { size: '20Gi' } } });
    expect(result.confirmed).toEqual({ context: 'kind-dev', namespace: 'ml', toldOtherCluster: false });
  });

  it('falls back to free text, and says why, when the cluster cannot be read', async () => {
    const { terminal, said, outcome } = startWizard({ cluster: { failing: 'kubectl failed (exit 1): The connection to the server 10.0.0.1:6443 was refused' } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Backend store', enter);
    await answer(terminal, 'Volume size', enter);
    await answer(terminal, 'StorageClass (empty: the cluster default)', { type: 'gp3' });
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Ingress', { type: 'y' });
    await answer(terminal, 'Ingress host', { type: 'mlflow.example.com' });
    await answer(terminal, 'IngressClass (empty: the cluster default)', enter);
    await answer(terminal, 'Serve the Ingress over HTTPS?', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Namespace of the ingress controller', enter);
    await answer(terminal, 'Prometheus', { type: 'y' });
    await answer(terminal, 'Create a ServiceMonitor?', { type: 'n' });
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    const text = said.join('\n');
    expect(text).toContain('Could not look for an earlier install of mlflow in mlflow: kubectl failed (exit 1): The connection to the server 10.0.0.1:6443 was refused');
    expect(text).toContain('No list of StorageClasses: kubectl failed (exit 1): The connection to the server 10.0.0.1:6443 was refused. Type the name instead.');
    expect(text).toContain('No list of IngressClasses');
    expect(text).toContain('Could not check for the ServiceMonitor CRD');
    expect(result.resolved.answers.backend.volume.storageClass).toBe('gp3');
    expect(result.resolved.answers.ingress).toMatchObject({ enabled: true, host: 'mlflow.example.com', className: '' });
    expect(result.resolved.answers.prometheus).toEqual({ expose: true, serviceMonitor: false });
  });
});

describe('the questions: a database backend', () => {
  it('postgres typed by hand: a refused host corrected, the password masked and handed over in memory', async () => {
    const { terminal, said, outcome } = startWizard();
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Backend store', { down: 1 });
    const host = await terminal.next();
    expect(host.screen()).toContain('Database host');
    host.type('db host');
    host.press('enter');
    await new Promise((resolve) => setImmediate(resolve));
    expect(host.flat()).toContain(squash('backend.db.host: expected a host name or IPv4 address, e.g. db.example.internal'));
    for (let i = 0; i < 'db host'.length; i += 1) host.press('backspace');
    host.type('db.internal');
    host.press('enter');
    await answer(terminal, 'Database port (5432)', enter);
    // No source named the database: the usual name is offered, and enter takes it.
    const name = await terminal.next();
    expect(name.screen()).toContain('Database name (mlflow)');
    name.press('enter');
    await answer(terminal, 'Database user', { type: 'tracker' });
    await answer(terminal, '❯ type it now (masked', enter);
    const secret = await terminal.next();
    expect(secret.kind).toBe('password');
    secret.type('s3cr3t-Pa55');
    expect(secret.screen()).toContain('Password of tracker ***********');
    expect(secret.output()).not.toContain('s3cr3t-Pa55');
    secret.press('enter');
    await answer(terminal, 'TLS to the database', { down: 4 });
    await answer(terminal, 'Create the database and its user first? (y/N)', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Volume size', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', enter);
    const result = await outcome;
    expect(result.resolved.answers.backend).toMatchObject({ type: 'postgres', db: { host: 'db.internal', name: 'mlflow', user: 'tracker', sslMode: 'require', existingSecret: '' } });
    expect(result.resolved.answers.backend.db.port).toBe(5432);
    expect(result.env.MLFLOW_DB_PASSWORD).toBe('s3cr3t-Pa55');
    const text = said.join('\n');
    expect(text).toMatch(/Database password +\*\*\*\* \(into Secret mlflow-mlflow-db\) +\(you\)/);
    expect(text).not.toContain('s3cr3t-Pa55');
    expect(terminal.transcript.join('\n')).not.toContain('s3cr3t-Pa55');
  });

  it('an existing Secret instead of a password, and the database created first with a typed master password', async () => {
    const { terminal, outcome } = startWizard({ inputs: { set: ['backend.type=mysql', 'backend.db.host=mysql.internal'] } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Database port (3306)', enter);
    await answer(terminal, 'Database name', { type: 'mlflow' });
    await answer(terminal, 'Database user', { type: 'mlflow' });
    await answer(terminal, 'Password of the database user', { down: 1 });
    await answer(terminal, 'Existing Secret with the password', { type: 'mlflow-db-credentials' });
    const tls = await answer(terminal, 'TLS to the database', enter);
    expect(tls.screen()).not.toContain('verify-ca');
    await answer(terminal, 'Create the database and its user first?', { type: 'y' });
    await answer(terminal, 'Master user', { type: 'admin' });
    await answer(terminal, 'Password of the master user', enter);
    const master = await terminal.next();
    expect(master.screen()).toContain('Password of admin');
    master.type('M4ster!');
    master.press('enter');
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Volume size', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(result.resolved.answers.backend).toMatchObject({
      type: 'mysql',
      db: { host: 'mysql.internal', existingSecret: 'mlflow-db-credentials' },
      createDatabase: { enabled: true, masterUser: 'admin', masterSecret: '' },
    });
    expect(result.env).toEqual({ MLFLOW_DB_MASTER_PASSWORD: 'M4ster!' });
  });

  it('a password already in MLFLOW_DB_PASSWORD is not asked for', async () => {
    const { terminal, outcome } = startWizard({ inputs: { set: ['backend.type=postgres', 'backend.db.host=db', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.db.port=5432'] }, env: { MLFLOW_DB_PASSWORD: 'from-env' } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'from MLFLOW_DB_PASSWORD, already set', enter);
    await answer(terminal, 'TLS to the database', enter);
    await answer(terminal, 'Create the database', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Volume size', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(result.env).toEqual({ MLFLOW_DB_PASSWORD: 'from-env' });
  });
});

describe('the questions: cancelling', () => {
  it('Ctrl-C at a question is a cancellation with the one line to show', async () => {
    const { terminal, outcome } = startWizard();
    await answer(terminal, 'Release name', enter);
    const namespace = await terminal.next();
    namespace.press('ctrl-c');
    await expect(outcome).rejects.toThrow(CancelledError);
    await expect(outcome).rejects.toThrow(/^Cancelled, nothing was changed$/);
  });

  it('Cancel at the summary too', async () => {
    const { terminal, outcome } = startWizard({ inputs: { preset: 'local' } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 3 });
    await expect(outcome).rejects.toThrow('Cancelled, nothing was changed');
  });

});

describe('the questions: presets, flags and the earlier run', () => {
  it('--preset aws-aurora asks only what the preset leaves open, with references checked for AWS', async () => {
    const { terminal, said, outcome } = startWizard({ inputs: { preset: 'aws-aurora' } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Database host', { type: 'aurora.cluster-abc.eu-west-1.rds.amazonaws.com' });
    await answer(terminal, 'Where artifacts are kept', { down: 1 });
    const root = await terminal.next();
    expect(root.screen()).toContain('Artifact root URI');
    root.type('gs://wrong-cloud');
    root.press('enter');
    await new Promise((resolve) => setImmediate(resolve));
    expect(root.flat()).toContain(squash('artifacts.root: expected a URI starting with s3://'));
    for (let i = 0; i < 'gs://wrong-cloud'.length; i += 1) root.press('backspace');
    root.type('s3://ml-artifacts/mlflow');
    root.press('enter');
    await answer(terminal, 'S3 endpoint (empty for AWS S3)', enter);
    await answer(terminal, 'Cloud identity (eks.amazonaws.com/role-arn)', { type: 'arn:aws:iam::123456789012:role/mlflow' });
    await answer(terminal, 'Ingress host', { type: 'mlflow.example.com' });
    await answer(terminal, 'Serve the Ingress over HTTPS?', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Namespace of the ingress controller', enter);
    await answer(terminal, 'Address ranges admitted to the server (CIDR)', { type: '10.0.0.0/16' });
    const reference = await terminal.next();
    expect(reference.screen()).toContain('Password reference in the store');
    reference.type('not a reference');
    reference.press('enter');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reference.flat()).toContain(squash('secrets.objects.password: expected a Secrets Manager secret name or ARN'));
    for (let i = 0; i < 'not a reference'.length; i += 1) reference.press('backspace');
    reference.type('mlflow/db#password');
    reference.press('enter');
    await answer(terminal, 'Master password reference in the store', { type: 'rds!cluster-1#password' });
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    const asked = terminal.transcript.map((line) => line.split('\n')[0]);
    expect(asked.some((line) => /Database (port|name|user)|Backend store|Volume size|Password of/.test(line ?? ''))).toBe(false);
    expect(result.resolved.answers).toMatchObject({
      backend: { type: 'mysql', db: { host: 'aurora.cluster-abc.eu-west-1.rds.amazonaws.com' }, createDatabase: { enabled: true, masterUser: 'admin' } },
      artifacts: { root: 's3://ml-artifacts/mlflow' },
      ingress: { enabled: true, host: 'mlflow.example.com', className: 'alb' },
      secrets: { provider: 'aws', installDriver: true, objects: { password: 'mlflow/db#password', masterPassword: 'rds!cluster-1#password' } },
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/mlflow' } },
    });
    expect(result.env).toEqual({});
    const summary = said.join('\n');
    expect(summary).toMatch(/Backend store +mysql +\(preset aws-aurora\)/);
    expect(summary).toMatch(/Password reference in the store +\*\*\*\* +\(you\)/);
    expect(summary).toContain('npx mlflow-install --yes --preset aws-aurora --set backend.db.host=aurora.cluster-abc.eu-west-1.rds.amazonaws.com');
  });

  it('a cloud store chosen for the password: provider asked under Secrets, with the parameters it needs', async () => {
    const { terminal, outcome } = startWizard({ inputs: { set: ['backend.type=postgres', 'backend.db.host=pg.internal', 'backend.db.port=5432', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.db.sslMode=require'] } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Password of the database user', { down: 2 });
    await answer(terminal, 'Create the database', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Volume size', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Secret store the passwords are read from', { down: 1 });
    // Azure needs a cloud identity for the provider: the question it brings up comes first.
    await answer(terminal, 'Cloud identity (azure.workload.identity/client-id)', { type: '11111111-1111-1111-1111-111111111111' });
    await answer(terminal, 'Install the Secrets Store CSI driver when missing?', { type: 'y' });
    await answer(terminal, 'Password reference in the store', { type: 'mlflow-db-password' });
    await answer(terminal, 'azure parameter keyvaultName', { type: 'ml-vault' });
    await answer(terminal, 'azure parameter tenantId', { type: '00000000-0000-0000-0000-000000000000' });
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(result.resolved.answers.secrets).toMatchObject({
      provider: 'azure',
      installDriver: true,
      objects: { password: 'mlflow-db-password' },
      parameters: { keyvaultName: 'ml-vault', tenantId: '00000000-0000-0000-0000-000000000000' },
    });
    expect(result.resolved.answers.serviceAccount.annotations).toEqual({ 'azure.workload.identity/client-id': '11111111-1111-1111-1111-111111111111' });
  });

  it('--set answers are skipped: only the rest is asked', async () => {
    const { terminal, outcome } = startWizard({ inputs: { set: ['backend.volume.size=50Gi', 'ingress.enabled=false', 'prometheus.expose=true'], release: 'tracking' } });
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Backend store', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(terminal.transcript.some((line) => /Release name|Volume size|Ingress\?|Prometheus metrics/.test(line))).toBe(false);
    expect(result.resolved.answers).toMatchObject({ release: 'tracking', backend: { volume: { size: '50Gi' } }, prometheus: { expose: true, serviceMonitor: false } });
  });

  const earlierRun = (clusterUid: string) => ({
    release: { revision: 3, status: 'deployed' },
    savedAnswers: {
      data: { 'answers.yaml': 'backend:\n  type: file\n  volume:\n    size: 30Gi\ningress:\n  enabled: true\n  host: ml.example.org\n', 'cluster-uid': clusterUid },
      location: { namespace: 'mlflow', name: 'mlflow-mlflow-install' },
    },
  });

  it('the answers of an earlier run on this cluster are the defaults', async () => {
    const { terminal, said, outcome } = startWizard({ cluster: { clusterUid: 'uid-1', earlier: earlierRun('uid-1') } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'Backend store', enter);
    await answer(terminal, 'Volume size (30Gi)', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Where artifacts are kept', enter);
    await answer(terminal, 'Expose MLflow through an Ingress? (Y/n)', enter);
    await answer(terminal, 'Ingress host (ml.example.org)', enter);
    await answer(terminal, 'IngressClass', enter);
    await answer(terminal, 'HTTPS', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Namespace of the ingress controller', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(said.join('\n')).toContain('An earlier install of release mlflow is in namespace mlflow (revision 3, deployed): installing again upgrades it.');
    expect(said.join('\n')).toContain('Its saved answers (ConfigMap mlflow/mlflow-mlflow-install) are the defaults below.');
    expect(result.resolved.answers).toMatchObject({ backend: { volume: { size: '30Gi' } }, ingress: { enabled: true, host: 'ml.example.org' } });
  });

  it('answers saved on another cluster: said so, and reused only when the person says yes', async () => {
    for (const reuse of [false, true]) {
      const { terminal, said, outcome } = startWizard({ cluster: { clusterUid: 'uid-here', earlier: earlierRun('uid-elsewhere') } });
      await answer(terminal, 'Release name', enter);
      await answer(terminal, 'Namespace', enter);
      await answer(terminal, 'Reuse those answers as the defaults here anyway? (y/N)', reuse ? { type: 'y' } : enter);
      expect(said.join('\n')).toContain('were saved on another cluster (kube-system UID uid-elsewhere; this cluster\'s is uid-here)');
      await answer(terminal, 'Backend store', enter);
      await answer(terminal, reuse ? 'Volume size (30Gi)' : 'Volume size (10Gi)', enter);
      await answer(terminal, 'StorageClass', enter);
      await answer(terminal, 'Where artifacts are kept', enter);
      await answer(terminal, reuse ? 'Ingress? (Y/n)' : 'Ingress? (y/N)', { type: 'n' });
      await answer(terminal, 'Require a login? (Y/n)', enter);
      await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
      await answer(terminal, 'Prometheus', enter);
      await answer(terminal, '❯ Install now into the current context, namespace mlflow', enter);
      expect((await outcome).resolved.answers.backend.volume.size).toBe(reuse ? '30Gi' : '10Gi');
      expect((await outcome).confirmed, 'the install need not warn of the other cluster again').toEqual({ namespace: 'mlflow', toldOtherCluster: true });
    }
  });

  it('Change an answer: the new answer and the questions it brings up, then the summary again', async () => {
    const { terminal, outcome } = startWizard({ inputs: { preset: 'local' }, cluster: { serviceMonitorCrd: true } });
    await answer(terminal, 'Release name', enter);
    await answer(terminal, 'Namespace', enter);
    await answer(terminal, 'StorageClass', enter);
    await answer(terminal, 'Ingress', enter);
    await answer(terminal, 'Require a login? (Y/n)', enter);
    await answer(terminal, 'Admin password for admin (empty: generate one)', enter);
    await answer(terminal, 'Prometheus', enter);
    await answer(terminal, 'What now?', { down: 2 });
    const which = await terminal.next();
    expect(which.screen()).toContain('Which answer?');
    which.type('Prometheus');
    which.press('enter');
    await answer(terminal, 'Expose Prometheus metrics on /metrics?', { type: 'y' });
    await answer(terminal, 'Create a ServiceMonitor?', { type: 'y' });
    await answer(terminal, 'What now?', { down: 1 });
    const result = await outcome;
    expect(result.resolved.answers.prometheus).toEqual({ expose: true, serviceMonitor: true });
  });
});
