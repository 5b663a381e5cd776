import { detectHelmVersion, Helm, UnsupportedHelmError, type KubeAccess } from '../cluster/helm.js';
import { isDefaultIngressClass, isDefaultStorageClass, type Namespace } from '../cluster/k8s.js';
import type { ClusterIdentity, Kubectl } from '../cluster/kubectl.js';
import { CommandFailedError, type CommandRunner } from '../cluster/runner.js';
import { serverImage } from '../cluster/pod-security.js';
import { ToolNotFoundError } from '../cluster/tool-errors.js';
import type { Manifest } from '../plan/manifests.js';
import { once, readable, result } from './preflight/check-kit.js';
import { podSecurityCheck } from './preflight/pod-security.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** What to do about it, for warn and fail. */
  fix?: string;
}

export type CheckId =
  | 'kubectl'
  | 'helm'
  | 'context'
  | 'api'
  | 'permissions'
  | 'storage-class'
  | 'ingress-class'
  | 'service-monitor'
  | 'secret-provider'
  | 'mesh'
  | 'pod-security'
  | 'database';

export type SecretsProvider = 'kubernetes' | 'aws' | 'azure' | 'gcp' | 'vault';

/** The database to reach from inside the cluster, and the image (with its pull secrets) the check runs in. */
export interface DatabaseTarget {
  host: string;
  port: number;
  image: string;
  imagePullSecrets: string[];
}

/** What the checks need to know about the install; deliberately narrower than the Answers. */
export interface PreflightInput {
  namespace: string;
  backend: 'file' | 'postgres' | 'mysql' | 'mssql';
  /** Present when the chart will claim a volume (the file backend, or artifacts kept by the server). */
  volume?: { storageClass?: string };
  /** Present when ingress is on. */
  ingress?: { className?: string };
  serviceMonitor: boolean;
  secrets: { provider: SecretsProvider; installDriver: boolean };
  /** Present when a database backs the store: checked from inside the cluster. */
  database?: DatabaseTarget;
  autoscaling?: boolean;
}

export interface PreflightContext {
  runner: CommandRunner;
  kubectl: Kubectl;
  helmBinary: string;
  kube: KubeAccess;
  /**
   * The chart as the install renders it (undefined when it did not render): the Pod Security check dry-runs its
   * pods, the database check runs in its server image with its pull secrets.
   */
  rendered?: Promise<readonly Manifest[] | undefined>;
}

export type MeshInjection = 'istio' | 'linkerd';

/** What the later steps learn from the checks besides pass and fail. */
export interface PreflightFindings {
  helm?: Helm;
  identity?: ClusterIdentity;
  namespaceExists?: boolean;
  mesh?: MeshInjection;
  installSecretsDriver?: boolean;
}

export interface PreflightCheck {
  id: CheckId;
  title: string;
  /** Checks that need the API server: skipped, not failed, when it does not answer. */
  needsCluster: boolean;
  run(): Promise<CheckResult>;
}

export interface PreflightReport {
  checks: CheckResult[];
  findings: PreflightFindings;
  ok: boolean;
}

export const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';
export const SECRET_PROVIDER_CLASS_CRD = 'secretproviderclasses.secrets-store.csi.x-k8s.io';

/** The (verb, resource) pairs the install needs in the namespace, from what the chart will create. */
export function requiredPermissions(input: PreflightInput): [string, string][] {
  const creates = [
    'deployments.apps',
    'services',
    'serviceaccounts',
    'secrets',
    'pods',
    ...(input.volume ? ['persistentvolumeclaims'] : []),
    ...(input.database ? ['jobs.batch'] : []),
    ...(input.ingress ? ['ingresses.networking.k8s.io'] : []),
    ...(input.serviceMonitor ? ['servicemonitors.monitoring.coreos.com'] : []),
    ...(input.secrets.provider !== 'kubernetes' ? ['secretproviderclasses.secrets-store.csi.x-k8s.io'] : []),
    ...(input.autoscaling ? ['horizontalpodautoscalers.autoscaling'] : []),
  ];
  // helm keeps its release records in Secrets of the namespace.
  return [...creates.map((resource): [string, string] => ['create', resource]), ['list', 'secrets']];
}

/** The error's own words: what is wrong with a tool, or the failing command's last line. */
function reason(error: unknown): string {
  if (error instanceof ToolNotFoundError || error instanceof UnsupportedHelmError) return error.problem;
  if (error instanceof CommandFailedError) return error.stderrTail.at(-1) ?? error.summary;
  return error instanceof Error ? error.message : String(error);
}

