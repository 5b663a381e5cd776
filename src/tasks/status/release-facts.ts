import type { ReleaseResource } from './release-document.js';

// What a release is, read from its values and manifest. Only single, non-secret keys are read: the values
// may hold the seed's password-in-values, and nothing here may carry it out.

type Values = Record<string, unknown>;

function record(value: unknown): Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Values) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

export type BackendKind = 'file' | 'postgres' | 'mysql' | 'mssql';

export interface BackendFacts {
  kind: BackendKind;
  /** "SQLite on the volume mlflow-data", "db.internal:5432, database mlflow": never a password. */
  where: string;
}

/** The chart's "mlflow.engine": the engine set, else postgres when a database is on or a host is given. */
export function backendOf(values: Values, release: string): BackendFacts {
  const database = record(values.database);
  const engine = record(database.engine);
  const connections = record(record(values.mlflowBackend).connections);
  const chosen = (['postgres', 'mysql', 'mssql'] as const).find((name) => text(engine[name]) !== undefined);
  const host = text(connections.host) ?? text(connections.db_host);
  const kind: BackendKind | undefined = chosen ?? (database.enabled === true || host !== undefined ? 'postgres' : undefined);
  if (kind === undefined) return { kind: 'file', where: `SQLite on the volume ${claimNameOf(values, release)}` };
  const port = text(connections.port) ?? text(connections.db_port);
  const name = text(connections.database) ?? text(connections.db_name);
  const address = host === undefined ? 'host not set' : port === undefined ? host : `${host}:${port}`;
  return { kind, where: name === undefined ? address : `${address}, database ${name}` };
}

/** The chart's "mlflow.fullname". */
function fullnameOf(values: Values, release: string): string {
  const override = text(values.fullnameOverride);
  if (override !== undefined) return override.slice(0, 63).replace(/-+$/, '');
  const name = text(values.nameOverride) ?? 'mlflow';
  return (release.includes(name) ? release : `${release}-${name}`).slice(0, 63).replace(/-+$/, '');
}

function claimNameOf(values: Values, release: string): string {
  return text(record(values.persistence).existingClaim) ?? `${fullnameOf(values, release)}-data`;
}

/** Userinfo in a URI (`s3://key:secret@host/...`) is the one place a root could carry a credential. */
function withoutUserinfo(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*:[^/@]*@/i, '$1');
}

export interface ArtifactFacts {
  /** The artifact root, or null when the server keeps artifacts on its own volume. */
  root: string | null;
  where: string;
}

export function artifactsOf(values: Values, release: string): ArtifactFacts {
  const root = text(values.defaultArtifactRoot);
  const proxied = record(values.artifacts).serve !== false;
  if (root === undefined) return { root: null, where: `kept by the server on the volume ${claimNameOf(values, release)}${proxied ? ', proxied' : ''}` };
  const shown = withoutUserinfo(root);
  return { root: shown, where: `${shown}${proxied ? ', proxied through the server' : ''}` };
}

export interface ReachFacts {
  serviceName: string;
  servicePort: number;
  ingressHost?: string;
  tls: boolean;
}

const DEFAULT_SERVICE_PORT = 5000;

function servicePortOf(service: ReleaseResource | undefined): number | undefined {
  const ports = service?.spec.ports;
  if (!Array.isArray(ports)) return undefined;
  const port = record(ports[0]).port;
  return typeof port === 'number' ? port : undefined;
}

/** The Service and Ingress the release created, as they were rendered (names, port, host, TLS). */
export function reachOf(resources: readonly ReleaseResource[], values: Values, release: string): ReachFacts {
  const services = resources.filter((resource) => resource.kind === 'Service');
  const service = services.find((candidate) => candidate.labels['app.kubernetes.io/component'] === 'tracking-server') ?? services[0];
  const ingress = resources.find((resource) => resource.kind === 'Ingress');
  const rules = Array.isArray(ingress?.spec.rules) ? ingress.spec.rules : [];
  const ingressHost = rules.map((rule) => text(record(rule).host)).find((host) => host !== undefined);
  const tlsEntries = Array.isArray(ingress?.spec.tls) ? ingress.spec.tls : [];
  const tls = ingressHost !== undefined && tlsEntries.some((entry) => {
    const hosts = record(entry).hosts;
    return Array.isArray(hosts) && hosts.includes(ingressHost);
  });
  return {
    serviceName: service?.name ?? fullnameOf(values, release),
    servicePort: servicePortOf(service) ?? DEFAULT_SERVICE_PORT,
    ...(ingressHost === undefined ? {} : { ingressHost }),
    tls,
  };
}

export interface LoginFacts {
  required: boolean;
  adminUser?: string;
  /** The Secret that holds the admin password (never read here). */
  secret?: string;
}

/** Whether the release asks for a login (the chart's auth values), and where the admin password is. */
export function loginOf(values: Values): LoginFacts {
  const auth = record(values.auth);
  if (auth.enabled !== true) return { required: false };
  const adminUser = text(auth.adminUser) ?? 'admin';
  const secret = text(auth.existingSecret);
  return { required: true, adminUser, ...(secret ? { secret } : {}) };
}
