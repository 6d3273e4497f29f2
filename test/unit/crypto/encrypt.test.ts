import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CryptoError,
  ENC_ALGS,
  decrypt,
  encAlgFitsKey,
  encrypt,
  generateOct,
  unwrapKey,
  wrapKey,
  type EncAlg,
  type PrivateJwk,
} from '../../../src/crypto/index.js';
import { ecKey, flipBit, rsaKey } from './fixtures.js';

const plaintext = Buffer.from('a secret worth keeping, 32 bytes');
const octBytes = (jwk: PrivateJwk): Buffer => Buffer.from(jwk.k!, 'base64url');

/** Runs `work` and returns the CryptoError it throws. */
function cryptoErrorOf(work: () => unknown): CryptoError {
  try {
    work();
  } catch (err) {
    if (err instanceof CryptoError) return err;
    throw new Error(`expected a CryptoError, got ${String(err)}`);
  }
  throw new Error('expected a CryptoError, nothing was thrown');
}

describe.each([
  ['RSA-OAEP', 'sha1'],
  ['RSA-OAEP-256', 'sha256'],
] as const)('%s', (alg, oaepHash) => {
  it(`encrypts so node:crypto decrypts with OAEP over ${oaepHash}`, () => {
    const { jwk, privateKey } = rsaKey();
    const { value } = encrypt(jwk, alg, plaintext);
    expect(value.length).toBe(256);
    expect(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, value)).toEqual(plaintext);
  });

  it('decrypts what node:crypto encrypted, and unwraps what it wrapped', () => {
    const { jwk, publicKey } = rsaKey();
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
    expect(decrypt(jwk, alg, ciphertext)).toEqual(plaintext);
    expect(unwrapKey(jwk, alg, ciphertext)).toEqual(plaintext);
    expect(unwrapKey(jwk, alg, wrapKey(jwk, alg, plaintext))).toEqual(plaintext);
  });

  it('fails closed on a damaged ciphertext', () => {
    const { jwk } = rsaKey();
    const { value } = encrypt(jwk, alg, plaintext);
    expect(cryptoErrorOf(() => decrypt(jwk, alg, flipBit(value, 10))).reason).toBe('decrypt-failed');
  });
});

describe('RSA1_5', () => {
  const { RSA_NO_PADDING, RSA_PKCS1_PADDING } = constants;

  it('round-trips through our encrypt and decrypt, and wrapKey and unwrapKey', () => {
    const { jwk } = rsaKey();
    expect(decrypt(jwk, 'RSA1_5', encrypt(jwk, 'RSA1_5', plaintext).value)).toEqual(plaintext);
    expect(unwrapKey(jwk, 'RSA1_5', wrapKey(jwk, 'RSA1_5', plaintext))).toEqual(plaintext);
  });

  it('decrypts node:crypto PKCS#1 v1.5 ciphertexts, the empty message included', () => {
    const { jwk, publicKey } = rsaKey();
    for (const message of [plaintext, Buffer.alloc(0), randomBytes(245)]) {
      const ciphertext = publicEncrypt({ key: publicKey, padding: RSA_PKCS1_PADDING }, message);
      expect(decrypt(jwk, 'RSA1_5', ciphertext)).toEqual(message);
    }
  });

  it('refuses every malformed block with the same decrypt-failed error', () => {
    const { jwk, publicKey } = rsaKey();
    const rawEncrypt = (block: Buffer): Buffer => publicEncrypt({ key: publicKey, padding: RSA_NO_PADDING }, block);
    const block = (head: number[], psLength: number, message = plaintext): Buffer => {
      const padding = Buffer.alloc(psLength, 0x5a);
      const body = Buffer.concat([Buffer.from(head), padding, Buffer.of(0), message]);
      return Buffer.concat([body, Buffer.alloc(256 - body.length, 0x5a)]).subarray(0, 256);
    };
    const malformed = [
      rawEncrypt(block([0x00, 0x01], 256 - 3 - plaintext.length)), // block type 1 (signature padding)
      rawEncrypt(block([0x01, 0x02], 256 - 3 - plaintext.length)), // leading byte not zero
      rawEncrypt(Buffer.concat([Buffer.of(0x00, 0x02), Buffer.alloc(254, 0x77)])), // no separator
      rawEncrypt(Buffer.concat([Buffer.of(0x00, 0x02), Buffer.alloc(7, 0x77), Buffer.of(0), Buffer.alloc(246, 1)])), // padding < 8 bytes
      encrypt(jwk, 'RSA1_5', plaintext).value.subarray(1), // one byte short
      Buffer.alloc(256, 0xff), // not below the modulus
      Buffer.alloc(0),
    ];
    const errors = malformed.map((ciphertext) => cryptoErrorOf(() => decrypt(jwk, 'RSA1_5', ciphertext)));
    expect(new Set(errors.map((e) => `${e.reason}: ${e.message}`))).toEqual(
      new Set(['decrypt-failed: the ciphertext could not be decrypted']),
    );
  });

  it('refuses a plaintext longer than the padding allows', () => {
    const { jwk } = rsaKey();
    expect(cryptoErrorOf(() => encrypt(jwk, 'RSA1_5', Buffer.alloc(246))).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(jwk, 'RSA-OAEP-256', Buffer.alloc(191))).reason).toBe('bad-input');
    expect(encrypt(jwk, 'RSA-OAEP-256', Buffer.alloc(190)).value.length).toBe(256);
  });
});