function remedyFor(error: unknown, otherwise: string): string {
  return error instanceof ToolNotFoundError || error instanceof UnsupportedHelmError ? error.remedy : otherwise;
}

function meshOf(namespace: Namespace): MeshInjection | undefined {
  const labels = namespace.metadata.labels ?? {};
  const annotations = namespace.metadata.annotations ?? {};
  if (labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined) return 'istio';
  if (annotations['linkerd.io/inject'] === 'enabled' || labels['linkerd.io/inject'] === 'enabled') return 'linkerd';
  return undefined;
}

/**
 * Every check the install needs before it changes anything, each independent of the others so they can
 * run at once. `findings` fills in as they finish.
 */
export function preflightChecks(context: PreflightContext, input: PreflightInput, findings: PreflightFindings = {}): PreflightCheck[] {
  const { kubectl } = context;
  const namespace = input.namespace;
  const namespaceLookup = once(() => kubectl.namespaceNamed(namespace, { shared: true }));
  const versionReport = once(() => kubectl.versionReport());
  const checks: PreflightCheck[] = [
    {
      id: 'kubectl',
      title: 'kubectl',
      needsCluster: false,
      async run() {
        try {
          return result('kubectl', 'kubectl', 'pass', `kubectl ${(await versionReport()).client}`);
        } catch (error) {
          return result('kubectl', 'kubectl', 'fail', reason(error), remedyFor(error, 'Check that the binary --kubectl names is kubectl and runs.'));
        }
      },
    },
    {
      id: 'helm',
      title: 'helm',
      needsCluster: false,
      async run() {
        try {
          const version = await detectHelmVersion(context.runner, context.helmBinary);
          findings.helm = new Helm(context.runner, context.helmBinary, version, context.kube);
          return result('helm', 'helm', 'pass', `helm ${version.text}`);
        } catch (error) {
          return result('helm', 'helm', 'fail', reason(error), remedyFor(error, 'Check that the binary --helm names is helm and runs.'));
        }
      },
    },
    {
      id: 'context',
      title: 'kube context',
      needsCluster: false,
      async run() {
        try {
          const identity = await kubectl.identity();
          findings.identity = identity;
          return result('context', 'kube context', 'pass', `${identity.context} (API server ${identity.server})`);
        } catch (error) {
          return result(
            'context',
            'kube context',
            'fail',
            `no kube context: ${reason(error)}`,
            'Choose a context with `kubectl config use-context NAME` or --context NAME, and point --kubeconfig (or KUBECONFIG) at your kubeconfig.',
          );
        }
      },
    },
    {
      id: 'api',
      title: 'API server',
      needsCluster: false,
      async run() {
        const fix = 'Check that the cluster is running and reachable from here (VPN, network, credentials): `kubectl get namespaces` must work with this context.';
        try {
          const versions = await versionReport();
          if (versions.server !== undefined) return result('api', 'API server', 'pass', `Kubernetes ${versions.server} answers`);
          return result('api', 'API server', 'fail', `the API server did not answer: ${versions.problem ?? 'no answer'}`, fix);
        } catch (error) {
          return result(
            'api',
            'API server',
            'fail',
            `the API server did not answer: ${reason(error)}`,
            'Check that the cluster is running and reachable from here (VPN, network, credentials): `kubectl get namespaces` must work with this context.',
          );
        }
      },
    },
    {
      id: 'permissions',
      title: 'permissions',
      needsCluster: true,
      async run() {
        const wanted = requiredPermissions(input);
        // All in one process, "create namespaces" too: asking it even when the namespace turns out to exist is
        // cheaper than a round trip more before the install can start.
        const [lookup, [mayCreateNamespaces, ...answers]] = await Promise.all([
          readable(namespaceLookup),
          kubectl.canIAll([{ verb: 'create', resource: 'namespaces' }, ...wanted.map(([verb, resource]) => ({ verb, resource, namespace }))]),
        ]);
        // A namespace that may not be read is taken to exist: creating it would need cluster-wide rights anyway.
        const exists = 'refused' in lookup || lookup.value !== undefined;
        findings.namespaceExists = exists;
        const missing = wanted.filter((_, index) => !answers[index]).map(([verb, resource]) => `${verb} ${resource}`);
        if (!exists && !mayCreateNamespaces) missing.unshift('create namespaces (cluster-wide)');
        if (missing.length === 0) return result('permissions', 'permissions', 'pass', `may create everything the chart needs in ${namespace}`);
        return result(
          'permissions',
          'permissions',
          'fail',
          `not allowed in ${namespace}, ${missing.length === 1 ? 'this permission is' : `these ${missing.length} permissions are`} missing:${missing.map((permission) => `\n      - ${permission}`).join('')}`,
          `Use --namespace with a namespace you may write to${mayCreateNamespaces ? ' (or a new one)' : ''}, or ask a cluster admin for these permissions in ${namespace} (e.g. a RoleBinding to the admin ClusterRole there).`,
        );
      },
    },
    {
      id: 'mesh',
      title: 'service mesh',
      needsCluster: true,
      async run() {
        const lookup = await readable(namespaceLookup);
        if ('refused' in lookup) {
          return result(
            'mesh',
            'service mesh',
            'warn',
            `could not read namespace ${namespace}: not allowed to ${lookup.refused}`,
            'Mesh injection is unknown; the chart\'s Jobs carry the annotations that let them finish under Istio or Linkerd either way.',
          );
        }
        const existing = lookup.value;
        if (existing === undefined) return result('mesh', 'service mesh', 'pass', `namespace ${namespace} does not exist yet: it will be created, without mesh injection`);
        const mesh = meshOf(existing);
        findings.mesh = mesh;
        if (mesh === undefined) return result('mesh', 'service mesh', 'pass', `no Istio or Linkerd injection on ${namespace}`);
        const name = mesh === 'istio' ? 'Istio' : 'Linkerd';
        return result('mesh', 'service mesh', 'pass', `${name} injects sidecars in ${namespace}: the chart's Jobs are annotated so that they still finish`);
      },
    },
  ];

  if (input.volume) checks.push(storageClassCheck(kubectl, input.volume.storageClass));
  if (input.ingress) checks.push(ingressClassCheck(kubectl, input.ingress.className));
  if (input.serviceMonitor) checks.push(serviceMonitorCheck(kubectl));
  if (input.secrets.provider !== 'kubernetes') checks.push(secretProviderCheck(kubectl, input.secrets, findings));
  if (context.rendered) checks.push(podSecurityCheck(kubectl, namespace, namespaceLookup, context.rendered));
  if (input.database) checks.push(databaseCheck(context, input.database, namespaceLookup));
  return checks;
}

