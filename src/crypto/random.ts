import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A Key Vault version id: 32 lowercase hex characters. randomUUID draws from Node's pooled entropy (~1.4 µs against
 * 6-8 µs for randomBytes(16) on the benchmark machine) and keeps 122 random bits, plenty for an identifier.
 */
export const newVersionId = (): string => randomUUID().replace(/-/g, '');

export const randomBase64url = (bytes: number): string => randomBytes(bytes).toString('base64url');
