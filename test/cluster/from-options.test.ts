import { describe, expect, it } from 'vitest';
import { helmFrom, kubeAccessFrom, kubectlFrom } from '../../src/cluster/from-options.js';
import { CommandRunner } from '../../src/cluster/runner.js';
import { SimCluster } from '../helpers/sim-cluster.js';
import { toolSet } from '../helpers/tools.js';

describe('clients from the command-line flags', () => {
  it('passes only the kube flags that were given', () => {
    expect(kubeAccessFrom({ helm: 'helm', kubectl: 'kubectl' })).toEqual({});
    expect(kubeAccessFrom({ helm: 'helm', kubectl: 'kubectl', context: 'prod', kubeconfig: '/k' })).toEqual({ context: 'prod', kubeconfig: '/k' });
    const kubectl = kubectlFrom(new CommandRunner(), { helm: 'helm', kubectl: '/bin/kubectl', context: 'prod' }, 'ml');
    expect([kubectl.binary, kubectl.namespace, ...kubectl.args(['get', 'pods'], 'ml')]).toEqual(['/bin/kubectl', 'ml', 'get', 'pods', '--namespace', 'ml', '--context', 'prod']);
  });

  it.skipIf(toolSet(3).unavailable !== undefined)('uses the helm --helm names, with its major version', async () => {
    const sim = SimCluster.create({ helmMajor: 3 });
    try {
      const helm = await helmFrom(new CommandRunner({ env: sim.env() }), { helm: sim.helm, kubectl: sim.kubectl, context: 'sim' });
      expect(helm.major).toBe(3);
      expect(helm.args.status('mlflow', 'ml')).toEqual(['status', 'mlflow', '--namespace', 'ml', '-o', 'json', '--kube-context', 'sim']);
    } finally {
      sim.cleanup();
    }
  });
});
