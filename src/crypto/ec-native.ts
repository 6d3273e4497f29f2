import { createECDH, type ECDH } from 'node:crypto';
import { bigintFromBytes, bigintToBytes } from './bytes.js';
import type { CurveParams } from './ec-curves.js';
import type { AffinePoint } from './ec-math.js';

/*
 * k*G is the costly step of ECDSA signing and of deriving a public key. OpenSSL does it natively (and in
 * constant time) when ECDH derives its public key from a private scalar, so we borrow that instead of doing
 * the multiplication in BigInt. One ECDH object per curve is enough: calls are synchronous.
 */
const ecdhByCurve = new Map<string, ECDH>();

/** k*G for 1 <= k < n. */
export function multiplyBase(curve: CurveParams, k: bigint): AffinePoint {
  let ecdh = ecdhByCurve.get(curve.openssl);
  if (!ecdh) {
    ecdh = createECDH(curve.openssl);
    ecdhByCurve.set(curve.openssl, ecdh);
  }
  ecdh.setPrivateKey(bigintToBytes(k, curve.bytes));
  // Uncompressed encoding: 0x04 || x || y.
  const point = ecdh.getPublicKey();
  return {
    x: bigintFromBytes(point.subarray(1, 1 + curve.bytes)),
    y: bigintFromBytes(point.subarray(1 + curve.bytes)),
  };
}
