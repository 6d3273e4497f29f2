/**
 * The parts of Kyanite's TLS certificates that need no certificate library: which names a leaf
 * carries, how long certificates last, how Node prints a leaf's names, and what makes a CA usable.
 *
 * Kept apart from x509-tls.ts so that src/server/tls.ts can check the leaf it kept on disk at start
 * without loading @peculiar/x509, which costs more start-up time than anything else it does.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const CA_VALIDITY_MS = 3650 * DAY_MS;
export const LEAF_VALIDITY_MS = 365 * DAY_MS;
/** Leaves start an hour in the past so a client whose clock lags a little still accepts them. */
export const LEAF_BACKDATE_MS = HOUR_MS;
/** The CA starts a day in the past: a container clock behind the host's must not reject it either. */
export const CA_BACKDATE_MS = DAY_MS;

export interface AltName {
  type: 'dns' | 'ip';
  value: string;
}

/** Names that every leaf carries, so the certificate a client gets always covers the loopback forms. */
const LOOPBACK_NAMES: readonly AltName[] = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
];

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * Lower-cases a host name or IP literal and checks that a certificate can carry it; undefined when
 * it cannot. SNI names come from the network, so anything odd (wildcards, spaces, empty labels,
 * IPv6 zone ids) is refused rather than signed. Underscores are allowed because Docker service
 * names use them and clients send them as SNI.
 */
export function normalizeHostname(name: string): string | undefined {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  if (lower.length === 0 || lower.length > 253) return undefined;
  if (isIP(lower) !== 0) return lower.includes('%') ? undefined : lower;
  return lower.split('.').every((label) => LABEL.test(label)) ? lower : undefined;
}

/**
 * Subject alternative names for a leaf: the name itself, the loopback names, and for a name of 3+
 * labels the wildcard of its parent (kv1.vault.localhost → *.vault.localhost), so one leaf also
 * serves sibling vaults. Two-label parents never get a wildcard: Node and OpenSSL reject
 * `*.localhost`-style names, which would make the whole certificate look wrong to them.
 */
export function leafAltNames(hostname: string): AltName[] {
  const names: AltName[] = [{ type: isIP(hostname) === 0 ? 'dns' : 'ip', value: hostname }];
  const labels = hostname.split('.');
  if (isIP(hostname) === 0 && labels.length >= 3) {
    names.push({ type: 'dns', value: `*.${labels.slice(1).join('.')}` });
  }
  // A loopback name given as the host itself is already first in the list.
  names.push(...LOOPBACK_NAMES.filter((loopback) => loopback.value !== hostname));
  return names;
}

/**
 * `names` written the way Node's X509Certificate#subjectAltName prints them
 * ("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"), so a certificate read back
 * from disk can be compared with the names Kyanite would put in it today. Only for names that
 * normalizeHostname accepts: Node quotes names holding commas or quotes, and those never occur here.
 */
export function subjectAltNameText(names: readonly AltName[]): string {
  return names
    .map(({ type, value }) => {
      if (type === 'dns') return `DNS:${value}`;
      if (isIP(value) === 4) return `IP Address:${value}`;
      // Node prints IPv6 as OpenSSL does: eight groups, upper-case hex, nothing shortened.
      return `IP Address:${ipv6Groups(value).map((group) => group.toString(16).toUpperCase()).join(':')}`;
    })
    .join(', ');
}

/** The eight 16-bit groups of an IPv6 literal, expanding `::` and a trailing dotted IPv4 part. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head = '', tail] = text.split('::');
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export const isP256 = (key: KeyObject): boolean =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

/**
 * Parses a CA certificate and its PKCS#8 (or SEC1) private key PEM, and checks they belong
 * together, are a CA, and use P-256. Throws a plain Error saying what is wrong otherwise.
 */
export function checkCaPair(certPem: string, keyPem: string): { cert: X509Certificate; key: KeyObject } {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!isP256(key)) throw new Error('the CA key is not an ECDSA P-256 key');
  if (!cert.checkPrivateKey(key)) throw new Error('the CA certificate and private key do not match');
  if (!cert.ca) throw new Error('the CA certificate is not a CA (basicConstraints CA:true missing)');
  return { cert, key };
}
