/**
 * Certificates for Kyanite's own HTTPS listener: a local CA and per-host leaf certificates.
 *
 * Pure building blocks: keys and PEM in, PEM out. Files, caching and the SNI callback live in
 * src/server/tls.ts. All keys are ECDSA P-256 with SHA-256 signatures, because P-256 keys are
 * generated in about a millisecond (RSA-2048 takes tens to hundreds) and every TLS client
 * Kyanite cares about accepts them.
 */
import { createPublicKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { x509 } from './x509-lib.js';
import {
  BASIC_CONSTRAINTS_OID,
  basicConstraintsValue,
  NAME_CONSTRAINTS_OID,
  nameConstraintsValue,
} from './ca-extensions.js';
import {
  CA_BACKDATE_MS,
  CA_VALIDITY_MS,
  checkCaPair,
  LEAF_BACKDATE_MS,
  LEAF_VALIDITY_MS,
  LOCAL_TLS_NAMES,
  normalizeHostname,
  type TlsNamePolicy,
} from './tls-names.js';

// The names and validity rules live in tls-names.ts so src/server/tls.ts can use them without this
// library; re-exported so callers keep importing them from here.
export {
  CA_VALIDITY_MS,
  LEAF_BACKDATE_MS,
  LEAF_VALIDITY_MS,
  LOCAL_TLS_NAMES,
  normalizeHostname,
  TlsNamePolicy,
  type AltName,
} from './tls-names.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A CA ready to sign: its PEM (handed to clients to trust), parsed certificate and private key. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly cert: x509.X509Certificate;
  readonly signingKey: CryptoKey;
  /** Hex subject key identifier, copied into every leaf's authority key identifier. */
  readonly keyId: string;
}

/** A fresh, extractable P-256 key pair (extractable because the private key is written out as PEM). */
export const generateKeyPair = (): Promise<CryptoKeyPair> =>
  webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

export const privateKeyToPem = (key: CryptoKey): string =>
  KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();

/** The P-256 public key of a private key PEM, in the WebCrypto form createLeafCertificate takes. */
export const publicKeyFromPem = (privateKeyPem: string): Promise<CryptoKey> =>
  webcrypto.subtle.importKey(
    'spki',
    createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }),
    EC_P256,
    // Extractable: the leaf's subject key identifier is a hash of the exported key.
    true,
    ['verify'],
  );

/**
 * A self-signed CA certificate for `keys`, valid about ten years, that can vouch only for the names `options.names`
 * permits (by default localhost, its subdomains and the loopback addresses) and can sign no other CA.
 */
export async function createCaCertificate(
  keys: CryptoKeyPair,
  options: { commonName?: string; now?: Date; names?: TlsNamePolicy } = {},
): Promise<string> {
  const now = options.now ?? new Date();
  const commonName = options.commonName ?? `Kyanite Local CA ${randomBytes(4).toString('hex')}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    notBefore: new Date(now.getTime() - CA_BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_MS),
    signingAlgorithm: ECDSA_SHA256,
    // No serialNumber: the library draws 16 random bytes and keeps the integer positive.
    extensions: [
      // Both critical, so a client that cannot enforce them must refuse the CA rather than ignore the limits.
      new x509.Extension(BASIC_CONSTRAINTS_OID, true, basicConstraintsValue()),
      new x509.Extension(NAME_CONSTRAINTS_OID, true, nameConstraintsValue(options.names ?? LOCAL_TLS_NAMES)),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem');
}

/**
 * A CA ready to sign from its certificate and private key PEM, after checkCaPair's checks (P-256,
 * matching, a CA). Throws a plain Error saying what is wrong otherwise.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const { key: privateKey } = checkCaPair(certPem, keyPem);
  const cert = new x509.X509Certificate(certPem);
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    EC_P256,
    false,
    ['sign'],
  );
  // Prefer the identifier the CA states about itself; compute one for a CA that lacks it.
  const keyId =
    cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
    (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey)).keyId;
  return { certPem: cert.toString('pem'), cert, signingKey, keyId };
}

/**
 * A TLS server certificate for `hostname` (a DNS name or IP literal, already normalized), signed
 * by `ca`, for the holder of `publicKey`. Valid one year from an hour ago, never past the CA.
 * `options.names` must be the policy the CA was made with: it refuses names outside it, which no
 * client would accept from this CA, and decides the leaf's alternative names.
 */
export async function createLeafCertificate(
  ca: CertificateAuthority,
  publicKey: CryptoKey,
  hostname: string,
  options: { now?: Date; names?: TlsNamePolicy } = {},
): Promise<string> {
  const { now = new Date(), names = LOCAL_TLS_NAMES } = options;
  if (normalizeHostname(hostname) !== hostname) {
    throw new Error(`not a normalized host name or IP address: ${JSON.stringify(hostname)}`);
  }
  if (!names.permits(hostname)) throw new Error(`the local CA cannot vouch for ${JSON.stringify(hostname)}`);
  const notAfter = Math.min(now.getTime() + LEAF_VALIDITY_MS, ca.cert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    subject: [{ CN: [hostname] }],
    issuer: ca.cert.subjectName,
    publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: ECDSA_SHA256,
    notBefore: new Date(now.getTime() - LEAF_BACKDATE_MS),
    notAfter: new Date(notAfter),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // An ECDSA key only signs the handshake; keyEncipherment is an RSA key-transport notion.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.leafAltNames(hostname)),
      new x509.AuthorityKeyIdentifierExtension(ca.keyId),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return cert.toString('pem');
}
