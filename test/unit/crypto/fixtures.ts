import { createPrivateKey, createPublicKey, createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { generateEc, generateRsaSync, type Curve, type PrivateJwk } from '../../../src/crypto/index.js';

/** Node's name for each Key Vault curve: the independent side of the tests talks to Node in its own terms. */
export const NODE_CURVE: Record<Curve, string> = {
  'P-256': 'P-256',
  'P-384': 'P-384',
  'P-521': 'P-521',
  'P-256K': 'secp256k1',
};

export interface TestKey {
  jwk: PrivateJwk;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Node key objects built straight from the JWK, without going through the code under test. */
export function nodeKeys(jwk: PrivateJwk): TestKey {
  const nodeJwk = { ...jwk, kty: jwk.kty.replace('-HSM', ''), ...(jwk.crv && { crv: NODE_CURVE[jwk.crv as Curve] }) };
  const privateKey = createPrivateKey({ key: nodeJwk, format: 'jwk' });
  return { jwk, privateKey, publicKey: createPublicKey(privateKey) };
}

let rsa2048: TestKey | undefined;
/** Generated once per test file: RSA generation is the slow part of these suites. */
export const rsaKey = (): TestKey => (rsa2048 ??= nodeKeys(generateRsaSync(2048)));

const ecKeys = new Map<Curve, TestKey>();
export function ecKey(curve: Curve): TestKey {
  let key = ecKeys.get(curve);
  if (!key) {
    key = nodeKeys(generateEc(curve));
    ecKeys.set(curve, key);
  }
  return key;
}

/** A key of an odd modulus size, straight from Node, for edge cases our generator does not make. */
export function nodeRsaKey(bits: number): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { jwk: { ...(privateKey.export({ format: 'jwk' }) as PrivateJwk), kty: 'RSA' }, privateKey, publicKey };
}

export const sha = (hash: string, data: Buffer | string): Buffer => createHash(hash).update(data).digest();

export function flipBit(bytes: Buffer, index = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}
