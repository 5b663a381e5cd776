import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Helm, detectHelmVersion, helmArgs, parseHelmVersion, requireSupportedHelm, UnsupportedHelmError } from '../../src/cluster/helm.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { ToolNotFoundError } from '../../src/cluster/tool-errors.js';
import { chartDir, helmMajors, toolSet } from '../helpers/tools.js';
import { fakeBinary } from './fake-bin.js';

describe('parseHelmVersion', () => {
  it.each([
    ['v3.18.0', { major: 3, minor: 18, patch: 0, text: 'v3.18.0' }],
    ['v4.1.4\n', { major: 4, minor: 1, patch: 4, text: 'v4.1.4' }],
    ['v3.12.0+g1234abc', { major: 3, minor: 12, patch: 0, text: 'v3.12.0+g1234abc' }],
    ['Client: v2.17.0+ga690bad', { major: 2, minor: 17, patch: 0, text: 'v2.17.0+ga690bad' }],
  ])('reads %j', (output, version) => expect(parseHelmVersion(output)).toEqual(version));

  it('finds nothing in text without a version', () => expect(parseHelmVersion('<no value>')).toBeUndefined());
});

describe('requireSupportedHelm', () => {
  it.each(['v3.12.0', 'v3.18.0', 'v4.0.0', 'v4.1.4'])('accepts %s', (text) => {
    const version = parseHelmVersion(text);
    expect(version && requireSupportedHelm(version, 'helm').major).toBe(version?.major);
  });

  it.each(['v2.17.0', 'v3.11.3', 'v3.0.0', 'v5.0.0'])('refuses %s saying what was found, what is needed and where to get it', (text) => {
    const version = parseHelmVersion(text);
    if (version === undefined) throw new Error('fixture does not parse');
    expect(() => requireSupportedHelm(version, '/opt/helm')).toThrow(
      `/opt/helm is helm ${text}; mlflow-install needs helm 3.12 or later, or helm 4. Get it from https://helm.sh/docs/intro/install/ and put it first on PATH, or point --helm at it.`,
    );
  });
});

describe('helmArgs', () => {
  const install = { release: 'mlflow', chart: '/charts/mlflow', namespace: 'ml', valuesFiles: ['/tmp/v.yaml'], timeout: '5m' };

  it('installs with --atomic --wait on helm 3', () => {
    expect(helmArgs(3, { context: 'prod', kubeconfig: '/k' }).upgradeInstall(install)).toEqual([
      'upgrade', '--install', 'mlflow', '/charts/mlflow', '--namespace', 'ml', '--values', '/tmp/v.yaml',
      '--atomic', '--wait', '--timeout', '5m', '--kube-context', 'prod', '--kubeconfig', '/k',
    ]);
  });

  it('installs with --rollback-on-failure --wait=watcher on helm 4', () => {
    expect(helmArgs(4).upgradeInstall({ ...install, set: { 'syncSecret.enabled': 'true' }, chartVersion: '1.4.0' })).toEqual([
      'upgrade', '--install', 'mlflow', '/charts/mlflow', '--namespace', 'ml', '--values', '/tmp/v.yaml',
      '--set', 'syncSecret.enabled=true', '--version', '1.4.0', '--rollback-on-failure', '--wait=watcher', '--timeout', '5m',
    ]);
  });

  it('spells waiting per major for uninstall and rollback', () => {
    expect(helmArgs(3).uninstall('mlflow', 'ml', '2m')).toEqual(['uninstall', 'mlflow', '--namespace', 'ml', '--wait', '--timeout', '2m']);
    expect(helmArgs(4).rollback('mlflow', 'ml', '2m', 3)).toEqual(['rollback', 'mlflow', '3', '--namespace', 'ml', '--wait=watcher', '--timeout', '2m']);
  });
});

