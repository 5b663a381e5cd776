/** The shapes of the values the answers accept, each with the words an error message uses for it. */

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(value: string, maxLength = 63): boolean {
  return value.length <= maxLength && dns1123Label.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => isDns1123Label(label));
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return ipv4.test(value);
}

/** An IPv4 address range in CIDR notation whose address is the range's first (what a NetworkPolicy ipBlock takes). */
export function isIpv4Cidr(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  if (rest.length > 0 || bits === undefined || !/^(3[0-2]|[12]?\d)$/.test(bits) || !isIpv4(address)) return false;
  const number = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const hostBits = 32 - Number(bits);
  return number % 2 ** hostBits === 0;
}

/** A database host: DNS names are case-insensitive, and an IPv4 address is a valid host. */
export function isHostname(value: string): boolean {
  return isDns1123Subdomain(value.toLowerCase());
}

/** An Ingress host: a lowercase DNS name (Kubernetes refuses IP addresses there), optionally `*.` wildcarded. */
export function isIngressHost(value: string): boolean {
  const name = value.startsWith('*.') ? value.slice(2) : value;
  return isDns1123Subdomain(name) && !isIpv4(name);
}

const quantity = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** A Kubernetes storage quantity greater than zero, e.g. 10Gi or 500M. */
export function isStorageQuantity(value: string): boolean {
  const match = quantity.exec(value);
  return match !== null && Number(match[1]) > 0;
}

export const artifactSchemes = ['s3', 'gs', 'wasbs', 'abfss'] as const;

/** `s3://bucket[/prefix]`, `gs://bucket[/prefix]`, `wasbs://container@account.host[/path]`, `abfss://...` alike. */
export function isArtifactRoot(value: string): boolean {
  const match = /^([a-z0-9]+):\/\/([^/\s]+)(\/\S*)?$/.exec(value);
  if (!match) return false;
  const [, scheme = '', authority = ''] = match;
  if (scheme === 's3' || scheme === 'gs') return /^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/.test(authority);
  if (scheme === 'wasbs' || scheme === 'abfss') return /^[a-z0-9-]{3,63}@[a-z0-9.-]+$/.test(authority);
  return false;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !/\s/.test(value);
  } catch {
    return false;
  }
}

/** A database or user name the chart can put in a URI and in SQL without quoting surprises. */
export function isSqlName(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(value);
}

export function isSqlUser(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/.test(value);
}

/** An annotation or label key: an optional DNS-subdomain prefix and `/`, then a name of up to 63 characters. */
export function isQualifiedName(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : value.slice(0, slash);
  const name = slash === -1 ? value : value.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** A key of a provider parameter in a SecretProviderClass. */
export function isParameterKey(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/.test(value);
}

/**
 * A user name MLflow's basic-auth accepts (mlflow/server/auth: not empty, at most 255 characters in its user
 * table) and a client can send: HTTP basic auth splits user:password at the first colon, and a space or a
 * control character would not survive MLFLOW_TRACKING_USERNAME.
 */
export function isMlflowUsername(value: string): boolean {
  return value.length >= 1 && value.length <= 255 && !/[:\s\p{Cc}]/u.test(value);
}
