import { defaultKeyOps, type KeyOp } from '../key-rules.js';

/**
 * The operations of a certificate's key follow the policy's key usage, not the key type's full list: a certificate
 * made with the default usage (digitalSignature, keyEncipherment) has an RSA key with
 * ["sign","verify","wrapKey","unwrapKey"] and no encrypt/decrypt (Java recording
 * createSelfSignedCertificatePkcs12 #8, 7.0; the service's 403 "Operation decrypt is not permitted on this key" on a
 * certificate's key, Azure/azure-sdk-for-net#11518). Signing usages allow sign/verify, key encipherment
 * wrapKey/unwrapKey, data encipherment encrypt/decrypt; the rest (keyAgreement, encipherOnly, decipherOnly) allow
 * no Key Vault operation. Only what the key type supports is kept, in the order the service lists operations.
 */
const OPS_OF_USAGE: Record<string, KeyOp[]> = {
  digitalSignature: ['sign', 'verify'],
  nonRepudiation: ['sign', 'verify'],
  keyCertSign: ['sign', 'verify'],
  cRLSign: ['sign', 'verify'],
  keyEncipherment: ['wrapKey', 'unwrapKey'],
  dataEncipherment: ['encrypt', 'decrypt'],
};

export function certificateKeyOps(kty: string, keyUsage: readonly string[]): KeyOp[] {
  const allowed = new Set(keyUsage.flatMap((u) => OPS_OF_USAGE[u] ?? []));
  return defaultKeyOps(kty).filter((op) => allowed.has(op));
}
