import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigFiles, readKubeIdentity } from '../../src/wizard/kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'wizard-kubeconfig-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const first = file(
  'first.yaml',
  `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod-cluster
  cluster:
    server: https://prod.example:6443
contexts:
- name: prod
  context: {cluster: prod-cluster, user: admin}
- name: staging
  context:
    cluster: staging-cluster
    namespace: ml
`,
);
const second = file(
  'second.json',
  JSON.stringify({
    'current-context': 'staging',
    clusters: [
      { name: 'staging-cluster', cluster: { server: 'https://staging.example' } },
      { name: 'prod-cluster', cluster: { server: 'https://shadowed.example' } },
    ],
    contexts: [{ name: 'staging', context: { cluster: 'prod-cluster' } }],
  }),
);

describe('the kube context for the welcome screen, read as kubectl reads the kubeconfig', () => {
  it('uses --kubeconfig alone, else every $KUBECONFIG path, else ~/.kube/config', () => {
    expect(kubeconfigFiles({ kubeconfig: first, env: { KUBECONFIG: second } })).toEqual({ files: [first], explicit: true });
    expect(kubeconfigFiles({ env: { KUBECONFIG: `${first}${delimiter}${delimiter}${second}` } }).files).toEqual([first, second]);
    expect(kubeconfigFiles({ env: { HOME: '/home/ada' } }).files).toEqual(['/home/ada/.kube/config']);
  });

  it('merges: the first file to set the current context or define a name wins', async () => {
    expect(await readKubeIdentity({ env: { KUBECONFIG: [first, second].join(delimiter) } })).toEqual({
      found: true,
      context: 'prod',
      server: 'https://prod.example:6443',
      files: [first, second],
    });
    expect(await readKubeIdentity({ env: { KUBECONFIG: [second, first].join(delimiter) } })).toMatchObject({ context: 'staging', server: 'https://shadowed.example' });
  });

  it('--context picks another context, with its namespace', async () => {
    expect(await readKubeIdentity({ context: 'staging', env: { KUBECONFIG: [first, second].join(delimiter) } })).toMatchObject({
      found: true,
      context: 'staging',
      server: 'https://staging.example',
      namespace: 'ml',
    });
  });

  it('says why there is no context', async () => {
    const noCurrent = file('no-current.yaml', 'apiVersion: v1\nclusters: []\ncontexts: []\n');
    const broken = file('broken.yaml', 'clusters: [\n');
    const cases: [Parameters<typeof readKubeIdentity>[0], RegExp][] = [
      [{ kubeconfig: join(dir, 'missing.yaml'), env: {} }, /the kubeconfig .*missing\.yaml does not exist/],
      [{ env: { HOME: dir } }, /no kubeconfig found \(looked at .*\.kube\/config\)/],
      [{ env: { KUBECONFIG: noCurrent } }, /no current context is set in .*no-current\.yaml/],
      [{ context: 'nope', env: { KUBECONFIG: first } }, /the context nope is not in .*first\.yaml/],
      [{ context: 'staging', env: { KUBECONFIG: first } }, /the context staging names the cluster staging-cluster, which has no server/],
      [{ env: { KUBECONFIG: broken } }, /the kubeconfig .*broken\.yaml cannot be read/],
    ];
    for (const [inputs, reason] of cases) {
      const identity = await readKubeIdentity(inputs);
      expect(identity.found).toBe(false);
      if (!identity.found) expect(identity.reason).toMatch(reason);
    }
  });
});