function storageClassCheck(kubectl: Kubectl, wanted: string | undefined): PreflightCheck {
  const title = 'storage class';
  return {
    id: 'storage-class',
    title,
    needsCluster: true,
    async run() {
      const classes = await readable(() => kubectl.storageClasses());
      if ('refused' in classes) {
        return result(
          'storage-class',
          title,
          'warn',
          `could not see the StorageClasses: not allowed to ${classes.refused}`,
          `The volume's claim uses ${wanted === undefined ? "the cluster's default class" : `StorageClass ${wanted}`}; if there is no such class it stays Pending, and the install stops at --timeout naming the claim.`,
        );
      }
      const names = classes.value.map((c) => c.metadata.name);
      const available = names.length > 0 ? `this cluster has: ${names.join(', ')}` : 'this cluster has none';
      if (wanted !== undefined) {
        if (names.includes(wanted)) return result('storage-class', title, 'pass', `StorageClass ${wanted} exists`);
        return result('storage-class', title, 'fail', `StorageClass ${wanted} does not exist (${available})`, 'Choose an existing class with --set backend.volume.storageClass=NAME.');
      }
      const defaults = classes.value.filter(isDefaultStorageClass).map((c) => c.metadata.name);
      if (defaults.length > 0) return result('storage-class', title, 'pass', `the volume uses the default StorageClass ${defaults[0]}`);
      return result(
        'storage-class',
        title,
        'fail',
        `no default StorageClass: the volume's claim would stay Pending (${available})`,
        names.length > 0
          ? `Name one with --set backend.volume.storageClass=${names[0]}, or make one the default: kubectl patch storageclass ${names[0]} -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'.`
          : 'Install a volume provisioner (your cloud\'s CSI driver, or local-path-provisioner on a test cluster), or use a database backend with artifacts in a bucket.',
      );
    },
  };
}

