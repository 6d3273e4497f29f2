/**
 * A certificate with its private key and chain: what an import brings (PFX or PEM) and what the managed secret holds.
 */
import type { KeyObject } from 'node:crypto';
import { badInput, CertificateCryptoError } from './errors.js';
import { jwkFromKey, samePublicKey, type CertificateKeyJwk } from './keys.js';
import { certificatePublicKey } from './parse.js';

export interface CertificateWithKey {
  privateJwk: CertificateKeyJwk;
  /** The certificate of `privateJwk`. */
  certDer: Buffer;
  /** The other certificates, in the order the file had them. */
  chainDers: Buffer[];
}

/**
 * The bundle a file holds: exactly one private key, and among the certificates the leaf, the one whose public key
 * is the private key's wherever it stands (tools write bundles leaf-first, CA-first or in any order). The other
 * certificates are the chain, in file order. `source` names the file kind in messages.
 */
export function pairKeyWithCertificates(source: string, keys: KeyObject[], certificates: Buffer[]): CertificateWithKey {
  const [privateKey, ...extra] = keys;
  if (privateKey === undefined) throw badInput(`the ${source} holds no private key`);
  if (extra.length > 0) throw badInput(`the ${source} holds more than one private key`);
  if (certificates.length === 0) throw badInput(`the ${source} holds no certificate`);
  const leafIndex = certificates.findIndex((der) => samePublicKey(certificatePublicKey(der), privateKey));
  const certDer = certificates[leafIndex];
  if (certDer === undefined) {
    throw new CertificateCryptoError('mismatch', `no certificate in the ${source} matches its private key`);
  }
  return {
    privateJwk: jwkFromKey(privateKey),
    certDer,
    chainDers: certificates.filter((_, index) => index !== leafIndex),
  };
}
