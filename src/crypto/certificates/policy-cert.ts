/**
 * Certificates and CSRs made from a Key Vault certificate policy: a self-signed certificate for issuer `Self`, a
 * PKCS#10 request for issuer `Unknown` (or a named issuer) that waits for a merge.
 */
import { randomBytes } from 'node:crypto';
import { x509 } from '../x509-lib.js';
import { badInput } from './errors.js';
import { privateKeyFromJwk, signerFor, type KeyJwkInput } from './keys.js';
import { parseSubject, policyExtensions, type X509Properties } from './names.js';
import { addMonths } from './months.js';

export { addMonths };

export interface DerAndPem {
  der: Buffer;
  pem: string;
}

export interface CsrOptions extends X509Properties {
  privateJwk: KeyJwkInput;
  /** X.500 subject, most specific first: "CN=example.com, O=Contoso". */
  subject: string;
}

export interface SelfSignedOptions extends CsrOptions {
  /** Whole months; notAfter is this many calendar months after notBefore. */
  validityMonths: number;
  /** The clock; notBefore is this instant truncated to whole seconds. */
  now?: Date;
}


/**
 * A serial of exactly 16 bytes that DER reads as positive: the top bit cleared so no 0x00 pad is needed, and the
 * next one set so no leading zero byte is dropped. That leaves 126 random bits, well past RFC 5280's 64.
 */
function randomSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  return serial.toString('hex');
}

const withPem = (der: ArrayBuffer, pem: string): DerAndPem => ({ der: Buffer.from(der), pem });

/** A self-signed certificate for the policy: the subject is also the issuer, and the key signs itself. */
export async function createSelfSigned(options: SelfSignedOptions): Promise<DerAndPem> {
  const { validityMonths } = options;
  if (!Number.isInteger(validityMonths) || validityMonths < 0) {
    throw badInput(`validity in months must be a whole number of at least 0, not ${String(validityMonths)}`);
  }
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw badInput('the clock gave an invalid date');
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const name = parseSubject(options.subject);
  const signer = signerFor(privateKeyFromJwk(options.privateJwk));
  // Both identifiers come from the same key: for a self-signed certificate the authority is the subject.
  const keyId = await x509.SubjectKeyIdentifierExtension.create(signer.spki);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: name,
      issuer: name,
      notBefore,
      notAfter: addMonths(notBefore, validityMonths),
      publicKey: signer.spki,
      signingKey: signer.keys.privateKey,
      signingAlgorithm: signer.signingAlgorithm,
      extensions: [
        ...policyExtensions(options),
        keyId,
        new x509.AuthorityKeyIdentifierExtension(keyId.keyId),
      ],
    },
    signer.crypto,
  );
  return withPem(cert.rawData, cert.toString('pem'));
}

/** A PKCS#10 request carrying the policy's extensions in an extensionRequest attribute, signed by the key. */
export async function createCsr(options: CsrOptions): Promise<DerAndPem> {
  const name = parseSubject(options.subject);
  const signer = signerFor(privateKeyFromJwk(options.privateJwk));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name,
      keys: signer.keys,
      signingAlgorithm: signer.signingAlgorithm,
      extensions: policyExtensions(options),
    },
    signer.crypto,
  );
  return withPem(csr.rawData, csr.toString('pem'));
}