describe.each([128, 192, 256] as const)('AES-%i', (bits) => {
  const jwk = generateOct(bits);
  const key = octBytes(jwk);
  const gcm = `A${bits}GCM` as EncAlg;
  const cbc = `A${bits}CBC` as EncAlg;
  const cbcpad = `A${bits}CBCPAD` as EncAlg;
  const kw = `A${bits}KW` as EncAlg;

  it('GCM matches node:crypto in both directions, with aad', () => {
    const iv = randomBytes(12);
    const aad = Buffer.from('header');
    const ours = encrypt(jwk, gcm, plaintext, { iv, aad });
    expect(ours.iv).toEqual(iv);
    const decipher = createDecipheriv(`aes-${bits}-gcm`, key, iv).setAuthTag(ours.tag!).setAAD(aad);
    expect(Buffer.concat([decipher.update(ours.value), decipher.final()])).toEqual(plaintext);

    const cipher = createCipheriv(`aes-${bits}-gcm`, key, iv).setAAD(aad);
    const value = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    expect(decrypt(jwk, gcm, value, { iv, aad, tag: cipher.getAuthTag() })).toEqual(plaintext);
  });

  it('GCM makes a 12-byte iv and a 16-byte tag, and fails closed on tampering', () => {
    const { value, iv, tag } = encrypt(jwk, gcm, plaintext);
    expect([iv?.length, tag?.length]).toEqual([12, 16]);
    expect(decrypt(jwk, gcm, value, { iv, tag })).toEqual(plaintext);
    for (const opts of [
      { iv, tag: flipBit(tag!) },
      { iv, tag, aad: Buffer.from('x') },
      { iv: flipBit(iv!), tag },
    ]) {
      expect(cryptoErrorOf(() => decrypt(jwk, gcm, value, opts)).reason).toBe('decrypt-failed');
    }
    expect(cryptoErrorOf(() => decrypt(jwk, gcm, flipBit(value), { iv, tag })).reason).toBe('decrypt-failed');
    expect(cryptoErrorOf(() => decrypt(jwk, gcm, value, { iv })).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => decrypt(jwk, gcm, value, { iv, tag: tag!.subarray(4) })).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(jwk, gcm, plaintext, { iv: randomBytes(16) })).reason).toBe('bad-input');
  });

  it('CBC (no padding) matches node:crypto and needs whole blocks', () => {
    const iv = randomBytes(16);
    const ours = encrypt(jwk, cbc, plaintext, { iv });
    const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv).setAutoPadding(false);
    expect(ours.value).toEqual(Buffer.concat([cipher.update(plaintext), cipher.final()]));
    expect(decrypt(jwk, cbc, ours.value, { iv })).toEqual(plaintext);
    expect(encrypt(jwk, cbc, plaintext).iv?.length).toBe(16);
    expect(cryptoErrorOf(() => encrypt(jwk, cbc, plaintext.subarray(1))).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => decrypt(jwk, cbc, ours.value)).reason).toBe('bad-input');
  });

  it('CBCPAD is PKCS#7 as node:crypto does it, and fails closed on bad padding', () => {
    const iv = randomBytes(16);
    const message = Buffer.from('not a whole number of blocks');
    const ours = encrypt(jwk, cbcpad, message, { iv });
    const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv);
    expect(ours.value).toEqual(Buffer.concat([cipher.update(message), cipher.final()]));
    expect(decrypt(jwk, cbcpad, ours.value, { iv })).toEqual(message);
    const zeroTail = encrypt(jwk, cbc, Buffer.alloc(16), { iv }).value;
    expect(cryptoErrorOf(() => decrypt(jwk, cbcpad, zeroTail, { iv })).reason).toBe('decrypt-failed');
    expect(cryptoErrorOf(() => decrypt(jwk, cbcpad, ours.value.subarray(1), { iv })).reason).toBe('bad-input');
  });

  it('KW wraps and unwraps, fails closed on tampering, and is not an encryption algorithm', () => {
    const secret = randomBytes(32);
    const wrapped = wrapKey(jwk, kw, secret);
    expect(wrapped.length).toBe(40);
    expect(unwrapKey(jwk, kw, wrapped)).toEqual(secret);
    expect(cryptoErrorOf(() => unwrapKey(jwk, kw, flipBit(wrapped, 20))).reason).toBe('decrypt-failed');
    expect(cryptoErrorOf(() => unwrapKey(jwk, kw, wrapped.subarray(8, 24))).reason).toBe('decrypt-failed');
    expect(cryptoErrorOf(() => wrapKey(jwk, kw, randomBytes(12))).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(jwk, kw, plaintext)).reason).toBe('unsupported');
    expect(cryptoErrorOf(() => decrypt(jwk, kw, wrapped)).reason).toBe('unsupported');
    expect(cryptoErrorOf(() => wrapKey(jwk, gcm, secret)).reason).toBe('unsupported');
  });
});

