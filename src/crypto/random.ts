import { randomBytes } from 'node:crypto';

/** A Key Vault version id: 32 lowercase hex characters. */
export const newVersionId = (): string => randomBytes(16).toString('hex');

export const randomBase64url = (bytes: number): string => randomBytes(bytes).toString('base64url');
