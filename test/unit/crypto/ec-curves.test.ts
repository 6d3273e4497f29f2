import { createECDH } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { describe, expect, it } from 'vitest';
import { bigintToBytes } from '../../../src/crypto/bytes.js';
import { CURVES } from '../../../src/crypto/ec-curves.js';
import { doubleScalarMultiply, isOnCurve, mod, modInverse } from '../../../src/crypto/ec-math.js';
import { multiplyBase } from '../../../src/crypto/ec-native.js';

const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521, 'P-256K': secp256k1 } as const;

const nativePublic = (openssl: string, scalar: bigint, bytes: number): string => {
  const ecdh = createECDH(openssl);
  ecdh.setPrivateKey(bigintToBytes(scalar, bytes));
  return ecdh.getPublicKey('hex');
};
const uncompressed = (x: bigint, y: bigint, bytes: number): string =>
  '04' + bigintToBytes(x, bytes).toString('hex') + bigintToBytes(y, bytes).toString('hex');

describe.each(CURVES)('curve $name', (curve) => {
  it('has the constants noble publishes', () => {
    const theirs = NOBLE[curve.name].Point.CURVE();
    expect({ p: curve.p, a: mod(curve.a, curve.p), b: curve.b, n: curve.n, gx: curve.gx, gy: curve.gy }).toEqual({
      p: theirs.p,
      a: theirs.a,
      b: theirs.b,
      n: theirs.n,
      gx: theirs.Gx,
      gy: theirs.Gy,
    });
  });

  it('agrees with OpenSSL: 1*G = G, (n-1)*G = -G, and G is on the curve', () => {
    expect(nativePublic(curve.openssl, 1n, curve.bytes)).toBe(uncompressed(curve.gx, curve.gy, curve.bytes));
    expect(nativePublic(curve.openssl, curve.n - 1n, curve.bytes)).toBe(
      uncompressed(curve.gx, curve.p - curve.gy, curve.bytes),
    );
    expect(isOnCurve(curve, { x: curve.gx, y: curve.gy })).toBe(true);
    expect(isOnCurve(curve, { x: curve.gx, y: curve.gy + 1n })).toBe(false);
  });

  it('computes u1*G + u2*Q like OpenSSL computes (u1 + u2*q)*G', () => {
    const q = 0x1234567890abcdefn;
    const Q = multiplyBase(curve, q);
    for (const [u1, u2] of [
      [3n, 5n],
      [curve.n - 2n, 7n],
      [0xdeadbeefcafebaben * 0x1000000000000000n, curve.n / 3n],
    ] as const) {
      const ours = doubleScalarMultiply(curve, u1, u2, Q);
      const native = multiplyBase(curve, mod(u1 + u2 * q, curve.n));
      expect(ours).toEqual(native);
    }
    // u1*G + u2*Q with Q = -G and u1 = u2 is the point at infinity.
    expect(doubleScalarMultiply(curve, 5n, 5n, { x: curve.gx, y: curve.p - curve.gy })).toBeUndefined();
  });
});

describe('modInverse', () => {
  it('inverts modulo a prime and refuses zero', () => {
    const { n } = CURVES[0]!;
    const value = 0xabcdefn;
    expect(mod(value * modInverse(value, n), n)).toBe(1n);
    expect(() => modInverse(0n, n)).toThrow();
  });
});
