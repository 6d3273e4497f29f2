/**
 * Reading certificates: the fields Key Vault reports and derives a policy from, chains given to a merge, and whether
 * a certificate belongs to a key.
 *
 * node:crypto's X509Certificate (OpenSSL) is the gatekeeper: what it cannot parse is refused. @peculiar/x509 then
 * gives the structured fields, which node only offers as display strings.
 */
import { createHash, X509Certificate as NodeX509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { x509 } from '../x509-lib.js';
import { badInput, messageOf } from './errors.js';
import { jwkFromKey, publicKeyFromJwk, samePublicKey, type CertificateKeyJwk, type KeyJwkInput } from './keys.js';
import { formatName, keyUsageNames, type KeyUsageName } from './names.js';

export interface ParsedCert {
  der: Buffer;
  /** SHA-1 of the DER, base64url: Key Vault's `x5t`. */
  thumbprintSha1Base64url: string;
  /** Most specific first, as Key Vault writes subjects: "CN=example.com, O=Contoso". */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex without a DER sign byte, as Windows and node:crypto show serials. */
  serialHex: string;
  dnsNames: string[];
  emails: string[];
  upns: string[];
  uris: string[];
  ipAddresses: string[];
  /** Key Vault KeyUsageType names; empty when the certificate has no key usage extension. */
  keyUsage: KeyUsageName[];
  /** EKU object identifiers. */
  ekus: string[];
  publicJwk: CertificateKeyJwk;
}

interface Loaded {
  node: NodeX509Certificate;
  cert: x509.X509Certificate;
}

function load(der: Buffer): Loaded {
  if (!Buffer.isBuffer(der) || der.length === 0) throw badInput('the certificate is empty');
  try {
    return { node: new NodeX509Certificate(der), cert: new x509.X509Certificate(der) };
  } catch (error) {
    throw badInput(`not an X.509 certificate: ${messageOf(error)}`, error);
  }
}

/**
 * The SANs one by one, so that a name of a kind the library does not model (an otherName other than UPN or GUID)
 * is skipped instead of making the whole certificate unreadable.
 */
function subjectAltNames(cert: x509.X509Certificate): x509.JsonGeneralName[] {
  const extension = cert.getExtension('2.5.29.17');
  if (!extension) return [];
  const sequence = asn1js.fromBER(extension.value);
  if (sequence.offset === -1 || !(sequence.result instanceof asn1js.Sequence)) {
    throw badInput('the subject alternative name extension is malformed');
  }
  const names: x509.JsonGeneralName[] = [];
  for (const item of sequence.result.valueBlock.value) {
    try {
      names.push(new x509.GeneralName(item.toBER(false)).toJSON());
    } catch {
      // Not one of the kinds Key Vault reports (DNS, e-mail, UPN, URI, IP): nothing to carry over.
    }
  }
  return names;
}

function describeCertificate({ node, cert }: Loaded, der: Buffer): ParsedCert {
  const names = subjectAltNames(cert);
  const valuesOf = (type: x509.GeneralNameType): string[] =>
    names.filter((name) => name.type === type).map((name) => name.value);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  const ekus = cert.getExtension(x509.ExtendedKeyUsageExtension);
  return {
    der,
    thumbprintSha1Base64url: createHash('sha1').update(der).digest('base64url'),
    subject: formatName(cert.subjectName.toArrayBuffer()),
    issuer: formatName(cert.issuerName.toArrayBuffer()),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialHex: node.serialNumber.toUpperCase().replace(/^(00)+(?=[0-9A-F]{2})/, ''),
    dnsNames: valuesOf('dns'),
    emails: valuesOf('email'),
    upns: valuesOf('upn'),
    uris: valuesOf('url'),
    ipAddresses: valuesOf('ip'),
    keyUsage: keyUsage ? keyUsageNames(keyUsage.usages) : [],
    ekus: ekus ? Array.from(ekus.usages, String) : [],
    publicJwk: jwkFromKey(node.publicKey),
  };
}

/** The fields of one DER certificate; 'bad-input' for anything that is not one. */
export function parseCertificate(der: Buffer): ParsedCert {
  return describeCertificate(load(der), der);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The PEM blocks of a text, in order, as label and DER. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({
    label: match[1] as string,
    der: Buffer.from((match[2] as string).replace(/\s+/g, ''), 'base64'),
  }));
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The DER certificates in one x5c entry. Besides the base64 DER that x5c means, clients send PEM text, and SDKs
 * that take bytes send the base64 of a PEM file; either may hold several certificates.
 */
function certificatesInEntry(entry: string, index: number): Buffer[] {
  if (typeof entry !== 'string') throw badInput(`x5c[${index}] is not a string`);
  let text = entry;
  if (!entry.includes('-----BEGIN')) {
    const compact = entry.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw badInput(`x5c[${index}] is neither base64 DER nor PEM`);
    const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
    text = bytes.toString('latin1');
    if (!text.includes('-----BEGIN')) return [bytes];
  }
  const blocks = pemBlocks(text).filter((block) => block.label === 'CERTIFICATE');
  if (blocks.length === 0) throw badInput(`x5c[${index}] holds PEM without a CERTIFICATE block`);
  return blocks.map((block) => block.der);
}

/**
 * A merge's x5c: the first certificate is the leaf (the one issued for the pending key, as x5c orders them) and the
 * rest is the chain, in the order given.
 */
export function parseCertificateChain(x5c: string[]): { leaf: ParsedCert; chain: ParsedCert[] } {
  if (!Array.isArray(x5c) || x5c.length === 0) throw badInput('x5c holds no certificate');
  const [leaf, ...chain] = x5c.flatMap(certificatesInEntry).map(parseCertificate);
  if (leaf === undefined) throw badInput('x5c holds no certificate');
  return { leaf, chain };
}

/** Throws 'bad-input' unless `der` is a certificate OpenSSL can read. */
export const assertCertificate = (der: Buffer): void => void load(der);

/** The public key of a certificate as a KeyObject. */
export const certificatePublicKey = (der: Buffer): KeyObject => load(der).node.publicKey;

/**
 * Whether the certificate's public key is the JWK's (private or public). Malformed inputs are 'bad-input', not
 * false, so a caller can tell a wrong certificate from a broken one.
 */
export function publicKeyMatches(certDer: Buffer, jwk: KeyJwkInput): boolean {
  return samePublicKey(certificatePublicKey(certDer), publicKeyFromJwk(jwk));
}
