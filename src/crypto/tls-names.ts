/**
 * The parts of Kyanite's TLS certificates that need no certificate library: which names the local
 * CA may vouch for (TlsNamePolicy) and which names a leaf carries, how long certificates last, how
 * Node prints a leaf's names, and what makes a CA usable.
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
 * A DNS name constraint as the CA states it. RFC 5280 lets a name constraint permit the name and every name made by
 * adding labels on its left, which OpenSSL (Node, Python, curl) and Go both enforce; a leading dot (`.example.test`)
 * is read by both as "subdomains only". So `localhost` covers `localhost` and every `*.localhost` name in one entry.
 */
export interface DnsConstraint {
  type: 'dns';
  /** `name` or `.suffix`, lower case. */
  value: string;
}

/** An IP address range the CA may vouch for; `address` is the network, its host bits cleared. */
export interface IpConstraint {
  type: 'ip';
  address: string;
  prefix: number;
}

export type NameConstraint = DnsConstraint | IpConstraint;

/** What every local CA permits, whatever the user adds: localhost, its subdomains and the loopback addresses. */
const LOCAL_CONSTRAINTS: readonly NameConstraint[] = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', address: '127.0.0.0', prefix: 8 },
  { type: 'ip', address: '::1', prefix: 128 },
];

/**
 * One `--tls-name` value as a constraint: a DNS name (`myhost.example`, which also covers its subdomains), a
 * `.suffix` (subdomains only), an IP address or an IP range in CIDR form. Throws an Error saying why otherwise.
 */
export function parseTlsName(text: string): NameConstraint {
  const raw = text.trim().toLowerCase();
  const slash = raw.indexOf('/');
  if (slash !== -1 || isIP(raw) !== 0) {
    const address = slash === -1 ? raw : raw.slice(0, slash);
    const family = isIP(address);
    if (family === 0 || address.includes('%')) throw new Error(`'${text}' is not an IP address or CIDR range`);
    const bits = family === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(bits) : raw.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) {
      throw new Error(`'${text}': /${prefixText} is not a prefix length from 0 to ${bits}`);
    }
    return { type: 'ip', address: ipText(maskBytes(ipBytes(address), prefix)), prefix };
  }
  if (raw.startsWith('*.')) {
    throw new Error(`'${text}' is a wildcard: write '${raw.slice(1)}' for the names under ${raw.slice(2)}`);
  }
  const suffix = raw.startsWith('.');
  const name = normalizeHostname(suffix ? raw.slice(1) : raw);
  if (name === undefined || raw.endsWith('.')) {
    throw new Error(`'${text}' is not a DNS name, a .suffix, an IP address or a CIDR range`);
  }
  return { type: 'dns', value: suffix ? `.${name}` : name };
}

/** A constraint as `--tls-name` takes it and messages show it: `name`, `.suffix`, `address` or `address/prefix`. */
export function constraintText(constraint: NameConstraint): string {
  if (constraint.type === 'dns') return constraint.value;
  const single = constraint.prefix === (isIP(constraint.address) === 4 ? 32 : 128);
  return single ? constraint.address : `${constraint.address}/${constraint.prefix}`;
}

/**
 * The names the local CA may vouch for. This one rule decides both what the CA's nameConstraints extension lists
 * (src/crypto/ca-extensions.ts encodes `constraints`) and which SNI names get a leaf (`permits`): a name outside it
 * gets no leaf, and a leaf minted for it with the CA key anyway is refused by every client that checks the CA's
 * constraints, so trusting the CA cannot let whoever reads the data dir intercept HTTPS to other sites.
 */
export class TlsNamePolicy {
  /** The built-in names, then the user's sorted and without duplicates, so the order of the flags does not matter. */
  readonly constraints: readonly NameConstraint[];

  /** `extra`: `--tls-name` values (parseTlsName); throws for one that is not a name, suffix, address or range. */
  constructor(extra: readonly string[] = []) {
    const added = new Map<string, NameConstraint>();
    for (const text of extra) {
      const constraint = parseTlsName(text);
      // A name the local constraints already cover (kv1.localhost, 127.0.0.1) would only repeat them.
      if (!coveredByLocal(constraint)) added.set(constraintText(constraint), constraint);
    }
    const sorted = [...added.keys()].sort().map((key) => added.get(key)!);
    this.constraints = [...LOCAL_CONSTRAINTS, ...sorted];
  }

