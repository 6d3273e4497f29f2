export { CryptoError } from './errors.js';
export {
  CURVE_NAMES,
  KTYS,
  OCT_KEY_BYTES,
  RSA_KEY_SIZES,
  checkRsaParams,
  generateEc,
  generateOct,
  generateRsaSync,
  keyFamily,
  keySize,
  publicJwk,
  toKeyObject,
  validateImportJwk,
  type Curve,
  type KeyFamily,
  type Kty,
  type PrivateJwk,
  type PublicJwk,
} from './jwk.js';
export { SIGN_ALGS, algFitsKey, digestLength, isSignAlg, signDigest, verifyDigest, type SignAlg } from './sign.js';
export {
  ENC_ALGS,
  decrypt,
  encAlgFitsKey,
  encrypt,
  isEncAlg,
  unwrapKey,
  wrapKey,
  type DecryptOptions,
  type EncAlg,
  type EncryptOptions,
  type EncryptResult,
} from './encrypt.js';
export { createRsaKeyPool, type InspectableRsaKeyPool, type RsaKeyPool, type RsaKeyPoolOptions } from './rsa-pool.js';
export { newVersionId, randomBase64url } from './random.js';
