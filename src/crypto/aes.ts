import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { badInput, decryptFailed } from './errors.js';

/*
 * AES for oct keys, in the three modes Key Vault offers. Node names the ciphers by key size, so the key length
 * picks the variant; callers have already matched it to the algorithm. OpenSSL errors (a failed tag check, bad
 * padding) are left to the caller to turn into one CryptoError.
 */

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const BLOCK_BYTES = 16;
/** RFC 3394 section 2.2.3.1 default initial value. */
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
/** RFC 5649 section 3 alternative initial value's constant half (OpenSSL adds the length itself). */
const KWP_IV = Buffer.from('a65959a6', 'hex');

export interface AesResult {
  value: Buffer;
  iv?: Buffer;
  tag?: Buffer;
}

const bits = (key: Buffer): number => key.length * 8;
const gcm = (key: Buffer): CipherGCMTypes => `aes-${bits(key)}-gcm` as CipherGCMTypes;

function requireLength(what: string, value: Buffer | undefined, length: number): Buffer {
  if (value === undefined) throw badInput(`${what} is required`);
  if (value.length !== length) throw badInput(`${what} must be ${length} bytes, not ${value.length}`);
  return value;
}

const ivOrFresh = (iv: Buffer | undefined, length: number): Buffer =>
  iv === undefined ? randomBytes(length) : requireLength('the iv', iv, length);

export function gcmEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer | undefined, aad: Buffer | undefined): AesResult {
  const nonce = ivOrFresh(iv, GCM_IV_BYTES);
  const cipher = createCipheriv(gcm(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
  if (aad) cipher.setAAD(aad);
  const value = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { value, iv: nonce, tag: cipher.getAuthTag() };
}

export function gcmDecrypt(key: Buffer, ciphertext: Buffer, iv?: Buffer, tag?: Buffer, aad?: Buffer): Buffer {
  const nonce = requireLength('the iv', iv, GCM_IV_BYTES);
  const authTag = requireLength('the authentication tag', tag, GCM_TAG_BYTES);
  const decipher = createDecipheriv(gcm(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(authTag);
  if (aad) decipher.setAAD(aad);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** CBC without padding needs whole blocks; CBCPAD adds PKCS#7 padding. */
export function cbcEncrypt(key: Buffer, plaintext: Buffer, iv: Buffer | undefined, pad: boolean): AesResult {
  if (!pad && plaintext.length % BLOCK_BYTES !== 0) {
    throw badInput(`without padding the plaintext must be a multiple of ${BLOCK_BYTES} bytes`);
  }
  const nonce = ivOrFresh(iv, BLOCK_BYTES);
  const cipher = createCipheriv(`aes-${bits(key)}-cbc`, key, nonce).setAutoPadding(pad);
  return { value: Buffer.concat([cipher.update(plaintext), cipher.final()]), iv: nonce };
}

export function cbcDecrypt(key: Buffer, ciphertext: Buffer, iv: Buffer | undefined, pad: boolean): Buffer {
  const nonce = requireLength('the iv', iv, BLOCK_BYTES);
  if (ciphertext.length % BLOCK_BYTES !== 0 || (pad && ciphertext.length === 0)) {
    throw badInput(`the ciphertext must be a ${pad ? 'non-empty ' : ''}multiple of ${BLOCK_BYTES} bytes`);
  }
  const decipher = createDecipheriv(`aes-${bits(key)}-cbc`, key, nonce).setAutoPadding(pad);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** AES Key Wrap, RFC 3394: the key to wrap is at least two 64-bit blocks. */
export function kwWrap(kek: Buffer, keyData: Buffer): Buffer {
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw badInput('the key to wrap must be a multiple of 8 bytes and at least 16 bytes');
  }
  const cipher = createCipheriv(`id-aes${bits(kek)}-wrap`, kek, KW_IV);
  return Buffer.concat([cipher.update(keyData), cipher.final()]);
}

export function kwUnwrap(kek: Buffer, wrapped: Buffer): Buffer {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw decryptFailed();
  const decipher = createDecipheriv(`id-aes${bits(kek)}-wrap`, kek, KW_IV);
  return Buffer.concat([decipher.update(wrapped), decipher.final()]);
}

/** AES Key Wrap with Padding, RFC 5649: any non-empty key data, padded to 8 bytes inside the wrap. */
export function kwpWrap(kek: Buffer, keyData: Buffer): Buffer {
  if (keyData.length === 0) throw badInput('the key to wrap must not be empty');
  const cipher = createCipheriv(`id-aes${bits(kek)}-wrap-pad`, kek, KWP_IV);
  return Buffer.concat([cipher.update(keyData), cipher.final()]);
}

export function kwpUnwrap(kek: Buffer, wrapped: Buffer): Buffer {
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) throw decryptFailed();
  const decipher = createDecipheriv(`id-aes${bits(kek)}-wrap-pad`, kek, KWP_IV);
  return Buffer.concat([decipher.update(wrapped), decipher.final()]);
}
