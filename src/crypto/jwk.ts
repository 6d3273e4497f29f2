import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { bitLength, toBase64url } from './bytes.js';
import { CURVES } from './ec-curves.js';
import { CryptoError } from './errors.js';
import { curveOf, fromNodeJwk, keyFamily, member, memberBytes, memberInt, type Curve, type PrivateJwk, type PublicJwk } from './jwk-model.js';

export { CURVE_NAMES, KTYS, keyFamily, type Curve, type KeyFamily, type Kty, type PrivateJwk, type PublicJwk } from './jwk-model.js';
export { OCT_KEY_BYTES, validateImportJwk } from './jwk-import.js';
export { toKeyObject } from './key-objects.js';

export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];

/** Throws CryptoError('unsupported') unless Key Vault would create an RSA key of this shape. */
export function checkRsaParams(bits: number, publicExponent: number): void {
  if (!RSA_KEY_SIZES.includes(bits)) {
    throw new CryptoError('unsupported', `RSA key size must be one of ${RSA_KEY_SIZES.join(', ')}`);
  }
  if (!Number.isInteger(publicExponent) || publicExponent < 3 || publicExponent > 0xffffffff || publicExponent % 2 === 0) {
    throw new CryptoError('unsupported', 'the RSA public exponent must be an odd integer from 3 to 2^32 - 1');
  }
}

/** Blocks for ~250 ms per 2048-bit key; a request path should take from an RsaKeyPool instead. */
export function generateRsaSync(bits: number, publicExponent = 65537): PrivateJwk {
  checkRsaParams(bits, publicExponent);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
  return fromNodeJwk(privateKey.export({ format: 'jwk' }));
}

export function generateEc(curve: Curve): PrivateJwk {
  const params = CURVES.find((c) => c.name === curve);
  if (!params) throw new CryptoError('unsupported', `unknown curve '${String(curve)}'`);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: params.openssl });
  return fromNodeJwk(privateKey.export({ format: 'jwk' }));
}

export function generateOct(bits: 128 | 192 | 256 | 512): PrivateJwk {
  if (![128, 192, 256, 512].includes(bits)) throw new CryptoError('unsupported', 'oct key size must be 128, 192, 256 or 512');
  return { kty: 'oct', k: toBase64url(randomBytes(bits / 8)) };
}

/** What Key Vault returns for a key: RSA n and e, EC crv, x and y, and nothing at all for oct. */
export function publicJwk(jwk: PrivateJwk): PublicJwk {
  switch (keyFamily(jwk.kty)) {
    case 'RSA':
      return { kty: jwk.kty, n: member(jwk, 'n'), e: member(jwk, 'e') };
    case 'EC':
      return { kty: jwk.kty, crv: curveOf(jwk).name, x: member(jwk, 'x'), y: member(jwk, 'y') };
    case 'oct':
      return { kty: jwk.kty };
  }
}

/** RSA modulus bits, EC curve bits (521 for P-521), or oct key bits. */
export function keySize(jwk: PrivateJwk): number {
  switch (keyFamily(jwk.kty)) {
    case 'RSA':
      return bitLength(memberInt(jwk, 'n'));
    case 'EC':
      return curveOf(jwk).bits;
    case 'oct':
      return memberBytes(jwk, 'k').length * 8;
  }
}
