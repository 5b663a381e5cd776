import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmFrom, kubeAccessFrom, kubectlFrom } from '../../src/cluster/from-options.js';
import { CommandFailedError, CommandRunner } from '../../src/cluster/runner.js';
import { clusterUnavailable } from '../helpers/kwok/cluster.js';
import { TestCluster } from '../helpers/kwok/test-cluster.js';
import { helmMajors, toolSet } from '../helpers/tools.js';
import { withContext } from './real-fixtures.js';

describe('clients from the command-line flags', () => {
  it('passes only the kube flags that were given', () => {
    expect(kubeAccessFrom({ helm: 'helm', kubectl: 'kubectl' })).toEqual({});
    expect(kubeAccessFrom({ helm: 'helm', kubectl: 'kubectl', context: 'prod', kubeconfig: '/k' })).toEqual({ context: 'prod', kubeconfig: '/k' });
    const kubectl = kubectlFrom(new CommandRunner(), { helm: 'helm', kubectl: '/bin/kubectl', context: 'prod' }, 'ml');
    expect([kubectl.binary, kubectl.namespace, ...kubectl.args(['get', 'pods'], 'ml')]).toEqual(['/bin/kubectl', 'ml', 'get', 'pods', '--namespace', 'ml', '--context', 'prod']);
  });
});

const unavailable = clusterUnavailable();
if (unavailable) process.stderr.write(`[from-options tests] skipped: ${unavailable}\n`);

/** The flags as the real helm and kubectl take them, against a real cluster whose kubeconfig is not the default one. */
describe.skipIf(unavailable !== undefined)('clients from the flags, on a real control plane', () => {
  let cluster: TestCluster;
  let kubeconfig: string;
  // No KUBECONFIG: only --kubeconfig and --context lead to the cluster.
  const runner = () => new CommandRunner({ env: { ...cluster.env(), KUBECONFIG: `${cluster.dir}/no-such-kubeconfig.yaml` } });

  beforeAll(async () => {
    cluster = await TestCluster.create({ helmMajor: 3 });
    kubeconfig = withContext(cluster.kubeconfig, cluster.dir, 'kwok-team', 'team');
  }, 300_000);
  afterAll(async () => cluster?.cleanup());

  it.each(helmMajors)('uses the helm --helm names, with its major version (helm %i), and reaches the cluster with --kube-context and --kubeconfig', async (major) => {
    const flags = { helm: toolSet(major).helm, kubectl: cluster.kubectl, context: 'kwok-team', kubeconfig };
    const helm = await helmFrom(runner(), flags);
    expect(helm.major).toBe(major);
    expect(helm.binary).toBe(toolSet(major).helm);
    expect(helm.args.status('mlflow', 'ml')).toEqual(['status', 'mlflow', '--namespace', 'ml', '-o', 'json', '--kube-context', 'kwok-team', '--kubeconfig', kubeconfig]);
    // The real helm takes these flags and asks the cluster: no release there yet.
    expect(await helm.status('mlflow', 'ml')).toBeUndefined();
    expect(await helm.listAllNamespaces()).toEqual([]);
  }, 120_000);

  it('aims kubectl at the context and kubeconfig given; a context the kubeconfig lacks is kubectl\'s own error', async () => {
    const { server } = cluster.identity();
    const kubectl = kubectlFrom(runner(), { helm: 'helm', kubectl: cluster.kubectl, context: 'kwok-team', kubeconfig }, 'ml');
    expect(await kubectl.identity()).toEqual({ context: 'kwok-team', server, namespace: 'team' });
    expect((await kubectl.versions()).server).toBe('v1.34.4');
    const wrong = kubectlFrom(runner(), { helm: 'helm', kubectl: cluster.kubectl, context: 'prod', kubeconfig }, 'ml');
    const error = await wrong.versions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).stderrTail.at(-1)).toBe('error: context "prod" does not exist');
  }, 120_000);
});
