import { createPrivateKey } from 'node:crypto';
import { bigintFromBytes, bitLength, fromBase64url, toBase64url, withoutLeadingZeros } from './bytes.js';
import { CURVES, type CurveParams } from './ec-curves.js';
import { isOnCurve, mod, modInverse } from './ec-math.js';
import { multiplyBase } from './ec-native.js';
import { badInput, guard } from './errors.js';
import { CURVE_NAMES, KTYS, RSA_PRIVATE_MEMBERS, keyFamily, toNodeJwk, type Kty, type PrivateJwk } from './jwk-model.js';

/** Byte lengths Key Vault accepts for symmetric keys: AES-128/192/256, and 512-bit HMAC keys. */
export const OCT_KEY_BYTES: readonly number[] = [16, 24, 32, 64];

const MIN_RSA_BITS = 1024;

type RsaMember = (typeof RSA_PRIVATE_MEMBERS)[number];

/**
 * Checks a JWK a client asks to import and returns just its key material, normalised (no '=' padding, no
 * leading zero bytes in RSA integers, EC members at full curve length). Key Vault imports private keys only:
 * RSA and EC need their private members, oct needs k. Throws CryptoError('bad-input') saying what is wrong.
 */
export function validateImportJwk(input: unknown): PrivateJwk {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badInput('the key must be a JSON Web Key object');
  }
  const raw = input as Record<string, unknown>;
  const kty = raw['kty'];
  if (typeof kty !== 'string' || !(KTYS as readonly string[]).includes(kty)) {
    throw badInput(`kty must be one of ${KTYS.join(', ')}`);
  }
  switch (keyFamily(kty as Kty)) {
    case 'RSA':
      return validateRsa(kty as Kty, raw);
    case 'EC':
      return validateEc(kty as Kty, raw);
    case 'oct':
      return validateOct(kty as Kty, raw);
  }
}

function requireMembers(kty: string, raw: Record<string, unknown>, names: readonly string[]): Map<string, Buffer> {
  const missing = names.filter((name) => raw[name] === undefined || raw[name] === null || raw[name] === '');
  if (missing.length > 0) {
    throw badInput(`an ${kty} key to import needs ${names.join(', ')}; missing: ${missing.join(', ')}`);
  }
  return new Map(names.map((name) => [name, fromBase64url(raw[name], `'${name}'`)]));
}

function validateRsa(kty: Kty, raw: Record<string, unknown>): PrivateJwk {
  const bytes = requireMembers(kty, raw, RSA_PRIVATE_MEMBERS) as Map<RsaMember, Buffer>;
  const jwk: PrivateJwk = { kty };
  const int = {} as Record<RsaMember, bigint>;
  for (const [name, value] of bytes) {
    jwk[name] = toBase64url(withoutLeadingZeros(value));
    int[name] = bigintFromBytes(value);
  }
  const { n, e, d, p, q, dp, dq, qi } = int;
  if (bitLength(n) < MIN_RSA_BITS) throw badInput(`the RSA modulus must be at least ${MIN_RSA_BITS} bits`);
  if (e < 3n || e % 2n === 0n) throw badInput('the RSA public exponent must be odd and at least 3');
  if (p < 2n || q < 2n || p * q !== n) throw badInput('p * q does not equal n');
  if (d <= 0n || d >= n) throw badInput("'d' is out of range");
  // The CRT members must agree with d and with each other, or signatures would depend on which path OpenSSL took.
  const consistent =
    dp === mod(d, p - 1n) &&
    dq === mod(d, q - 1n) &&
    mod(e * dp, p - 1n) === 1n &&
    mod(e * dq, q - 1n) === 1n &&
    qi === modInverseOrZero(q, p);
  if (!consistent) throw badInput("the RSA private members (d, dp, dq, qi) do not match n, e, p and q");
  guard('bad-input', 'the RSA key is not valid', () => createPrivateKey({ key: toNodeJwk(jwk, 'private'), format: 'jwk' }));
  return jwk;
}

const modInverseOrZero = (value: bigint, m: bigint): bigint => {
  try {
    return modInverse(value, m);
  } catch {
    return 0n;
  }
};

function validateEc(kty: Kty, raw: Record<string, unknown>): PrivateJwk {
  const crv = raw['crv'];
  const curve = CURVES.find((c) => c.name === crv);
  if (!curve) throw badInput(`crv must be one of ${CURVE_NAMES.join(', ')}`);
  const bytes = requireMembers(kty, raw, ['x', 'y', 'd']);
  const coordinate = (name: string): Buffer => fullLength(curve, name, bytes.get(name) ?? Buffer.alloc(0));
  const [x, y, d] = [coordinate('x'), coordinate('y'), coordinate('d')];
  const point = { x: bigintFromBytes(x), y: bigintFromBytes(y) };
  if (!isOnCurve(curve, point)) throw badInput(`the point (x, y) is not on curve ${curve.name}`);
  const scalar = bigintFromBytes(d);
  if (scalar < 1n || scalar >= curve.n) throw badInput("'d' is out of range for the curve");
  const derived = multiplyBase(curve, scalar);
  if (derived.x !== point.x || derived.y !== point.y) throw badInput("'d' does not match the public point (x, y)");
  return { kty, crv: curve.name, x: toBase64url(x), y: toBase64url(y), d: toBase64url(d) };
}

/**
 * RFC 7518 wants full-length members; some encoders drop leading zeros, which is harmless to accept, and some add a
 * zero sign byte (the Azure SDK for Java's JsonWebKey.fromEc writes BigInteger.toByteArray(), 49 bytes for a P-384
 * `d` whose top bit is set), which is as harmless to drop.
 */
function fullLength(curve: CurveParams, name: string, input: Buffer): Buffer {
  let value = input;
  while (value.length > curve.bytes && value[0] === 0) value = value.subarray(1);
  if (value.length > curve.bytes) throw badInput(`'${name}' is longer than ${curve.bytes} bytes for ${curve.name}`);
  return Buffer.concat([Buffer.alloc(curve.bytes - value.length), value]);
}

function validateOct(kty: Kty, raw: Record<string, unknown>): PrivateJwk {
  const k = requireMembers(kty, raw, ['k']).get('k') ?? Buffer.alloc(0);
  if (!OCT_KEY_BYTES.includes(k.length)) {
    throw badInput(`an oct key must be ${OCT_KEY_BYTES.map((b) => b * 8).join(', ')} bits, not ${k.length * 8}`);
  }
  return { kty, k: toBase64url(k) };
}
