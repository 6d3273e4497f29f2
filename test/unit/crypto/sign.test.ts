import { constants, createHmac, sign, verify } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';
import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  SIGN_ALGS,
  algFitsKey,
  digestLength,
  generateOct,
  signDigest,
  verifyDigest,
  type Curve,
  type SignAlg,
} from '../../../src/crypto/index.js';
import { ecKey, flipBit, nodeRsaKey, rsaKey, sha } from './fixtures.js';

const message = Buffer.from('Kyanite signs what the client hashed');
const hashOf = (bits: string): string => `sha${bits}`;

describe('RS256/384/512 (PKCS#1 v1.5)', () => {
  describe.each(['256', '384', '512'])('RS%s', (bits) => {
    const alg = `RS${bits}` as SignAlg;
    const hash = hashOf(bits);

    it('verifies with node:crypto over the original message', () => {
      const { jwk, publicKey } = rsaKey();
      const signature = signDigest(jwk, alg, sha(hash, message));
      expect(verify(hash, message, publicKey, signature)).toBe(true);
    });

    it('accepts node:crypto signatures and rejects tampered ones', () => {
      const { jwk, privateKey } = rsaKey();
      const digest = sha(hash, message);
      const signature = sign(hash, message, privateKey);
      expect(verifyDigest(jwk, alg, digest, signature)).toBe(true);
      expect(verifyDigest(jwk, alg, digest, flipBit(signature, 100))).toBe(false);
      expect(verifyDigest(jwk, alg, flipBit(digest), signature)).toBe(false);
      expect(verifyDigest(jwk, alg, digest, signature.subarray(1))).toBe(false);
    });
  });
});

describe('PS256/384/512 (PSS, salt = hash length)', () => {
  describe.each(['256', '384', '512'])('PS%s', (bits) => {
    const alg = `PS${bits}` as SignAlg;
    const hash = hashOf(bits);
    const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestLength(alg) };

    it('verifies with node:crypto, and salts each signature afresh', () => {
      const { jwk, publicKey } = rsaKey();
      const digest = sha(hash, message);
      const first = signDigest(jwk, alg, digest);
      expect(verify(hash, message, { key: publicKey, ...pss }, first)).toBe(true);
      expect(signDigest(jwk, alg, digest).equals(first)).toBe(false);
    });

    it('accepts node:crypto signatures and rejects tampered ones', () => {
      const { jwk, privateKey } = rsaKey();
      const digest = sha(hash, message);
      const signature = sign(hash, message, { key: privateKey, ...pss });
      expect(verifyDigest(jwk, alg, digest, signature)).toBe(true);
      expect(verifyDigest(jwk, alg, digest, flipBit(signature, 5))).toBe(false);
      expect(verifyDigest(jwk, alg, flipBit(digest, 3), signature)).toBe(false);
    });
  });

  it('handles a modulus whose encoded message is a byte shorter than the modulus (bits = 8k + 1)', () => {
    const { jwk, publicKey, privateKey } = nodeRsaKey(1025);
    const digest = sha('sha256', message);
    const signature = signDigest(jwk, 'PS256', digest);
    expect(signature.length).toBe(129);
    expect(verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)).toBe(true);
    const theirs = sign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    expect(verifyDigest(jwk, 'PS256', digest, theirs)).toBe(true);
  });

  it('refuses a key too short for the hash', () => {
    const { jwk } = nodeRsaKey(1024);
    expect(() => signDigest(jwk, 'PS512', sha('sha512', message))).toThrow(CryptoError);
  });
});

const EC_CASES: [SignAlg, Curve, string][] = [
  ['ES256', 'P-256', 'sha256'],
  ['ES384', 'P-384', 'sha384'],
  ['ES512', 'P-521', 'sha512'],
  ['ES256K', 'P-256K', 'sha256'],
];

