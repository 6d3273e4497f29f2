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
export { createPfx, parsePfx, type CreatePfxOptions } from './pkcs12.js';
export { parsePemBundle, toPemBundle } from './pem.js';
