/**
 * The certificate crypto the certificates API builds on: certificates and CSRs from a policy, parsing, merge checks,
 * PKCS#12 and PEM. Pure functions of their inputs (and the clock passed in); nothing here stores anything.
 */
export { CertificateCryptoError, type CertificateCryptoReason } from './errors.js';
export {
  jwkFromKey,
  privateKeyFromJwk,
  publicKeyFromJwk,
  type CertificateKeyJwk,
  type KeyJwkInput,
  type KeyVaultCurve,
} from './keys.js';
export { KEY_USAGES, type KeyUsageName, type X509Properties } from './names.js';
export {
  addMonths,
  createCsr,
  createSelfSigned,
  type CsrOptions,
  type DerAndPem,
  type SelfSignedOptions,
} from './policy-cert.js';
export { parseCertificate, parseCertificateChain, publicKeyMatches, type ParsedCert } from './parse.js';
export type { CertificateWithKey } from './bundle.js';
export type { CreatePfxOptions } from './pkcs12.js';

// pkijs costs ~200 ms to load and only PKCS#12 work needs it: load it on the first PFX, not at start-up.
const pkcs12 = () => import('./pkcs12.js');
export const createPfx = async (options: import('./pkcs12.js').CreatePfxOptions): Promise<Buffer> => (await pkcs12()).createPfx(options);
export const parsePfx = async (pfx: Buffer, password?: string): Promise<import('./bundle.js').CertificateWithKey> =>
  (await pkcs12()).parsePfx(pfx, password);
export { parsePemBundle, toPemBundle } from './pem.js';