describe.each(EC_CASES)('%s on %s', (alg, curve, hash) => {
  const bytes = { 'P-256': 32, 'P-384': 48, 'P-521': 66, 'P-256K': 32 }[curve];

  it('makes r||s signatures node:crypto verifies (IEEE P1363)', () => {
    const { jwk, publicKey } = ecKey(curve);
    for (let i = 0; i < 5; i++) {
      const signature = signDigest(jwk, alg, sha(hash, message));
      expect(signature.length).toBe(2 * bytes);
      expect(verify(hash, message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    }
  });

  it('accepts node:crypto signatures and rejects tampered ones', () => {
    const { jwk, privateKey } = ecKey(curve);
    const digest = sha(hash, message);
    const signature = sign(hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyDigest(jwk, alg, digest, signature)).toBe(true);
    expect(verifyDigest(jwk, alg, digest, flipBit(signature, bytes + 3))).toBe(false);
    expect(verifyDigest(jwk, alg, flipBit(digest, 7), signature)).toBe(false);
    expect(verifyDigest(jwk, alg, digest, Buffer.alloc(2 * bytes))).toBe(false);
    expect(verifyDigest(jwk, alg, digest, signature.subarray(1))).toBe(false);
  });
});

describe('ES256K against @noble/curves', () => {
  const publicBytes = (x: string, y: string): Uint8Array =>
    Buffer.concat([Buffer.of(4), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]);

  it('noble verifies our signatures over the digest (no prehash, high S allowed)', () => {
    const { jwk } = ecKey('P-256K');
    const pub = publicBytes(jwk.x!, jwk.y!);
    for (let i = 0; i < 8; i++) {
      const digest = sha('sha256', `message ${i}`);
      const signature = signDigest(jwk, 'ES256K', digest);
      expect(secp256k1.verify(signature, digest, pub, { prehash: false, lowS: false })).toBe(true);
    }
  });

  it('verifies noble signatures and rejects them for another digest', () => {
    const { jwk } = ecKey('P-256K');
    const digest = sha('sha256', message);
    const signature = secp256k1.sign(digest, Buffer.from(jwk.d!, 'base64url'), { prehash: false }).toCompactRawBytes();
    expect(verifyDigest(jwk, 'ES256K', digest, Buffer.from(signature))).toBe(true);
    expect(verifyDigest(jwk, 'ES256K', sha('sha256', 'other'), Buffer.from(signature))).toBe(false);
  });
});

describe.each(['256', '384', '512'])('HS%s', (bits) => {
  const alg = `HS${bits}` as SignAlg;
  const hash = hashOf(bits);

  it('is HMAC over the given digest with the oct key, checked with node:crypto', () => {
    const jwk = generateOct(256);
    const digest = sha(hash, message);
    const expected = createHmac(hash, Buffer.from(jwk.k!, 'base64url')).update(digest).digest();
    expect(signDigest(jwk, alg, digest)).toEqual(expected);
    expect(verifyDigest(jwk, alg, digest, expected)).toBe(true);
    expect(verifyDigest(jwk, alg, digest, flipBit(expected))).toBe(false);
    expect(verifyDigest(jwk, alg, digest, expected.subarray(1))).toBe(false);
  });
});

describe('inputs the service must refuse', () => {
  it('digestLength gives each algorithm its hash size', () => {
    expect(SIGN_ALGS.map((alg) => [alg, digestLength(alg)])).toEqual([
      ['RS256', 32], ['RS384', 48], ['RS512', 64],
      ['PS256', 32], ['PS384', 48], ['PS512', 64],
      ['ES256', 32], ['ES384', 48], ['ES512', 64], ['ES256K', 32],
      ['HS256', 32], ['HS384', 48], ['HS512', 64],
    ]);
  });

  it('refuses a digest of the wrong length, for signing and verifying', () => {
    const { jwk } = ecKey('P-256');
    const error = (() => {
      try {
        signDigest(jwk, 'ES256', Buffer.alloc(31));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as CryptoError).reason).toBe('bad-input');
    expect(() => verifyDigest(rsaKey().jwk, 'RS384', Buffer.alloc(32), Buffer.alloc(256))).toThrow(CryptoError);
    expect(() => signDigest(generateOct(128), 'HS512', Buffer.alloc(32))).toThrow(CryptoError);
  });

  it('algFitsKey matches algorithm families and ECDSA curves', () => {
    const rsa = rsaKey().jwk;
    const p256 = ecKey('P-256').jwk;
    const k256 = ecKey('P-256K').jwk;
    const oct = generateOct(256);
    expect(SIGN_ALGS.filter((alg) => algFitsKey(rsa, alg))).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    expect(SIGN_ALGS.filter((alg) => algFitsKey(p256, alg))).toEqual(['ES256']);
    expect(SIGN_ALGS.filter((alg) => algFitsKey(k256, alg))).toEqual(['ES256K']);
    expect(SIGN_ALGS.filter((alg) => algFitsKey(oct, alg))).toEqual(['HS256', 'HS384', 'HS512']);
    expect(algFitsKey({ ...rsa, kty: 'RSA-HSM' }, 'PS256')).toBe(true);
    expect(algFitsKey(rsa, 'RSNULL' as SignAlg)).toBe(false);
  });

  it('refuses an algorithm that does not fit the key, and an unknown one', () => {
    expect(() => signDigest(ecKey('P-384').jwk, 'ES256', Buffer.alloc(32))).toThrow(CryptoError);
    expect(() => signDigest(rsaKey().jwk, 'HS256', Buffer.alloc(32))).toThrow(CryptoError);
    expect(() => signDigest(generateOct(256), 'RS256', Buffer.alloc(32))).toThrow(CryptoError);
    expect(() => signDigest(rsaKey().jwk, 'RSNULL' as SignAlg, Buffer.alloc(32))).toThrow(
      expect.objectContaining({ reason: 'unsupported' }),
    );
  });

  it('turns broken key material into CryptoError, not an OpenSSL error', () => {
    const { jwk } = rsaKey();
    expect(() => signDigest({ ...jwk, n: 'AQAB' }, 'RS256', Buffer.alloc(32))).toThrow(CryptoError);
    expect(() => signDigest({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'RS256', Buffer.alloc(32))).toThrow(CryptoError);
    const ec = ecKey('P-256').jwk;
    expect(() => verifyDigest({ ...ec, y: ec.x! }, 'ES256', Buffer.alloc(32), Buffer.alloc(64))).toThrow(CryptoError);
  });

  it('verifies with a public-only JWK', () => {
    const { jwk } = rsaKey();
    const digest = sha('sha256', message);
    const signature = signDigest(jwk, 'RS256', digest);
    expect(verifyDigest({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'RS256', digest, signature)).toBe(true);
  });
});

describe('RSA signature length (RFC 8017: exactly the modulus length)', () => {
  it('refuses a PKCS#1 v1.5 signature with its leading zero byte cut, which OpenSSL would otherwise accept', () => {
    const { jwk, privateKey } = rsaKey();
    // Find a message whose signature starts with 0x00: about one in 256 do.
    let signature: Buffer = Buffer.alloc(0);
    let digest: Buffer = Buffer.alloc(0);
    for (let i = 0; ; i++) {
      const m = Buffer.from(`message ${i}`);
      signature = sign('sha256', m, privateKey);
      if (signature[0] === 0) {
        digest = sha('sha256', m);
        break;
      }
    }
    expect(verifyDigest(jwk, 'RS256', digest, signature)).toBe(true);
    expect(verifyDigest(jwk, 'RS256', digest, signature.subarray(1))).toBe(false);
  });
});
