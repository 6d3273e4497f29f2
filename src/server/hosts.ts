import { isIP } from 'node:net';

/**
 * How a request's Host header maps to a vault, and the challenge a vault host sends. One place, because the vault
 * name, every id in a response and the 401 challenge must agree.
 *
 * - an IP literal or a single-label name (localhost, a container alias) serves the vault "default";
 * - any other name serves the vault named by its first label: kv1.vault.localhost, kv1.localhost and
 *   kv1.vault.azure.net (through a hosts entry) all serve "kv1".
 */
export interface HostInfo {
  /** Host name, lower case, without port or IPv6 brackets. */
  hostname: string;
  /** Port as the client wrote it, or undefined for the scheme default. */
  port: string | undefined;
  /** host[:port] as the client wrote it, lower case. */
  authority: string;
}

export function parseHost(header: string | undefined): HostInfo {
  const authority = (header ?? 'localhost').trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) return { hostname: bracketed[1]!, port: bracketed[2], authority };
  const colon = authority.lastIndexOf(':');
  if (colon > -1 && authority.indexOf(':') === colon) {
    return { hostname: authority.slice(0, colon), port: authority.slice(colon + 1) || undefined, authority };
  }
  return { hostname: authority, port: undefined, authority };
}

export const DEFAULT_VAULT = 'default';

export function vaultNameForHost(hostname: string): string {
  if (isIP(hostname) || !hostname.includes('.')) return DEFAULT_VAULT;
  return hostname.slice(0, hostname.indexOf('.'));
}

const withPort = (host: string, port: string | undefined) => (port && port !== '443' ? `${host}:${port}` : host);

/**
 * The challenge resource: for hosts of 3+ labels the host without its first label (keeping the port), which the
 * SDKs' resource verification accepts (kv1.vault.localhost:8443 → https://vault.localhost:8443); otherwise the real
 * service's resource, and clients on localhost turn verification off.
 */
export function challengeResource(host: HostInfo): string {
  const labels = host.hostname.split('.');
  if (!isIP(host.hostname) && labels.length >= 3) return `https://${withPort(labels.slice(1).join('.'), host.port)}`;
  return 'https://vault.azure.net';
}

/**
 * The token authority the challenge points to: Kyanite's own token service on the port the client used. The path is
 * "/" with no tenant, so credentials of any tenant accept it; the slash itself is needed because the Go SDK
 * (azsecrets/azkeys/azcertificates via keyvault/internal 1.2.0) takes the tenant as the 4th "/"-separated part of
 * the URL and panics when there is none.
 */
/** Kyanite's own origin on the port the client used: the token authority and the management resource. */
export const kyaniteOrigin = (host: HostInfo): string => `https://${withPort('localhost', host.port)}`;

export const challengeAuthority = (host: HostInfo): string => `${kyaniteOrigin(host)}/`;

/**
 * The challenge's `authorization` URL. With no tenant in the path ("/"), JS, Python and Go clients ask for a token in
 * the credential's own tenant (a GUID-tenant credential works as well as an `adfs` one). The Java SDK (azure-security-keyvault-* 4.x)
 * reads the tenant as the path's first segment, fails on an authority without one, and refuses to replace an
 * `adfs` credential's tenant with any other; `adfs` is also the only tenant its DefaultAzureCredential can use from
 * environment variables (a GUID tenant triggers MSAL's instance discovery on the internet). So Java clients, known by
 * the `azsdk-java-` product in the User-Agent every Azure SDK for Java pipeline sends, get `/adfs`, as Azure Stack Hub's AD FS
 * Key Vaults send it (docs/clients/java.md).
 */
export function challengeAuthorization(host: HostInfo, userAgent?: string): string {
  const authority = challengeAuthority(host);
  // An application id set in the client options comes first: `myapp azsdk-java-azure-security-keyvault-secrets/4.11.1 (…)`.
  return /(^|\s)azsdk-java-/i.test(userAgent ?? '') ? `${authority}adfs` : authority;
}

export const challengeHeader = (host: HostInfo, userAgent?: string): string =>
  `Bearer authorization="${challengeAuthorization(host, userAgent)}", resource="${challengeResource(host)}"`;