function ingressClassCheck(kubectl: Kubectl, wanted: string | undefined): PreflightCheck {
  const title = 'ingress class';
  return {
    id: 'ingress-class',
    title,
    needsCluster: true,
    async run() {
      const classes = await readable(() => kubectl.ingressClasses());
      if ('refused' in classes) {
        return result(
          'ingress-class',
          title,
          'warn',
          `could not see the IngressClasses: not allowed to ${classes.refused}`,
          `The ingress names ${wanted === undefined ? 'no class, so the default class (if any) serves it' : `IngressClass ${wanted}`}; if no controller serves it, the URL will not answer.`,
        );
      }
      const names = classes.value.map((c) => c.metadata.name);
      if (names.length === 0) {
        return result(
          'ingress-class',
          title,
          'fail',
          'no IngressClass: this cluster has no ingress controller',
          'Install an ingress controller (e.g. ingress-nginx) first, or turn ingress off with --set ingress.enabled=false and use port-forward.',
        );
      }
      if (wanted !== undefined) {
        if (names.includes(wanted)) return result('ingress-class', title, 'pass', `IngressClass ${wanted} exists`);
        return result('ingress-class', title, 'fail', `IngressClass ${wanted} does not exist (this cluster has: ${names.join(', ')})`, `Choose one with --set ingress.className=${names[0]}.`);
      }
      const defaults = classes.value.filter(isDefaultIngressClass).map((c) => c.metadata.name);
      if (defaults.length > 0) return result('ingress-class', title, 'pass', `the ingress uses the default IngressClass ${defaults[0]}`);
      return result(
        'ingress-class',
        title,
        'warn',
        `no default IngressClass (this cluster has: ${names.join(', ')})`,
        `Name the class with --set ingress.className=${names[0]}, or the ingress may be ignored by every controller.`,
      );
    },
  };
}

function serviceMonitorCheck(kubectl: Kubectl): PreflightCheck {
  const title = 'ServiceMonitor CRD';
  return {
    id: 'service-monitor',
    title,
    needsCluster: true,
    async run() {
      const crd = await readable(() => kubectl.crd(SERVICE_MONITOR_CRD));
      if ('refused' in crd) {
        return result(
          'service-monitor',
          title,
          'warn',
          `could not tell whether the Prometheus Operator is installed: not allowed to ${crd.refused}`,
          'If it is not, helm fails with "no matches for kind ServiceMonitor": then rerun with --set prometheus.serviceMonitor=false.',
        );
      }
      if (crd.value) return result('service-monitor', title, 'pass', `${SERVICE_MONITOR_CRD} is installed`);
      return result(
        'service-monitor',
        title,
        'fail',
        `${SERVICE_MONITOR_CRD} is not installed: the Prometheus Operator is missing`,
        'Install the Prometheus Operator (e.g. kube-prometheus-stack) first, or turn the ServiceMonitor off with --set prometheus.serviceMonitor=false (the /metrics endpoint and its scrape annotations stay).',
      );
    },
  };
}

function secretProviderCheck(kubectl: Kubectl, secrets: PreflightInput['secrets'], findings: PreflightFindings): PreflightCheck {
  const title = 'Secrets Store CSI driver';
  return {
    id: 'secret-provider',
    title,
    needsCluster: true,
    async run() {
      const crd = await readable(() => kubectl.crd(SECRET_PROVIDER_CLASS_CRD));
      if ('refused' in crd) {
        findings.installSecretsDriver = false;
        return result(
          'secret-provider',
          title,
          'warn',
          `could not tell whether the Secrets Store CSI driver is installed: not allowed to ${crd.refused}; this run does not install it (that needs cluster-wide rights)`,
          'If it is missing, a cluster admin installs it (https://secrets-store-csi-driver.sigs.k8s.io/getting-started/installation); until then the server\'s pod cannot mount its secrets.',
        );
      }
      const installed = crd.value !== undefined;
      findings.installSecretsDriver = !installed && secrets.installDriver;
      if (installed) return result('secret-provider', title, 'pass', `${SECRET_PROVIDER_CLASS_CRD} is installed`);
      if (secrets.installDriver) {
        return result('secret-provider', title, 'pass', `the driver is missing: it will be installed in kube-system with the ${secrets.provider} provider`);
      }
      return result(
        'secret-provider',
        title,
        'fail',
        `${SECRET_PROVIDER_CLASS_CRD} is not installed, and installing the driver was not asked for`,
        'Let mlflow-install install the Secrets Store CSI driver and provider, install them yourself (https://secrets-store-csi-driver.sigs.k8s.io/getting-started/installation), or use --set secrets.provider=kubernetes.',
      );
    },
  };
}

