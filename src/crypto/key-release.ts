import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { badInput, guard } from './errors.js';
import { keyFamily, memberBytes, type PrivateJwk } from './jwk-model.js';
import { toKeyObject } from './key-objects.js';

/*
 * The key material of a secure key release, wrapped for the attested target. Key Vault's `enc` names PKCS#11's
 * CKM_RSA_AES_KEY_WRAP: a fresh AES-256 key is encrypted with RSA-OAEP to the target's public key, the released key
 * is wrapped with that AES key by AES Key Wrap with Padding (RFC 5649), and the two are concatenated in that order.
 * The _256 and _384 variants differ only in the OAEP hash (the plain mechanism uses SHA-1, as PKCS#11's does).
 */

export const RELEASE_ENCS = ['CKM_RSA_AES_KEY_WRAP', 'RSA_AES_KEY_WRAP_256', 'RSA_AES_KEY_WRAP_384'] as const;
export type ReleaseEnc = (typeof RELEASE_ENCS)[number];

const OAEP_HASH: Record<ReleaseEnc, string> = {
  CKM_RSA_AES_KEY_WRAP: 'sha1',
  RSA_AES_KEY_WRAP_256: 'sha256',
  RSA_AES_KEY_WRAP_384: 'sha384',
};

const MIN_TARGET_BITS = 2048;
const SEMIBLOCK = 8;
/** RFC 5649 section 3: the alternative initial value's fixed half; the other half is the plaintext length. */
const KWP_ICV = 0xa65959a6;

/**
 * AES Key Wrap with Padding (RFC 5649), written out over single AES blocks rather than taken from OpenSSL's
 * id-aesN-wrap-pad, so that tests can check it against OpenSSL as an independent implementation.
 */
export function aesKeyWrapPad(kek: Buffer, plaintext: Buffer): Buffer {
  if (![16, 24, 32].includes(kek.length)) throw badInput('the key-encryption key must be 128, 192 or 256 bits');
  if (plaintext.length === 0 || plaintext.length > 0xffffffff) throw badInput('the data to wrap must be 1 byte to 4 GiB');
  const aes = createCipheriv(`aes-${kek.length * 8}-ecb`, kek, null).setAutoPadding(false);
  const encryptBlock = (block: Buffer): Buffer => aes.update(block);

  const padded = Buffer.alloc(Math.ceil(plaintext.length / SEMIBLOCK) * SEMIBLOCK);
  plaintext.copy(padded);
  const iv = Buffer.alloc(SEMIBLOCK);
  iv.writeUInt32BE(KWP_ICV, 0);
  iv.writeUInt32BE(plaintext.length, 4);

  // One semiblock of data is a single AES block (section 4.1); anything longer goes through RFC 3394's W.
  if (padded.length === SEMIBLOCK) return encryptBlock(Buffer.concat([iv, padded]));
  const n = padded.length / SEMIBLOCK;
  const r: Buffer[] = Array.from({ length: n }, (_, i) => padded.subarray(i * SEMIBLOCK, (i + 1) * SEMIBLOCK));
  let a = iv;
  for (let j = 0; j < 6; j++) {
    for (let i = 0; i < n; i++) {
      const b = encryptBlock(Buffer.concat([a, r[i]!]));
      a = Buffer.alloc(SEMIBLOCK);
      a.writeBigUInt64BE(b.readBigUInt64BE(0) ^ BigInt(n * j + i + 1));
      r[i] = b.subarray(SEMIBLOCK);
    }
  }
  return Buffer.concat([a, ...r]);
}

/** What leaves the vault: PKCS#8 DER for RSA and EC keys, the raw key bytes for symmetric ones. */
export function releasableMaterial(jwk: PrivateJwk): Buffer {
  if (keyFamily(jwk.kty) === 'oct') return memberBytes(jwk, 'k');
  return toKeyObject(jwk, 'private').export({ format: 'der', type: 'pkcs8' });
}

/** The RSA public key a target published (a JWK from its attestation token); bad-input when it is not one. */
export function targetWrappingKey(jwk: unknown): KeyObject {
  const given = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  if (given['kty'] !== 'RSA' || typeof given['n'] !== 'string' || typeof given['e'] !== 'string') {
    throw badInput('the target key is not an RSA public key (kty, n, e)');
  }
  const key = { kty: 'RSA', n: given['n'], e: given['e'] } as JsonWebKey;
  const publicKey = guard('bad-input', 'the target key is not a valid RSA public key', () => createPublicKey({ key, format: 'jwk' }));
  // Smaller moduli cannot carry an AES-256 key under OAEP with SHA-384, and no attested runtime key is that small.
  if ((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_TARGET_BITS) throw badInput(`the target key must be RSA of at least ${MIN_TARGET_BITS} bits`);
  return publicKey;
}

/** CKM_RSA_AES_KEY_WRAP and its variants: RSA-OAEP(AES-256 key) || AES-KWP(material). */
export function rsaAesKeyWrap(target: KeyObject, enc: ReleaseEnc, material: Buffer): Buffer {
  const aesKey = randomBytes(32);
  const wrappedAesKey = guard('bad-input', 'the target key is too small to wrap an AES-256 key', () =>
    publicEncrypt({ key: target, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[enc] }, aesKey),
  );
  return Buffer.concat([wrappedAesKey, aesKeyWrapPad(aesKey, material)]);
}
