import { createHash } from 'node:crypto';
import { sameBytes } from './bytes.js';
import { badInput } from './errors.js';
import { HASH_BYTES, type HashName } from './hashes.js';
import { pooledRandomBytes } from './random.js';

/*
 * EMSA-PSS from RFC 8017 section 9.1, over a digest the client already computed, with MGF1 on the same hash
 * and a salt as long as the hash (what Key Vault produces and expects).
 */

export function mgf1(seed: Buffer, length: number, hash: HashName): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let produced = 0, i = 0; produced < length; produced += HASH_BYTES[hash], i++) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(hash).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const ZEROS = Buffer.alloc(8);

/** H = Hash(0x00 x 8 || mHash || salt). */
const saltedHash = (mHash: Buffer, salt: Buffer, hash: HashName): Buffer =>
  createHash(hash).update(ZEROS).update(mHash).update(salt).digest();

/** Mask for the bits above emBits in the first byte of an encoded message. */
const topByteMask = (emLen: number, emBits: number): number => 0xff >> (8 * emLen - emBits);

function xorInPlace(target: Buffer, mask: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) ^ (mask[i] ?? 0);
}

export function emsaPssEncode(mHash: Buffer, emBits: number, hash: HashName): Buffer {
  const hLen = HASH_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  if (emLen < 2 * hLen + 2) throw badInput('the RSA key is too short for this PSS algorithm');
  const salt = pooledRandomBytes(hLen);
  const h = saltedHash(mHash, salt, hash);
  // DB = PS (zeros) || 0x01 || salt
  const db = Buffer.alloc(emLen - hLen - 1);
  db[db.length - hLen - 1] = 0x01;
  salt.copy(db, db.length - hLen);
  xorInPlace(db, mgf1(h, db.length, hash));
  db[0] = (db[0] ?? 0) & topByteMask(emLen, emBits);
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

export function emsaPssVerify(mHash: Buffer, em: Buffer, emBits: number, hash: HashName): boolean {
  const hLen = HASH_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const mask = topByteMask(emLen, emBits);
  if (((db[0] ?? 0) & ~mask) !== 0) return false;
  xorInPlace(db, mgf1(h, db.length, hash));
  db[0] = (db[0] ?? 0) & mask;
  const separator = db.length - hLen - 1;
  if (db.subarray(0, separator).some((byte) => byte !== 0) || db[separator] !== 0x01) return false;
  return sameBytes(h, saltedHash(mHash, db.subarray(separator + 1), hash));
}
