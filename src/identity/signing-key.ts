import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { SettingsStore } from '../store/settings.js';

/** Settings key of the token service's private JWK. One key per data dir, so tokens survive a restart. */
export const SIGNING_KEY_SETTING = 'token-signing-key';

/** The public half as published in the JWKS document. */
export interface PublicSigningJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

export interface JwksDocument {
  keys: PublicSigningJwk[];
}

export interface SigningKey {
  /** RFC 7638 thumbprint of the public key: stable for as long as the key is. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicSigningJwk;
  jwks(): JwksDocument;
}

/** A fresh RSA-2048 key as private JWK JSON, the form kept in the settings store. */
export function generateSigningKeyJwk(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}

/**
 * RFC 7638: SHA-256 over the required members in lexicographic order with no whitespace. Built by hand rather than
 * with JSON.stringify of an object so the member order cannot drift.
 */
export function rsaThumbprint(n: string, e: string): string {
  const canonical = `{"e":${JSON.stringify(e)},"kty":"RSA","n":${JSON.stringify(n)}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

export function signingKeyFromJwk(privateJwkJson: string): SigningKey {
  let privateKey: KeyObject;
  try {
    const jwk: unknown = JSON.parse(privateJwkJson);
    if (typeof jwk !== 'object' || jwk === null || (jwk as { kty?: unknown }).kty !== 'RSA') throw new Error('not an RSA JWK');
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (err) {
    // A damaged key must stop startup loudly: silently making a new one would invalidate every issued token.
    throw new Error(`the stored token signing key (setting '${SIGNING_KEY_SETTING}') is unreadable: ${(err as Error).message}`);
  }
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new Error('the token signing key has no RSA modulus');
  const kid = rsaThumbprint(n, e);
  const publicJwk: PublicSigningJwk = { kty: 'RSA', n, e, kid, use: 'sig', alg: 'RS256' };
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk,
    jwks: () => ({ keys: [{ ...publicJwk }] }),
  };
}

/**
 * Loads the signing key of this data dir, creating it on first use. With --in-memory the settings store is in
 * memory too, so the key lives as long as the process.
 */
export function loadSigningKey(settings: Pick<SettingsStore, 'getOrCreate'>): SigningKey {
  return signingKeyFromJwk(settings.getOrCreate(SIGNING_KEY_SETTING, generateSigningKeyJwk));
}

/**
 * The signing key, made or loaded on first use: generating RSA-2048 costs ~250 ms, which a server that never issues
 * a token (and every test app) should not pay at start-up.
 */
export function lazySigningKey(settings: Pick<SettingsStore, 'getOrCreate'>): SigningKey {
  let key: SigningKey | undefined;
  const get = () => (key ??= loadSigningKey(settings));
  return {
    get kid() {
      return get().kid;
    },
    get privateKey() {
      return get().privateKey;
    },
    get publicKey() {
      return get().publicKey;
    },
    get publicJwk() {
      return get().publicJwk;
    },
    jwks: () => get().jwks(),
  };
}
