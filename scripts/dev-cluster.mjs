#!/usr/bin/env node
// A local Kubernetes cluster to try the wizard on: the tests' real control plane with kwok nodes, until Ctrl-C.
//   node scripts/test-setup.mjs    (once: builds or reuses the control plane)
//   node scripts/dev-cluster.mjs   (prints the KUBECONFIG to export in another terminal)
import { loadKwokCluster } from './load-test-cluster.mjs';

const { KwokCluster, controlPlane } = await loadKwokCluster();
const plane = controlPlane();
if (!plane.ok) {
  console.error(`dev-cluster: ${plane.reason}`);
  process.exit(2);
}
const cluster = await KwokCluster.create({ volumes: 20 });
console.log(`A cluster is running (Kubernetes ${plane.versions.kubernetes}, nodes and pods simulated by kwok). In another terminal:\n  export KUBECONFIG=${cluster.kubeconfig}\n  export PATH=${cluster.env(4).PATH.split(':')[0]}:$PATH   # helm 4 and kubectl\nCtrl-C stops it.`);
const stop = async () => {
  await cluster.delete();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
