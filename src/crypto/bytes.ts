import { timingSafeEqual } from 'node:crypto';
import { badInput } from './errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url strictly. Buffer.from(..., 'base64url') silently skips junk characters, which would let a
 * malformed JWK import as a different key; requiring the canonical form (re-encoding gives the same text,
 * optional '=' padding aside) rejects that.
 */
export function fromBase64url(text: unknown, what: string): Buffer {
  if (typeof text !== 'string') throw badInput(`${what} must be a base64url string`);
  const bare = text.replace(/={1,2}$/, '');
  if (!BASE64URL.test(bare)) throw badInput(`${what} is not valid base64url`);
  const bytes = Buffer.from(bare, 'base64url');
  if (bytes.toString('base64url') !== bare) throw badInput(`${what} is not valid base64url`);
  return bytes;
}

export const toBase64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export const bigintFromBytes = (bytes: Uint8Array): bigint =>
  bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));

/** Big-endian, left-padded to `length` bytes; the caller guarantees the value fits. */
export function bigintToBytes(value: bigint, length: number): Buffer {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw badInput('integer does not fit its field');
  return Buffer.from(hex, 'hex');
}

export const bitLength = (value: bigint): number => (value === 0n ? 0 : value.toString(2).length);

/** Constant-time for equal lengths; a length mismatch is not secret (it follows from the algorithm). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Strips leading zero bytes, as a modulus or exponent may carry them in a non-canonical JWK. */
export function withoutLeadingZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
