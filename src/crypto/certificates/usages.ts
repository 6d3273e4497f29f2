/** Key usage names, apart from the X.509 code so that policy validation can use them without loading the library. */

/** Key Vault's KeyUsageType names, which are also the library's flag names. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsageName = (typeof KEY_USAGES)[number];
