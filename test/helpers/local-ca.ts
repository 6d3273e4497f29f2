import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { x509 } from '../../src/crypto/x509-lib.js';
import { generateKeyPair, privateKeyToPem } from '../../src/crypto/x509-tls.js';

/**
 * Certificates that Kyanite itself would never make, for the tests of what its local CA can vouch for: leaves minted
 * with the CA key outside Kyanite, and a CA made the way Kyanite made it before it had name constraints.
 */

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const HOUR_MS = 3_600_000;

/** A P-256 PKCS#8 PEM as a WebCrypto signing key. */
const signingKeyOf = (keyPem: string): Promise<webcrypto.CryptoKey> =>
  webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );

/**
 * A server certificate for `name` (a DNS name, or an IP address when `type` is 'ip') signed with the CA key, as
 * anyone who can read that key could make it. Complete in every other respect (authority and subject key
 * identifiers, key usage, serverAuth), so the name is the only thing a client can hold against it.
 */
export async function mintLeaf(
  caPem: string,
  caKeyPem: string,
  name: string,
  type: 'dns' | 'ip' = 'dns',
): Promise<{ certPem: string; keyPem: string }> {
  const ca = new x509.X509Certificate(caPem);
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: await signingKeyOf(caKeyPem),
    signingAlgorithm: ECDSA_SHA256,
    notBefore: new Date(now - HOUR_MS),
    notAfter: new Date(now + 24 * HOUR_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type, value: name }]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyToPem(keys.privateKey) };
}

/** A CA as Kyanite made it before it was constrained: CA:TRUE only, no path length, no name constraints. */
export async function unconstrainedCa(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Kyanite Local CA 0ld0ca00',
    keys,
    notBefore: new Date(now - 24 * HOUR_MS),
    notAfter: new Date(now + 3650 * 24 * HOUR_MS),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyToPem(keys.privateKey) };
}

/**
 * DATA_DIR/tls/ as an older Kyanite left it: an unconstrained CA, the localhost leaf it signed, and that leaf's key.
 */
export async function writeUnconstrainedTlsDir(dataDir: string): Promise<{ ca: { certPem: string; keyPem: string }; leafPem: string }> {
  const dir = join(dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await unconstrainedCa();
  const leaf = await mintLeaf(ca.certPem, ca.keyPem, 'localhost');
  await writeFile(join(dir, 'ca.pem'), ca.certPem);
  await writeFile(join(dir, 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'localhost.pem'), leaf.certPem);
  await writeFile(join(dir, 'leaf-key.pem'), leaf.keyPem, { mode: 0o600 });
  return { ca, leafPem: leaf.certPem };
}
