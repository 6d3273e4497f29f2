import { bigintFromBytes, bigintToBytes, bitLength } from './bytes.js';
import type { CurveParams } from './ec-curves.js';
import { doubleScalarMultiply, isOnCurve, mod, modInverse, type AffinePoint } from './ec-math.js';
import { multiplyBase } from './ec-native.js';
import { pooledRandomBytes } from './random.js';
import { badInput } from './errors.js';

/*
 * ECDSA over a digest the client computed (FIPS 186-5 section 6.4), since node:crypto only signs messages it
 * hashes itself. Signatures are IEEE P1363 r || s, each half padded to the curve's byte length.
 */

/** The digest's leftmost bits, as many as the order n has (FIPS 186 "z"). */
function digestInteger(curve: CurveParams, digest: Buffer): bigint {
  const excess = digest.length * 8 - bitLength(curve.n);
  const z = bigintFromBytes(digest);
  return excess > 0 ? z >> BigInt(excess) : z;
}

/** A uniform nonce in [1, n-1] by rejection sampling over bitLength(n) random bits. */
function randomNonce(curve: CurveParams): bigint {
  const nBits = bitLength(curve.n);
  const bytes = Math.ceil(nBits / 8);
  const topMask = 0xff >> (bytes * 8 - nBits);
  for (;;) {
    const candidate = pooledRandomBytes(bytes);
    candidate[0] = (candidate[0] ?? 0) & topMask;
    const k = bigintFromBytes(candidate);
    if (k >= 1n && k < curve.n) return k;
  }
}

export function ecdsaSign(curve: CurveParams, d: bigint, digest: Buffer): Buffer {
  const { n } = curve;
  if (d < 1n || d >= n) throw badInput(`the private key is out of range for ${curve.name}`);
  const z = digestInteger(curve, digest);
  for (;;) {
    const k = randomNonce(curve);
    const r = mod(multiplyBase(curve, k).x, n);
    if (r === 0n) continue;
    const s = mod(modInverse(k, n) * (z + r * d), n);
    if (s === 0n) continue;
    return Buffer.concat([bigintToBytes(r, curve.bytes), bigintToBytes(s, curve.bytes)]);
  }
}

export function ecdsaVerify(curve: CurveParams, publicPoint: AffinePoint, digest: Buffer, signature: Buffer): boolean {
  const { n } = curve;
  if (!isOnCurve(curve, publicPoint)) throw badInput(`the public key is not on curve ${curve.name}`);
  if (signature.length !== 2 * curve.bytes) return false;
  const r = bigintFromBytes(signature.subarray(0, curve.bytes));
  const s = bigintFromBytes(signature.subarray(curve.bytes));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const w = modInverse(s, n);
  const z = digestInteger(curve, digest);
  const point = doubleScalarMultiply(curve, mod(z * w, n), mod(r * w, n), publicPoint);
  return point !== undefined && mod(point.x, n) === r;
}
