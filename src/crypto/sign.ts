import { createHmac } from 'node:crypto';
import { sameBytes } from './bytes.js';
import { curveByName } from './ec-curves.js';
import type { AffinePoint } from './ec-math.js';
import { ecdsaSign, ecdsaVerify } from './ecdsa.js';
import { CryptoError, badInput, guard } from './errors.js';
import { HASH_BYTES } from './hashes.js';
import { curveOf, keyFamily, memberBytes, memberInt, type Curve, type KeyFamily, type PrivateJwk } from './jwk-model.js';
import { pkcs1Sign, pkcs1Verify, pssSign, pssVerify, type RsaSignHash } from './rsa-sign.js';

export type SignAlg =
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512' | 'ES256K'
  | 'HS256' | 'HS384' | 'HS512';

interface SignAlgSpec {
  readonly scheme: 'pkcs1' | 'pss' | 'ecdsa' | 'hmac';
  readonly family: KeyFamily;
  readonly hash: RsaSignHash;
  /** ECDSA algorithms are each tied to one curve. */
  readonly curve?: Curve;
}

const SPECS: Readonly<Record<SignAlg, SignAlgSpec>> = {
  RS256: { scheme: 'pkcs1', family: 'RSA', hash: 'sha256' },
  RS384: { scheme: 'pkcs1', family: 'RSA', hash: 'sha384' },
  RS512: { scheme: 'pkcs1', family: 'RSA', hash: 'sha512' },
  PS256: { scheme: 'pss', family: 'RSA', hash: 'sha256' },
  PS384: { scheme: 'pss', family: 'RSA', hash: 'sha384' },
  PS512: { scheme: 'pss', family: 'RSA', hash: 'sha512' },
  ES256: { scheme: 'ecdsa', family: 'EC', hash: 'sha256', curve: 'P-256' },
  ES384: { scheme: 'ecdsa', family: 'EC', hash: 'sha384', curve: 'P-384' },
  ES512: { scheme: 'ecdsa', family: 'EC', hash: 'sha512', curve: 'P-521' },
  ES256K: { scheme: 'ecdsa', family: 'EC', hash: 'sha256', curve: 'P-256K' },
  HS256: { scheme: 'hmac', family: 'oct', hash: 'sha256' },
  HS384: { scheme: 'hmac', family: 'oct', hash: 'sha384' },
  HS512: { scheme: 'hmac', family: 'oct', hash: 'sha512' },
};

export const SIGN_ALGS = Object.keys(SPECS) as readonly SignAlg[];

export const isSignAlg = (alg: unknown): alg is SignAlg => typeof alg === 'string' && Object.hasOwn(SPECS, alg);

function specOf(alg: SignAlg): SignAlgSpec {
  if (!isSignAlg(alg)) throw new CryptoError('unsupported', `unknown signature algorithm '${String(alg)}'`);
  return SPECS[alg];
}

/** Bytes of the digest `alg` signs: 32, 48 or 64. */
export const digestLength = (alg: SignAlg): number => HASH_BYTES[specOf(alg).hash];

/** Whether `alg` can be used with this key: the key type, and for ECDSA the curve, must match. */
export function algFitsKey(jwk: PrivateJwk, alg: SignAlg): boolean {
  if (!isSignAlg(alg)) return false;
  const spec = SPECS[alg];
  if (keyFamily(jwk.kty) !== spec.family) return false;
  return spec.curve === undefined || curveByName(jwk.crv)?.name === spec.curve;
}

function checkedSpec(jwk: PrivateJwk, alg: SignAlg, digest: Buffer): SignAlgSpec {
  const spec = specOf(alg);
  if (!algFitsKey(jwk, alg)) {
    throw badInput(`${alg} cannot be used with a ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key`);
  }
  const expected = HASH_BYTES[spec.hash];
  if (digest.length !== expected) throw badInput(`the digest for ${alg} must be ${expected} bytes, not ${digest.length}`);
  return spec;
}

const hmac = (jwk: PrivateJwk, spec: SignAlgSpec, digest: Buffer): Buffer =>
  createHmac(spec.hash, memberBytes(jwk, 'k')).update(digest).digest();

const ecPublicPoint = (jwk: PrivateJwk): AffinePoint => ({ x: memberInt(jwk, 'x'), y: memberInt(jwk, 'y') });

/** Signs a digest the caller computed. Throws CryptoError('bad-input') for a wrong length or a key that does not fit. */
export function signDigest(jwk: PrivateJwk, alg: SignAlg, digest: Buffer): Buffer {
  const spec = checkedSpec(jwk, alg, digest);
  return guard('bad-input', `signing with ${alg} failed`, () => {
    switch (spec.scheme) {
      case 'pkcs1':
        return pkcs1Sign(jwk, spec.hash, digest);
      case 'pss':
        return pssSign(jwk, spec.hash, digest);
      case 'ecdsa':
        return ecdsaSign(curveOf(jwk), memberInt(jwk, 'd'), digest);
      case 'hmac':
        return hmac(jwk, spec, digest);
    }
  });
}

/** False for any signature that does not verify, malformed ones included; throws only for bad inputs as signDigest. */
export function verifyDigest(jwk: PrivateJwk, alg: SignAlg, digest: Buffer, signature: Buffer): boolean {
  const spec = checkedSpec(jwk, alg, digest);
  return guard('bad-input', `verifying with ${alg} failed`, () => {
    switch (spec.scheme) {
      case 'pkcs1':
        return pkcs1Verify(jwk, spec.hash, digest, signature);
      case 'pss':
        return pssVerify(jwk, spec.hash, digest, signature);
      case 'ecdsa':
        return ecdsaVerify(curveOf(jwk), ecPublicPoint(jwk), digest, signature);
      case 'hmac':
        return sameBytes(hmac(jwk, spec, digest), signature);
    }
  });
}
