import { bitLength } from './bytes.js';
import type { CurveParams } from './ec-curves.js';

/*
 * Plain BigInt arithmetic on short Weierstrass curves. It is not constant-time and is only used where no
 * secret is involved (verification, checking an imported point); signing gets its k*G from OpenSSL.
 */

export const mod = (value: bigint, m: bigint): bigint => {
  const r = value % m;
  return r < 0n ? r + m : r;
};

/** Inverse modulo a prime by the extended Euclidean algorithm, which beats Fermat's pow for BigInt. */
export function modInverse(value: bigint, m: bigint): bigint {
  // Plain temporaries, not destructuring swaps: those allocate two arrays per step, and a 256-bit inverse takes ~150.
  let oldR = mod(value, m);
  let r = m;
  let oldS = 1n;
  let s = 0n;
  while (r !== 0n) {
    const q = oldR / r;
    const nextR = oldR - q * r;
    oldR = r;
    r = nextR;
    const nextS = oldS - q * s;
    oldS = s;
    s = nextS;
  }
  if (oldR !== 1n) throw new RangeError('not invertible');
  return mod(oldS, m);
}

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

/** Jacobian coordinates (x = X/Z^2, y = Y/Z^3) avoid an inversion per step; Z = 0 is the point at infinity. */
interface JacobianPoint {
  readonly X: bigint;
  readonly Y: bigint;
  readonly Z: bigint;
}

const INFINITY: JacobianPoint = { X: 1n, Y: 1n, Z: 0n };

export function isOnCurve(curve: CurveParams, point: AffinePoint): boolean {
  const { p, a, b } = curve;
  const { x, y } = point;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return mod(y * y - (x * x * x + a * x + b), p) === 0n;
}

function double(curve: CurveParams, P: JacobianPoint): JacobianPoint {
  const { p, a } = curve;
  if (P.Z === 0n || P.Y === 0n) return INFINITY;
  const xx = mod(P.X * P.X, p);
  const yy = mod(P.Y * P.Y, p);
  const zz = mod(P.Z * P.Z, p);
  const s = mod(4n * P.X * yy, p);
  const m = mod(3n * xx + a * zz * zz, p);
  const X = mod(m * m - 2n * s, p);
  const Y = mod(m * (s - X) - 8n * yy * yy, p);
  return { X, Y, Z: mod(2n * P.Y * P.Z, p) };
}

function add(curve: CurveParams, P: JacobianPoint, Q: JacobianPoint): JacobianPoint {
  const { p } = curve;
  if (P.Z === 0n) return Q;
  if (Q.Z === 0n) return P;
  const z1z1 = mod(P.Z * P.Z, p);
  const z2z2 = mod(Q.Z * Q.Z, p);
  const u1 = mod(P.X * z2z2, p);
  const u2 = mod(Q.X * z1z1, p);
  const s1 = mod(P.Y * Q.Z * z2z2, p);
  const s2 = mod(Q.Y * P.Z * z1z1, p);
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (h === 0n) return r === 0n ? double(curve, P) : INFINITY;
  const hh = mod(h * h, p);
  const hhh = mod(h * hh, p);
  const v = mod(u1 * hh, p);
  const X = mod(r * r - hhh - 2n * v, p);
  const Y = mod(r * (v - X) - s1 * hhh, p);
  return { X, Y, Z: mod(P.Z * Q.Z * h, p) };
}

const fromAffine = (point: AffinePoint): JacobianPoint => ({ X: point.x, Y: point.y, Z: 1n });

function toAffine(curve: CurveParams, P: JacobianPoint): AffinePoint | undefined {
  if (P.Z === 0n) return undefined;
  const zInv = modInverse(P.Z, curve.p);
  const zInv2 = mod(zInv * zInv, curve.p);
  return { x: mod(P.X * zInv2, curve.p), y: mod(P.Y * zInv2 * zInv, curve.p) };
}

/** u1*G + u2*Q in one pass over the bits (Shamir's trick); undefined for the point at infinity. */
export function doubleScalarMultiply(
  curve: CurveParams,
  u1: bigint,
  u2: bigint,
  Q: AffinePoint,
): AffinePoint | undefined {
  const G = fromAffine({ x: curve.gx, y: curve.gy });
  const Qj = fromAffine(Q);
  const GQ = add(curve, G, Qj);
  let R = INFINITY;
  for (let bit = BigInt(Math.max(bitLength(u1), bitLength(u2))) - 1n; bit >= 0n; bit--) {
    R = double(curve, R);
    const b1 = (u1 >> bit) & 1n;
    const b2 = (u2 >> bit) & 1n;
    if (b1 && b2) R = add(curve, R, GQ);
    else if (b1) R = add(curve, R, G);
    else if (b2) R = add(curve, R, Qj);
  }
  return toAffine(curve, R);
}
