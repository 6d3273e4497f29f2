import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { badInput, decryptFailed } from './errors.js';
import { HASH_BYTES } from './hashes.js';
import type { PrivateJwk } from './jwk-model.js';
import { modulusBits, toKeyObject } from './key-objects.js';

export type RsaEncAlg = 'RSA1_5' | 'RSA-OAEP' | 'RSA-OAEP-256';

const OAEP_HASH = { 'RSA-OAEP': 'sha1', 'RSA-OAEP-256': 'sha256' } as const;

/** Largest plaintext the padding leaves room for (RFC 8017 sections 7.1.1 and 7.2.1). */
function maxPlaintext(alg: RsaEncAlg, modulusBytes: number): number {
  return alg === 'RSA1_5' ? modulusBytes - 11 : modulusBytes - 2 * HASH_BYTES[OAEP_HASH[alg]] - 2;
}

export function rsaEncrypt(jwk: PrivateJwk, alg: RsaEncAlg, plaintext: Buffer): Buffer {
  const key = toKeyObject(jwk, 'public');
  const max = maxPlaintext(alg, Math.ceil(modulusBits(key) / 8));
  if (plaintext.length > max) throw badInput(`${alg} with this key encrypts at most ${max} bytes`);
  return alg === 'RSA1_5'
    ? publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plaintext)
    : publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg] }, plaintext);
}

export function rsaDecrypt(jwk: PrivateJwk, alg: RsaEncAlg, ciphertext: Buffer): Buffer {
  const key = toKeyObject(jwk, 'private');
  if (alg !== 'RSA1_5') {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[alg] }, ciphertext);
  }
  // Node refuses PKCS#1 v1.5 private decryption (CVE-2023-46809) on every supported major (20.11.1+, 22, 24) unless
  // started with --security-revert, so undo the padding over the bare RSA result: the same code on each version.
  if (ciphertext.length !== Math.ceil(modulusBits(key) / 8)) throw decryptFailed();
  return stripPkcs1Type2(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext));
}

/**
 * EME-PKCS1-v1_5 decoding (RFC 8017 section 7.2.2): 0x00 || 0x02 || at least 8 non-zero bytes || 0x00 || M.
 * Every malformed block gets the same error, and the whole block is scanned either way, so callers cannot tell
 * which check failed (the padding-oracle concern behind the CVE); JavaScript gives no stronger timing promise.
 */
export function stripPkcs1Type2(block: Buffer): Buffer {
  let separator = 0;
  for (let i = 2; i < block.length; i++) {
    if (block[i] === 0 && separator === 0) separator = i;
  }
  const wellFormed = block[0] === 0x00 && block[1] === 0x02 && separator >= 10;
  if (!wellFormed) throw decryptFailed();
  return block.subarray(separator + 1);
}