/** A kubeconfig whose server refuses connections at once: helm gets past flag parsing, then fails to connect. */
function unreachableKubeconfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'helm-flags-')), 'kubeconfig');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
users: [{name: u, user: {token: t}}]
`,
  );
  return path;
}

const flagProblem = /unknown flag|unknown shorthand|invalid argument|deprecated/i;

describe.each(helmMajors)('against the real helm %i', (major) => {
  const tools = toolSet(major);
  const runIt = tools.unavailable ? it.skip : it;

  runIt('detects the major version', async () => {
    const helm = await Helm.detect(new CommandRunner(), { binary: tools.helm });
    expect(helm.major).toBe(major);
    expect(helm.version.text).toMatch(new RegExp(`^v${major}\\.\\d+\\.\\d+`));
  });

  runIt('accepts every argv the wrapper builds for it (no flag errors, no deprecations)', async () => {
    const kube = { kubeconfig: unreachableKubeconfig(), context: 'ctx' };
    const args = helmArgs(major, kube);
    const argvs = [
      args.upgradeInstall({ release: 'mlflow', chart: chartDir, namespace: 'ml', timeout: '5m' }),
      args.status('mlflow', 'ml'),
      args.getValues('mlflow', 'ml'),
      args.history('mlflow', 'ml'),
      args.test('mlflow', 'ml', '2m'),
      args.rollback('mlflow', 'ml', '2m', 1),
      args.uninstall('mlflow', 'ml', '2m'),
      args.list('ml', '^mlflow$'),
      args.listAllNamespaces(),
    ];
    for (const argv of argvs) {
      const result = await execa(tools.helm, argv, { reject: false, timeout: 30_000 });
      expect(result.stderr, argv.join(' ')).not.toMatch(flagProblem);
      expect(result.stderr, argv.join(' ')).toMatch(/unreachable|connection refused|127\.0\.0\.1:1/i);
    }
  });

  runIt('renders a chart with template', async () => {
    const helm = await Helm.detect(new CommandRunner(), { binary: tools.helm });
    const yaml = await helm.template({ release: 'mlflow', chart: chartDir, namespace: 'ml' });
    expect(yaml).toMatch(/kind: Deployment/);
  });
});

describe('the flags really differ between majors', () => {
  const v3 = toolSet(3);
  it.skipIf(v3.unavailable !== undefined)('helm 3 rejects the helm 4 rollback flag', async () => {
    const argv = helmArgs(4).upgradeInstall({ release: 'm', chart: chartDir, namespace: 'ml', timeout: '1m' });
    const result = await execa(v3.helm, argv, { reject: false, timeout: 30_000 });
    expect(result.stderr).toMatch(/unknown flag: --rollback-on-failure/);
  });

  const v4 = toolSet(4);
  it.skipIf(v4.unavailable !== undefined)('helm 4 calls --atomic deprecated', async () => {
    const argv = [...helmArgs(3).upgradeInstall({ release: 'm', chart: chartDir, namespace: 'ml', timeout: '1m' }), '--kubeconfig', '/nonexistent'];
    const result = await execa(v4.helm, argv, { reject: false, timeout: 30_000 });
    expect(result.stderr).toMatch(/--atomic has been deprecated, use --rollback-on-failure/);
  });
});

describe('version detection with binaries that are not supported', () => {
  it('refuses helm 2, found through its client-only short version', async () => {
    const helm2 = fakeBinary('helm', [
      { argvPrefix: ['version', '--template'], stderr: 'Error: template: version:1:2: executing "version" at <.Version>: can\'t evaluate field Version\n', exitCode: 1 },
      { argvPrefix: ['version', '--client', '--short'], stdout: 'Client: v2.17.0+ga690bad\n' },
    ]);
    const error = await detectHelmVersion(new CommandRunner(), helm2.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedHelmError);
    expect((error as Error).message).toContain('is helm v2.17.0+ga690bad; mlflow-install needs helm 3.12 or later, or helm 4');
  });

  it('refuses helm 3.11', async () => {
    const helm311 = fakeBinary('helm', [{ argvPrefix: ['version', '--template', '{{.Version}}'], stdout: 'v3.11.3' }]);
    const error = await Helm.detect(new CommandRunner(), { binary: helm311.path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedHelmError);
    expect((error as Error).message).toMatch(/is helm v3\.11\.3; .*Get it from https:\/\/helm\.sh/);
    expect(readFileSync(helm311.callsFile, 'utf8').trim().split('\n')).toEqual([JSON.stringify(['version', '--template', '{{.Version}}'])]);
  });

  it('says which flag points at helm when there is none', async () => {
    const error = await Helm.detect(new CommandRunner(), { binary: '/nowhere/helm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolNotFoundError);
    expect((error as Error).message).toBe(
      'helm was not found at /nowhere/helm. Install helm 3.12 or later, or helm 4 (https://helm.sh/docs/intro/install/), or point --helm at it, e.g. --helm /usr/local/bin/helm.',
    );
  });

  it('says so when PATH has no helm', async () => {
    const runner = new CommandRunner({ env: { PATH: '/nonexistent-dir' } });
    const error = await Helm.detect(runner, { binary: 'helm' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^helm was not found on PATH \(looked for "helm"\)\. .* point --helm at it/);
  });
});
