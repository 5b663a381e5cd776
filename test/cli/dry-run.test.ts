import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../src/plan/plan.js';
import { repoRoot, toolSet } from '../helpers/tools.js';
import { presetMinimums } from '../plan/preset-minimums.js';
import { cliEnv, ensureBuilt, runCli, scratchDir } from './cli.js';

const helm3 = toolSet(3);
const helm4 = toolSet(4);
const setFlags = (flags: readonly string[]) => flags.flatMap((flag) => ['--set', flag]);

function filesIn(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, text: readFileSync(path, 'utf8') };
    });
}

describe.skipIf(helm3.unavailable !== undefined || helm4.unavailable !== undefined)('mlflow-install --dry-run', () => {
  beforeAll(ensureBuilt, 300_000);

  it('with --yes and nothing else: writes the values file (0600) and prints the plan', async () => {
    const cwd = scratchDir();
    const result = await runCli(['--dry-run', '--yes'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const path = join(cwd, 'mlflow-values.yaml');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^# Values for the mlflow chart, written by mlflow-install \d+\.\d+\.\d+\.\n/);
    expect(text).toContain('#   npx mlflow-install --yes\n');
    expect(parse(text)).toMatchObject({ database: { enabled: false }, persistence: { size: '10Gi' } });
    expect(result.stdout).toContain('Plan (dry run: nothing was changed)');
    expect(result.stdout).toContain('Action:      install or upgrade (the cluster was not consulted)');
    expect(result.stdout).toContain('PersistentVolumeClaim mlflow-data: 10Gi');
    expect(result.stdout).toContain('helm upgrade --install mlflow');
    expect(result.stdout).toContain('--values ./mlflow-values.yaml --atomic --wait --timeout 5m');
  });

  it('--dry-run alone (no --yes) takes the defaults and sources too, even outside a terminal', async () => {
    const result = await runCli(['--dry-run', '--preset', 'local']);
    expect(result.code, result.stderr).toBe(0);
  });

  it('--json prints the plan as one JSON document, with the helm 4 flags when --helm is helm 4', async () => {
    const cwd = scratchDir();
    const result = await runCli(['--dry-run', '--yes', '--json', '--helm', helm4.helm, '--preset', 'postgres', '--set', 'backend.db.host=db.internal', '--release', 'prod', '-n', 'ml', '--values-file', 'prod.yaml'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan).toMatchObject({ release: 'prod', namespace: 'ml', action: 'unknown', valuesFile: 'prod.yaml', chart: { helmVersion: expect.stringMatching(/^v4\./) } });
    expect(plan.secrets).toEqual([
      expect.objectContaining({ name: 'prod-mlflow-db', keys: ['password'], providedBy: 'mlflow-install' }),
      expect.objectContaining({ name: 'prod-mlflow-auth', keys: ['admin-password', 'flask-secret-key'], providedBy: 'mlflow-install' }),
    ]);
    expect(plan.commands.find((command) => command.step === 'helm-upgrade')?.argv).toEqual(expect.arrayContaining(['--rollback-on-failure', '--wait=watcher', '--values', 'prod.yaml']));
    expect(plan.resources.map((resource) => resource.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'PersistentVolumeClaim', 'Job']));
    expect(plan.equivalentCommand).toEqual(['npx', 'mlflow-install', '--yes', '--preset', 'postgres', '--release', 'prod', '--namespace', 'ml', '--set', 'backend.db.host=db.internal', '--values-file', 'prod.yaml']);
    expect(statSync(join(cwd, 'prod.yaml')).mode & 0o777).toBe(0o600);
  });

  for (const [preset, set] of Object.entries(presetMinimums)) {
    it(`--preset ${preset} --yes with its minimum --set`, async () => {
      const result = await runCli(['--dry-run', '--yes', '--json', '--preset', preset, ...setFlags(set)]);
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as Plan).resources.length).toBeGreaterThan(3);
    });
  }

  it('no secret anywhere: not in the values file, the output, or any planned command', async () => {
    const cwd = scratchDir();
    const password = 'Pw-7f3c9a1e-visible?';
    const master = 'Mpw-0b8d2c44-visible!';
    const admin = 'Apw-5e1d77b0-visible#';
    const env = cliEnv({ MLFLOW_DB_PASSWORD: password, MLFLOW_DB_MASTER_PASSWORD: master, MLFLOW_ADMIN_PASSWORD: admin });
    const args = ['--dry-run', '--yes', '--set', 'backend.type=mysql', ...setFlags(['backend.db.host=db', 'backend.db.name=mlflow', 'backend.db.user=mlflow', 'backend.createDatabase.enabled=true', 'backend.createDatabase.masterUser=admin'])];
    const text = await runCli(args, { cwd, env });
    const json = await runCli([...args, '--json'], { cwd, env });
    expect(text.code, text.stderr).toBe(0);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as Plan;
    expect(plan.secrets.map((secret) => secret.name)).toEqual(['mlflow-mlflow-db', 'mlflow-mlflow-db-master', 'mlflow-mlflow-auth']);
    expect(plan.commands.find((command) => command.step === 'secrets')?.stdin).toBe(
      'Secret mlflow-mlflow-db (password: from MLFLOW_DB_PASSWORD); Secret mlflow-mlflow-db-master (master-password: from MLFLOW_DB_MASTER_PASSWORD)',
    );
    const seen = [text.stdout, text.stderr, json.stdout, json.stderr, ...plan.commands.flatMap((command) => command.argv), ...filesIn(cwd).map((file) => file.text)];
    for (const secret of [password, master, admin, encodeURIComponent(password), Buffer.from(password).toString('base64'), Buffer.from(admin).toString('base64')]) {
      for (const place of seen) expect(place).not.toContain(secret);
    }
  });

  it('--yes without --dry-run: a missing password variable is named; with it, the install starts and its checks find no cluster', async () => {
    const args = ['--yes', '--preset', 'postgres', '--set', 'backend.db.host=db'];
    const missing = await runCli(args);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe('mlflow-install: missing passwords (with --yes nothing is asked): set MLFLOW_DB_PASSWORD in the environment\n');
    const pipeline = await runCli(args, { env: cliEnv({ MLFLOW_DB_PASSWORD: 'Pw-not-a-word-7', KUBECONFIG: join(scratchDir(), 'no-such-kubeconfig') }) });
    expect(pipeline.code, pipeline.stderr).toBe(1);
    expect(pipeline.stderr).toMatch(/mlflow-install: preflight failed \(.*kube context.*\); nothing was changed\n$/);
  });

  it('outside a terminal and without --yes: exit 2, listing the questions and the flags that answer them', async () => {
    const cwd = scratchDir();
    const result = await runCli(['--preset', 'postgres', '--set', 'backend.db.host=db'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mlflow-install: not a terminal and no --yes, so no question can be asked\. These would have been:\n/);
    expect(result.stderr).toContain('--release NAME');
    expect(result.stderr).toContain('--namespace NAME');
    expect(result.stderr).toMatch(/--set backend\.db\.sslMode=disable\|allow\|prefer\|require\|verify-ca\|verify-full +TLS to the database/);
    expect(result.stderr).toMatch(/--set backend\.createDatabase\.enabled=true\|false +Create the database/);
    expect(result.stderr).not.toContain('backend.db.host=');
    expect(result.stderr).not.toContain('backend.db.name=');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--chart takes a chart directory or a packaged .tgz, shown as given', async () => {
    const cwd = scratchDir();
    execFileSync(helm3.helm, ['package', join(repoRoot, 'charts', 'mlflow'), '--destination', cwd]);
    const packaged = readdirSync(cwd).find((file) => file.endsWith('.tgz')) ?? '';
    for (const chart of [join(repoRoot, 'charts', 'mlflow'), `./${packaged}`]) {
      const result = await runCli(['--dry-run', '--yes', '--json', '--chart', chart], { cwd });
      expect(result.code, result.stderr).toBe(0);
      const plan = JSON.parse(result.stdout) as Plan;
      expect(plan.chart.path).toBe(chart);
      expect(plan.commands.find((command) => command.step === 'helm-upgrade')?.argv).toContain(chart);
    }
  });

  it('`presets` lists the six presets, one line each', async () => {
    const result = await runCli(['presets']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').slice(1);
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual(['local', 'postgres', 'mysql', 'aws-aurora', 'gcp-cloudsql', 'azure']);
    const json = JSON.parse((await runCli(['presets', '--json'])).stdout) as Array<{ name: string; description: string }>;
    expect(json).toHaveLength(6);
  });
});
