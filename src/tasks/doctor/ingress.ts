// The ingress: its host resolves from this machine, its TLS Secret exists and, with cert-manager, its
// Certificate is Ready.
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import { runTool, kubectlTool } from '../../cluster/tool-errors.js';
import type { ReleaseResource } from '../status/release-document.js';
import { finding, reasonOf, type Finding } from './check.js';
import { readableRelease, unread, type DoctorReads } from './reads.js';

const DNS_TIMEOUT_MS = 5_000;
const CERT_MANAGER_ANNOTATIONS = ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer'];

export interface IngressFacts {
  name: string;
  hosts: string[];
  tls: { secretName: string; hosts: string[] }[];
  /** The issuer annotation cert-manager's ingress-shim acts on, when there is one. */
  issuer?: string;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}

/** The Ingresses of the release's manifest, as the checks need them (pure). */
export function ingressFacts(resources: readonly ReleaseResource[]): IngressFacts[] {
  return resources
    .filter((resource) => resource.kind === 'Ingress')
    .map((ingress) => {
      const rules = Array.isArray(ingress.spec.rules) ? ingress.spec.rules : [];
      const tls = Array.isArray(ingress.spec.tls) ? ingress.spec.tls : [];
      const issuer = CERT_MANAGER_ANNOTATIONS.map((key) => ingress.annotations[key]).find((value) => value !== undefined && value !== '');
      return {
        name: ingress.name,
        hosts: rules.map((rule) => record(rule).host).filter((host): host is string => typeof host === 'string' && host !== ''),
        tls: tls
          .map((entry) => ({ secretName: typeof record(entry).secretName === 'string' ? String(record(entry).secretName) : '', hosts: strings(record(entry).hosts) }))
          .filter((entry) => entry.secretName !== ''),
        ...(issuer ? { issuer } : {}),
      };
    });
}

async function resolves(host: string): Promise<{ addresses: string[] } | { problem: string }> {
  // A wildcard host cannot be looked up itself: any name under it stands for it.
  const name = host.startsWith('*.') ? `mlflow-install-doctor.${host.slice(2)}` : host;
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      lookup(name, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DNS_TIMEOUT_MS / 1000} s`)), DNS_TIMEOUT_MS);
      }),
    ]);
    return { addresses: answer.map((entry) => entry.address) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { problem: code === 'ENOTFOUND' ? 'no such name' : code ?? (error instanceof Error ? error.message : String(error)) };
  } finally {
    clearTimeout(timer);
  }
}

async function hostFinding(host: string, ingress: string, namespace: string): Promise<Finding> {
  const found = await resolves(host);
  const title = `host ${host}`;
  const id = `dns/${host}`;
  if ('addresses' in found) return finding('ingress', id, title, 'pass', `resolves from this machine to ${found.addresses.slice(0, 3).join(', ')}`);
  return finding(
    'ingress',
    id,
    title,
    'warn',
    `does not resolve from this machine (${found.problem}): the URL of Ingress ${ingress} does not work from here`,
    `Add a DNS record for ${host} pointing at the ingress controller's address (\`kubectl get ingress ${ingress} --namespace ${namespace}\` shows it), or reach MLflow by port-forward.`,
  );
}

const certificateSchema = z.object({
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional() }).optional(),
});

async function certificateFinding(reads: DoctorReads, secretName: string, issuer: string): Promise<Finding> {
  const { kubectl, runner, target } = reads;
  const title = `certificate ${secretName}`;
  const id = `certificate/${secretName}`;
  let text: string;
  try {
    const args = kubectl.args(['get', 'certificates.cert-manager.io', secretName, '--ignore-not-found', '-o', 'json'], target.namespace);
    text = (await runTool(runner, kubectlTool, { file: kubectl.binary, args, timeoutMs: 30_000 })).stdout;
  } catch (error) {
    if (/the server doesn't have a resource type|no matches for kind/i.test(reasonOf(error))) {
      return finding('ingress', id, title, 'fail', `the Ingress asks cert-manager (issuer ${issuer}) for its certificate, but cert-manager is not installed`, 'Install cert-manager (https://cert-manager.io/docs/installation/), or create the TLS Secret yourself.');
    }
    return unread(reads, 'ingress', id, title, `Certificate ${secretName}`, error);
  }
  if (text.trim() === '') {
    return finding('ingress', id, title, 'fail', `no Certificate ${secretName}: cert-manager (issuer ${issuer}) has not made one for the Ingress`, `See cert-manager's logs, and that the issuer ${issuer} exists: \`kubectl get clusterissuer,issuer --all-namespaces\`.`);
  }
  const ready = certificateSchema.parse(JSON.parse(text)).status?.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status === 'True') return finding('ingress', id, title, 'pass', `Ready (issued through ${issuer})`);
  const why = ready ? `${ready.reason ?? 'not ready'}${ready.message ? `: ${ready.message}` : ''}` : 'no Ready condition yet';
  return finding('ingress', id, title, 'fail', `not Ready: ${why}`, `See \`kubectl describe certificate ${secretName} --namespace ${target.namespace}\` and its CertificateRequest and Order for why it is not issued.`);
}

async function tlsFindings(reads: DoctorReads, ingress: IngressFacts): Promise<Finding[]> {
  const { namespace } = reads.target;
  return Promise.all(
    ingress.tls.map(async ({ secretName }) => {
      const title = `TLS Secret ${secretName}`;
      const id = `tls/${secretName}`;
      // Only names are read: a Secret's data never is.
      let exists: boolean;
      try {
        exists = (await reads.kubectl.secrets({ namespace, fieldSelector: `metadata.name=${secretName}` })).some((secret) => secret.metadata.name === secretName);
      } catch (error) {
        return [await unread(reads, 'ingress', id, title, `Secret ${secretName}`, error)];
      }
      const secret = exists
        ? finding('ingress', id, title, 'pass', `exists in ${namespace}`)
        : finding(
            'ingress',
            id,
            title,
            'fail',
            `missing in ${namespace}: the ingress controller serves HTTPS with its default certificate, which browsers and clients refuse`,
            ingress.issuer
              ? 'cert-manager creates it once the Certificate is issued: see the certificate check.'
              : `Create it: \`kubectl create secret tls ${secretName} --namespace ${namespace} --cert=FILE --key=FILE\`, or let cert-manager issue it (an ingress annotation cert-manager.io/cluster-issuer).`,
          );
      return ingress.issuer ? [secret, await certificateFinding(reads, secretName, ingress.issuer)] : [secret];
    }),
  ).then((lists) => lists.flat());
}

export async function ingressChecks(reads: DoctorReads): Promise<Finding[]> {
  const release = await readableRelease(reads);
  if (release === undefined) return [];
  const ingresses = ingressFacts(release.resources);
  if (ingresses.length === 0) return [finding('ingress', 'ingress', 'ingress', 'pass', 'none: the server is reached by port-forward (or its Service)')];
  const all = await Promise.all(
    ingresses.map(async (ingress) => {
      const hosts = await Promise.all(ingress.hosts.map((host) => hostFinding(host, ingress.name, reads.target.namespace)));
      const tls =
        ingress.tls.length > 0
          ? await tlsFindings(reads, ingress)
          : [finding('ingress', `tls/${ingress.name}`, 'TLS', 'warn', `Ingress ${ingress.name} serves plain HTTP: logins and tracking data cross the network unencrypted`, 'Rerun the install with --set ingress.tls.enabled=true (and a cert-manager issuer annotation, or a TLS Secret of your own).')];
      return [...hosts, ...tls];
    }),
  );
  return all.flat();
}
