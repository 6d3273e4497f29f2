import { assertAttributesAllow } from './attribute-gate.js';
import { badParameter, KeyVaultError } from './errors.js';

/** Key Vault's key vocabulary and the checks that decide whether an operation may run on a key version. */

export const KEY_TYPES = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM', 'oct', 'oct-HSM'] as const;
export const CURVES = ['P-256', 'P-384', 'P-521', 'P-256K'] as const;
export const KEY_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'] as const;
export const SIGN_ALGS = ['PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'ES256K', 'HS256', 'HS384', 'HS512'] as const;
export const ENC_ALGS = [
  'RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5',
  'A128GCM', 'A192GCM', 'A256GCM', 'A128KW', 'A192KW', 'A256KW',
  'A128CBC', 'A192CBC', 'A256CBC', 'A128CBCPAD', 'A192CBCPAD', 'A256CBCPAD',
  'CKM_AES_KEY_WRAP', 'CKM_AES_KEY_WRAP_PAD',
] as const;

export type KeyType = (typeof KEY_TYPES)[number];
export type CurveName = (typeof CURVES)[number];
export type KeyOp = (typeof KEY_OPS)[number];

/** The operations a key gets when the request names none, as the service assigns them. */
export function defaultKeyOps(kty: string): KeyOp[] {
  if (kty.startsWith('EC')) return ['sign', 'verify'];
  // RSA and symmetric keys: every operation their algorithms support.
  if (kty.startsWith('oct')) return ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];
  return ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];
}

export const RSA_SIZES = [2048, 3072, 4096];

/**
 * The one RSA size rule, for keys created, imported and held by certificates. Any other modulus is refused as the
 * service refuses a key size (docs/behaviour.md, "Keys"): beyond fidelity, a 16,384-bit key would block the event
 * loop for ~300 ms on every sign.
 */
export function checkRsaKeySize(bits: number): void {
  if (!RSA_SIZES.includes(bits)) {
    throw new KeyVaultError(400, 'BadParameter', `Unsupported key size (${bits}). Supported sizes are [${RSA_SIZES.join(', ')}]`, {
      inner: 'KeySizeNotSupported',
    });
  }
}
export const OCT_SIZES = [128, 192, 256];

export function checkKeyOps(ops: unknown): KeyOp[] {
  if (!Array.isArray(ops)) throw badParameter('key_ops must be an array of operations.');
  for (const op of ops) {
    if (!(KEY_OPS as readonly unknown[]).includes(op)) {
      throw badParameter(`Invalid key operation '${String(op)}': expected one of ${KEY_OPS.join(', ')}.`);
    }
  }
  return [...new Set(ops as KeyOp[])];
}

/** What a crypto operation asks of a key: the name the service uses in messages and the key_ops entry it needs. */
export type CryptoOperation = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'wrapKey' | 'unwrapKey';

/** Operations that produce something new are bound by nbf/exp; the reverse ones keep working on old data. */
const TIME_BOUND: ReadonlySet<CryptoOperation> = new Set(['sign', 'encrypt', 'wrapKey']);

export interface UsableKey {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  keyOps: string[];
}

/** Throws the service's 403 when the key version may not perform `op` at `now` (Unix seconds). */
export function assertUsable(key: UsableKey, op: CryptoOperation, now: number): void {
  assertAttributesAllow(key, { kind: 'key', operation: op, permitted: key.keyOps.includes(op), ...(TIME_BOUND.has(op) && { at: now }) });
}
