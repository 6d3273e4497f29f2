import { badParameter } from '../domain/errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes a base64url request field, refusing anything else instead of silently dropping characters. */
export function fromBase64url(value: string, field: string): Buffer {
  if (!BASE64URL.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw badParameter(`${field} is not valid base64url.`);
  }
  return Buffer.from(value, 'base64url');
}

export const toBase64url = (b: Buffer): string => b.toString('base64url');