  /** The user's names (beyond the built-in ones), as `--tls-name` takes them. */
  get extraNames(): string[] {
    return this.constraints.slice(LOCAL_CONSTRAINTS.length).map(constraintText);
  }

  /**
   * Whether the constraints permit `name`, a normalized host name or IP literal. A leading `*` label is matched like
   * any label, which is how OpenSSL and Go match a wildcard SAN against a constraint.
   */
  permits(name: string): boolean {
    return this.constraints.some((constraint) => constraintPermits(constraint, name));
  }

  /**
   * Subject alternative names for a leaf: the name itself, the loopback names, and for a name of 3+ labels the
   * wildcard of its parent (kv1.vault.localhost → *.vault.localhost) when the constraints permit it, so one leaf
   * also serves sibling vaults. Two-label parents never get a wildcard: Node and OpenSSL reject `*.localhost`-style
   * names, which would make the whole certificate look wrong to them.
   *
   * The `localhost` leaf is also what a client that sends no SNI gets (a connection to an IP address), so it also
   * carries every single address the user permitted (`--tls-name 192.168.1.20`).
   */
  leafAltNames(hostname: string): AltName[] {
    const names: AltName[] = [{ type: isIP(hostname) === 0 ? 'dns' : 'ip', value: hostname }];
    const labels = hostname.split('.');
    const wildcard = `*.${labels.slice(1).join('.')}`;
    if (isIP(hostname) === 0 && labels.length >= 3 && this.permits(wildcard)) {
      names.push({ type: 'dns', value: wildcard });
    }
    const addresses: AltName[] =
      hostname === 'localhost'
        ? this.constraints
            .slice(LOCAL_CONSTRAINTS.length)
            .flatMap((c) => (c.type === 'ip' && constraintText(c) === c.address ? [{ type: 'ip', value: c.address }] : []))
        : [];
    // A loopback name given as the host itself is already first in the list.
    names.push(...LOOPBACK_NAMES.filter((loopback) => loopback.value !== hostname), ...addresses);
    return names;
  }
}

/** Whether one constraint permits `name` (a normalized host name, possibly with a leading `*` label, or an IP literal). */
function constraintPermits(constraint: NameConstraint, name: string): boolean {
  const family = isIP(name);
  if (constraint.type === 'ip') {
    return family === isIP(constraint.address) && maskBytes(ipBytes(name), constraint.prefix).equals(ipBytes(constraint.address));
  }
  if (family !== 0) return false;
  if (constraint.value.startsWith('.')) return name.endsWith(constraint.value);
  return name === constraint.value || name.endsWith(`.${constraint.value}`);
}

/** Whether every name `constraint` permits is already permitted by the local constraints. */
const coveredByLocal = (constraint: NameConstraint): boolean =>
  LOCAL_CONSTRAINTS.some((local) =>
    constraint.type === 'dns'
      ? constraintPermits(local, constraint.value.replace(/^\./, ''))
      : local.type === 'ip' && local.prefix <= constraint.prefix && constraintPermits(local, constraint.address),
  );

/** The policy without user names. */
export const LOCAL_TLS_NAMES = new TlsNamePolicy();

/** The bytes of an IP literal: 4 for IPv4, 16 for IPv6. */
export function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const bytes = Buffer.alloc(16);
  ipv6Groups(address).forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}

/** The network mask of `prefix` bits, `length` bytes long (4 or 16). */
export function prefixMask(length: number, prefix: number): Buffer {
  const mask = Buffer.alloc(length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return mask;
}

const maskBytes = (bytes: Buffer, prefix: number): Buffer => {
  const mask = prefixMask(bytes.length, prefix);
  return Buffer.from(bytes.map((byte, i) => byte & mask[i]!));
};

/** An IP literal from its 4 or 16 bytes; IPv6 in the short form (`::` for the longest run of zero groups). */
function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > best.length) best = { start: i, length: end - i };
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start === -1) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
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