/** Connects to host:port once; on failure, one line saying why (the pod's termination message). */
const CONNECT_SCRIPT = [
  'import socket, sys',
  'host, port = sys.argv[1], int(sys.argv[2])',
  'try:',
  '    socket.create_connection((host, port), timeout=5).close()',
  'except OSError as error:',
  '    print(f"could not connect to {host}:{port}: {error}", file=sys.stderr)',
  '    sys.exit(1)',
].join('\n');

function databaseCheck(context: PreflightContext, database: DatabaseTarget, namespaceLookup: () => Promise<Namespace | undefined>): PreflightCheck {
  const title = 'database';
  const address = `${database.host}:${database.port}`;
  return {
    id: 'database',
    title,
    needsCluster: true,
    async run() {
      // A namespace that may not be read is taken to exist, as the permissions check does.
      const lookup = await readable(namespaceLookup);
      const namespace = 'value' in lookup && lookup.value === undefined ? 'default' : context.kubectl.namespace;
      // The server's own image, as rendered: already pulled (or pullable with the same secrets) wherever the server runs.
      const image = serverImage((await context.rendered) ?? []) ?? database;
      const outcome = await context.kubectl.runCheckPod({
        name: `mlflow-install-db-check-${Date.now().toString(36)}`,
        image: image.image,
        imagePullSecrets: image.imagePullSecrets,
        command: ['python', '-c', CONNECT_SCRIPT, database.host, String(database.port)],
        namespace,
        timeout: '90s',
      });
      if (!outcome.ran) {
        const reachable = `make sure ${address} is reachable from the cluster; the server waits for it when it starts.`;
        return result(
          'database',
          title,
          'warn',
          `not checked: the check pod could not run in ${namespace}: ${outcome.reason}`,
          outcome.refused
            ? `The cluster refused a pod that runs the server's image under Pod Security "restricted": if it refuses the server's pods too, the install fails; fix what the refusal names. Meanwhile ${reachable}`
            : `${reachable.charAt(0).toUpperCase()}${reachable.slice(1)}`,
        );
      }
      if (outcome.exitCode === 0) return result('database', title, 'pass', `${address} answers from inside the cluster`);
      return result(
        'database',
        title,
        'fail',
        `${address} did not answer from inside the cluster: ${outcome.message || `the check exited ${outcome.exitCode}`}`,
        'Check the host name and port, that the database is running, and that its firewall or security group lets the cluster\'s nodes in.',
      );
    },
  };
}

/** The checks, running: each one's result as it comes, and the report once all are in. */
export interface StartedPreflight {
  checks: { check: PreflightCheck; result: Promise<CheckResult> }[];
  findings: PreflightFindings;
  report: Promise<PreflightReport>;
}

const clusterAccessChecks: readonly CheckId[] = ['kubectl', 'context', 'api'];

/**
 * Starts every check at once. When the API server does not answer, the checks that need it say "not checked"
 * instead of repeating the same connection error: a failed check that needs the cluster waits for the access
 * checks before it reports.
 */
export function startPreflight(context: PreflightContext, input: PreflightInput): StartedPreflight {
  const findings: PreflightFindings = {};
  const checks = preflightChecks(context, input, findings);
  const running = checks.map((check) => ({
    check,
    raw: check.run().catch((error: unknown) => result(check.id, check.title, 'fail', reason(error))),
  }));
  const access = Promise.all(running.filter(({ check }) => clusterAccessChecks.includes(check.id)).map(({ raw }) => raw));
  const clusterDown = access.then((results) => results.some((r) => r.status === 'fail'));
  const started = running.map(({ check, raw }) => ({
    check,
    result: raw.then(async (r) =>
      check.needsCluster && r.status === 'fail' && (await clusterDown) ? result(r.id, r.title, 'skip', 'not checked: the cluster did not answer') : r,
    ),
  }));
  const report = Promise.all(started.map((entry) => entry.result)).then((results) => ({
    checks: results,
    findings,
    ok: results.every((r) => r.status !== 'fail'),
  }));
  return { checks: started, findings, report };
}

/** Runs every check at once (see startPreflight) and reports them all when the last one is in. */
export async function runPreflight(
  context: PreflightContext,
  input: PreflightInput,
  onResult?: (result: CheckResult) => void,
): Promise<PreflightReport> {
  const report = await startPreflight(context, input).report;
  for (const r of report.checks) onResult?.(r);
  return report;
}
