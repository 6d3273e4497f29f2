import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  CURVE_NAMES,
  generateEc,
  generateOct,
  generateRsaSync,
  keySize,
  publicJwk,
  toKeyObject,
  validateImportJwk,
  type PrivateJwk,
} from '../../../src/crypto/index.js';
import { NODE_CURVE, ecKey, rsaKey } from './fixtures.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

function badInputMessage(input: unknown): string {
  try {
    validateImportJwk(input);
  } catch (err) {
    expect(err).toBeInstanceOf(CryptoError);
    expect((err as CryptoError).reason).toBe('bad-input');
    return (err as CryptoError).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('generation', () => {
  it('makes RSA keys of the requested size and exponent', () => {
    const jwk = rsaKey().jwk;
    expect(jwk.kty).toBe('RSA');
    expect(keySize(jwk)).toBe(2048);
    expect(jwk.e).toBe('AQAB');
    const small = generateRsaSync(2048, 3);
    expect(small.e).toBe('Aw');
    expect(() => generateRsaSync(1024)).toThrow(CryptoError);
    expect(() => generateRsaSync(2048, 65536)).toThrow(CryptoError);
  });

  it('makes a 4096-bit RSA key', { timeout: 60_000 }, () => {
    const jwk = generateRsaSync(4096);
    expect(keySize(jwk)).toBe(4096);
    expect(validateImportJwk(jwk)).toEqual(jwk);
  });

  it.each(CURVE_NAMES.map((c) => [c]))('makes %s keys with Key Vault curve names', (curve) => {
    const jwk = generateEc(curve);
    expect(jwk).toMatchObject({ kty: 'EC', crv: curve });
    expect(keySize(jwk)).toBe({ 'P-256': 256, 'P-384': 384, 'P-521': 521, 'P-256K': 256 }[curve]);
    expect(Buffer.from(jwk.x!, 'base64url').length).toBe(Math.ceil(keySize(jwk) / 8));
    expect(validateImportJwk(jwk)).toEqual(jwk);
  });

  it.each([128, 192, 256, 512] as const)('makes %i-bit oct keys', (bits) => {
    const jwk = generateOct(bits);
    expect(jwk.kty).toBe('oct');
    expect(keySize(jwk)).toBe(bits);
    expect(() => generateOct(100 as 128)).toThrow(CryptoError);
  });
});

describe('publicJwk', () => {
  it('keeps only public members', () => {
    const keys: PrivateJwk[] = [rsaKey().jwk, { ...ecKey('P-256K').jwk, kty: 'EC-HSM' }, generateOct(256)];
    for (const jwk of keys) {
      const pub = publicJwk(jwk);
      for (const name of PRIVATE_MEMBERS) expect(pub).not.toHaveProperty(name);
    }
    const [rsa, ec, oct] = keys.map(publicJwk);
    expect(Object.keys(rsa!).sort()).toEqual(['e', 'kty', 'n']);
    expect(ec).toEqual({ kty: 'EC-HSM', crv: 'P-256K', x: keys[1]!.x, y: keys[1]!.y });
    expect(oct).toEqual({ kty: 'oct' });
  });
});

describe('toKeyObject', () => {
  it('builds keys node:crypto accepts, P-256K included, and reuses them', () => {
    const { jwk } = ecKey('P-256K');
    const pub = toKeyObject(jwk, 'public');
    expect(pub.asymmetricKeyDetails?.namedCurve).toBe('secp256k1');
    expect(toKeyObject(jwk, 'public')).toBe(pub);
    // A copy read afresh from storage finds the same key by its material.
    expect(toKeyObject({ ...jwk }, 'public')).toBe(pub);
    expect(toKeyObject(jwk, 'private').type).toBe('private');
  });

  it('refuses oct keys and missing private members with CryptoError', () => {
    expect(() => toKeyObject(generateOct(256), 'private')).toThrow(CryptoError);
    const { jwk } = rsaKey();
    expect(() => toKeyObject({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'private')).toThrow(CryptoError);
  });
});

describe('validateImportJwk', () => {
  it('accepts JWKs node:crypto exports, keeping -HSM and dropping non-key members', () => {
    const rsa = rsaKey().jwk;
    expect(validateImportJwk({ ...rsa, kty: 'RSA-HSM', key_ops: ['sign'], kid: 'x' })).toEqual({ ...rsa, kty: 'RSA-HSM' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const exported = privateKey.export({ format: 'jwk' });
    expect(validateImportJwk(exported)).toEqual({ kty: 'EC', crv: 'P-384', x: exported.x, y: exported.y, d: exported.d });
    const oct = generateOct(192);
    expect(validateImportJwk({ ...oct, kty: 'oct-HSM' })).toEqual({ ...oct, kty: 'oct-HSM' });
  });

  it('normalises padding and short EC members', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = privateKey.export({ format: 'jwk' });
    const padded = { ...exported, x: Buffer.from(exported.x!, 'base64url').toString('base64') .replace(/\+/g, '-').replace(/\//g, '_') };
    expect(validateImportJwk(padded).x).toBe(exported.x);
    // A P-521 private scalar with a leading zero byte dropped, as some encoders do.
    let jwk: PrivateJwk;
    do jwk = generateEc('P-521');
    while (Buffer.from(jwk.d!, 'base64url')[0] !== 0);
    const short = { ...jwk, d: Buffer.from(jwk.d!, 'base64url').subarray(1).toString('base64url') };
    expect(validateImportJwk(short).d).toBe(jwk.d);
  });

  it('refuses what is not a key', () => {
    expect(badInputMessage(null)).toMatch(/JSON Web Key/);
    expect(badInputMessage('RSA')).toMatch(/JSON Web Key/);
    expect(badInputMessage({ kty: 'OKP', crv: 'Ed25519' })).toMatch(/kty must be one of/);
  });

  it('refuses bad base64url', () => {
    const rsa = rsaKey().jwk;
    expect(badInputMessage({ ...rsa, e: 'AQ+B' })).toMatch(/'e' is not valid base64url/);
    expect(badInputMessage({ ...rsa, n: `${rsa.n!}*` })).toMatch(/'n' is not valid base64url/);
    expect(badInputMessage({ ...rsa, d: 12345 })).toMatch(/'d' must be a base64url string/);
    // A non-canonical final character (unused bits set) would silently decode to something else.
    expect(badInputMessage({ kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAB' })).toMatch(/not valid base64url/);
  });

  it('refuses RSA keys with missing or inconsistent private members', () => {
    const rsa = rsaKey().jwk;
    expect(badInputMessage({ kty: 'RSA', n: rsa.n, e: rsa.e })).toMatch(/missing: d, p, q, dp, dq, qi/);
    expect(badInputMessage({ ...rsa, d: undefined })).toMatch(/missing: d/);
    const other = generateRsaSync(2048);
    expect(badInputMessage({ ...rsa, p: other.p })).toMatch(/p \* q does not equal n/);
    expect(badInputMessage({ ...rsa, d: other.d })).toMatch(/do not match/);
    expect(badInputMessage({ ...rsa, qi: other.qi })).toMatch(/do not match/);
    expect(badInputMessage({ ...rsa, e: 'AAE' })).toMatch(/exponent/);
  });

  it('refuses EC keys: unknown curve, missing d, off-curve point, mismatched d', () => {
    const ec = ecKey('P-256').jwk;
    expect(badInputMessage({ ...ec, crv: 'P-192' })).toMatch(/crv must be one of P-256, P-384, P-521, P-256K/);
    expect(badInputMessage({ ...ec, crv: 'secp256k1' })).toMatch(/crv must be one of/);
    expect(badInputMessage({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y })).toMatch(/missing: d/);
    const y = Buffer.from(ec.y!, 'base64url');
    y[31] = (y[31] ?? 0) ^ 1;
    expect(badInputMessage({ ...ec, y: y.toString('base64url') })).toMatch(/not on curve P-256/);
    expect(badInputMessage({ ...ec, d: generateEc('P-256').d })).toMatch(/does not match/);
    expect(badInputMessage({ ...ec, d: Buffer.alloc(32).toString('base64url') })).toMatch(/out of range/);
    expect(badInputMessage({ ...ec, x: Buffer.alloc(33, 1).toString('base64url') })).toMatch(/longer than 32 bytes/);
  });

  it('refuses oct keys without k or of the wrong length', () => {
    expect(badInputMessage({ kty: 'oct' })).toMatch(/missing: k/);
    expect(badInputMessage({ kty: 'oct', k: Buffer.alloc(20).toString('base64url') })).toMatch(/128, 192, 256, 512 bits, not 160/);
  });

  it('gives node:crypto the secp256k1 name for P-256K', () => {
    const jwk = validateImportJwk(ecKey('P-256K').jwk);
    const viaNode = createPublicKey({ key: { kty: 'EC', crv: NODE_CURVE['P-256K'], x: jwk.x, y: jwk.y }, format: 'jwk' });
    expect(toKeyObject(jwk, 'public').equals(viaNode)).toBe(true);
  });
});
