import { constants, privateEncrypt, publicDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { sameBytes } from './bytes.js';
import type { HashName } from './hashes.js';
import type { PrivateJwk } from './jwk-model.js';
import { modulusBits, toKeyObject } from './key-objects.js';
import { emsaPssEncode, emsaPssVerify } from './pss.js';

export type RsaSignHash = Exclude<HashName, 'sha1'>;

/** DER of DigestInfo up to the digest itself, from RFC 8017 section 9.2, note 1. */
const DIGEST_INFO_PREFIX: Readonly<Record<RsaSignHash, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

const digestInfo = (hash: RsaSignHash, digest: Buffer): Buffer => Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);

/** RSASSA-PKCS1-v1_5 over a digest: OpenSSL's private-key "encrypt" with PKCS#1 padding is exactly EMSA-PKCS1-v1_5. */
export function pkcs1Sign(jwk: PrivateJwk, hash: RsaSignHash, digest: Buffer): Buffer {
  const key = toKeyObject(jwk, 'private');
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, digest));
}

/**
 * RFC 8017 (8.1.2 and 8.2.2, step 1): a signature is exactly as long as the modulus. OpenSSL's raw operations accept a
 * shorter input as a smaller number, so a signature with a leading zero byte would still verify with that byte cut.
 */
const hasModulusLength = (key: KeyObject, signature: Buffer): boolean => signature.length === Math.ceil(modulusBits(key) / 8);

export function pkcs1Verify(jwk: PrivateJwk, hash: RsaSignHash, digest: Buffer, signature: Buffer): boolean {
  const key = toKeyObject(jwk, 'public');
  if (!hasModulusLength(key, signature)) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return sameBytes(recovered, digestInfo(hash, digest));
}

/** RSASSA-PSS: our own EMSA-PSS encoding, then the bare RSA private operation. */
export function pssSign(jwk: PrivateJwk, hash: RsaSignHash, digest: Buffer): Buffer {
  const key = toKeyObject(jwk, 'private');
  const bits = modulusBits(key);
  const em = emsaPssEncode(digest, bits - 1, hash);
  // The raw operation wants exactly the modulus length; EM is a byte shorter when bits - 1 is a multiple of 8.
  const block = Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - em.length), em]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
}

export function pssVerify(jwk: PrivateJwk, hash: RsaSignHash, digest: Buffer, signature: Buffer): boolean {
  const key = toKeyObject(jwk, 'public');
  if (!hasModulusLength(key, signature)) return false;
  const bits = modulusBits(key);
  const length = Math.ceil(bits / 8);
  let block: Buffer;
  try {
    // The bare public operation s^e mod n; OpenSSL refuses s >= n, which is an invalid signature anyway.
    block = publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emLen = Math.ceil((bits - 1) / 8);
  if (block.subarray(0, length - emLen).some((byte) => byte !== 0)) return false;
  return emsaPssVerify(digest, block.subarray(length - emLen), bits - 1, hash);
}