describe('AES key wrap against RFC 3394', () => {
  it('section 4.1: 128-bit key data with a 128-bit KEK', () => {
    const kek: PrivateJwk = { kty: 'oct', k: Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex').toString('base64url') };
    const keyData = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
    const expected = Buffer.from('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5', 'hex');
    expect(wrapKey(kek, 'A128KW', keyData)).toEqual(expected);
    expect(unwrapKey(kek, 'A128KW', expected)).toEqual(keyData);
  });

  it('section 4.6: 256-bit key data with a 256-bit KEK', () => {
    const kek: PrivateJwk = {
      kty: 'oct-HSM',
      k: Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex').toString('base64url'),
    };
    const keyData = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const expected = Buffer.from('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21', 'hex');
    expect(wrapKey(kek, 'A256KW', keyData)).toEqual(expected);
    expect(unwrapKey(kek, 'A256KW', expected)).toEqual(keyData);
  });
});

describe('CKM_AES_KEY_WRAP and CKM_AES_KEY_WRAP_PAD', () => {
  it('CKM_AES_KEY_WRAP is RFC 3394 with a KEK of any AES size (section 4.1 vector)', () => {
    const kek: PrivateJwk = { kty: 'oct-HSM', k: Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex').toString('base64url') };
    const keyData = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
    const expected = Buffer.from('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5', 'hex');
    expect(wrapKey(kek, 'CKM_AES_KEY_WRAP', keyData)).toEqual(expected);
    expect(unwrapKey(kek, 'CKM_AES_KEY_WRAP', expected)).toEqual(keyData);
  });

  it('CKM_AES_KEY_WRAP_PAD is RFC 5649 (section 6 vectors: 20 and 7 octets under a 192-bit KEK)', () => {
    const kek: PrivateJwk = { kty: 'oct-HSM', k: Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex').toString('base64url') };
    const vectors = [
      ['c37b7e6492584340bed12207808941155068f738', '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a'],
      ['466f7250617369', 'afbeb0f07dfbf5419200f2ccb50bb24f'],
    ];
    for (const [key, wrapped] of vectors) {
      expect(wrapKey(kek, 'CKM_AES_KEY_WRAP_PAD', Buffer.from(key!, 'hex')).toString('hex')).toBe(wrapped);
      expect(unwrapKey(kek, 'CKM_AES_KEY_WRAP_PAD', Buffer.from(wrapped!, 'hex')).toString('hex')).toBe(key);
    }
    expect(cryptoErrorOf(() => unwrapKey(kek, 'CKM_AES_KEY_WRAP_PAD', flipBit(Buffer.from(vectors[0]![1]!, 'hex'), 9))).reason).toBe('decrypt-failed');
    expect(cryptoErrorOf(() => wrapKey(kek, 'CKM_AES_KEY_WRAP_PAD', Buffer.alloc(0))).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(kek, 'CKM_AES_KEY_WRAP_PAD', plaintext)).reason).toBe('unsupported');
  });
});

describe('algorithm and key fit', () => {
  it('encAlgFitsKey wants RSA keys for RSA algorithms and oct keys of the right size for AES', () => {
    const fitting = (jwk: PrivateJwk): EncAlg[] => ENC_ALGS.filter((alg) => encAlgFitsKey(jwk, alg));
    expect(fitting(rsaKey().jwk)).toEqual(['RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256']);
    const ckm = ['CKM_AES_KEY_WRAP', 'CKM_AES_KEY_WRAP_PAD'];
    expect(fitting(generateOct(128))).toEqual(['A128GCM', 'A128CBC', 'A128CBCPAD', 'A128KW', ...ckm]);
    expect(fitting(generateOct(192))).toEqual(['A192GCM', 'A192CBC', 'A192CBCPAD', 'A192KW', ...ckm]);
    expect(fitting({ ...generateOct(256), kty: 'oct-HSM' })).toEqual(['A256GCM', 'A256CBC', 'A256CBCPAD', 'A256KW', ...ckm]);
    expect(fitting(generateOct(512))).toEqual([]);
    expect(fitting(ecKey('P-256').jwk)).toEqual([]);
    expect(encAlgFitsKey(generateOct(128), 'A128KWPAD' as EncAlg)).toBe(false);
  });

  it('encrypt refuses a key that does not fit, and an unknown algorithm', () => {
    expect(cryptoErrorOf(() => encrypt(generateOct(128), 'A256GCM', plaintext)).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(generateOct(128), 'RSA-OAEP', plaintext)).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(rsaKey().jwk, 'A128CBC', plaintext)).reason).toBe('bad-input');
    expect(cryptoErrorOf(() => encrypt(rsaKey().jwk, 'RSA-OAEP-384' as EncAlg, plaintext)).reason).toBe('unsupported');
  });

  it('RSA decryption needs the private key', () => {
    const { jwk } = rsaKey();
    const { value } = encrypt({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'RSA-OAEP', plaintext);
    expect(cryptoErrorOf(() => decrypt({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'RSA-OAEP', value)).reason).toBe('bad-input');
  });
});
