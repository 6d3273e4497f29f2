export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const HASH_BYTES: Readonly<Record<HashName, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
