import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNING_KEY_SETTING, loadSigningKey, rsaThumbprint, signingKeyFromJwk } from '../../../src/identity/signing-key.js';
import { openStore } from '../../../src/store/index.js';

describe('token signing key', () => {
  it('computes the RFC 7638 thumbprint of the RFC example key', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
      'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5ha' +
      'jrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(rsaThumbprint(n, 'AQAB')).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('is created once per data dir and survives a reopen', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyanite-key-'));
    try {
      const first = openStore({ dataDir: dir });
      const a = loadSigningKey(first.settings);
      const stored = first.settings.get(SIGNING_KEY_SETTING);
      first.close();
      const second = openStore({ dataDir: dir });
      const b = loadSigningKey(second.settings);
      second.close();
      expect(b.kid).toBe(a.kid);
      expect(JSON.parse(stored!)).toMatchObject({ kty: 'RSA', d: expect.any(String) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes only the public half as an RS256 signing key', () => {
    const store = openStore();
    const key = loadSigningKey(store.settings);
    expect(loadSigningKey(store.settings).kid).toBe(key.kid);
    const [jwk, ...rest] = key.jwks().keys;
    expect(rest).toEqual([]);
    expect(jwk).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: key.kid, use: 'sig', alg: 'RS256' });
    expect(Buffer.from(jwk!.n, 'base64url').length).toBe(256);
    expect(key.kid).toBe(rsaThumbprint(jwk!.n, jwk!.e));
    store.close();
  });

  it('refuses a damaged stored key instead of replacing it', () => {
    expect(() => signingKeyFromJwk('{"kty":"EC"}')).toThrow(/token signing key .* unreadable/);
    expect(() => signingKeyFromJwk('not json')).toThrow(/unreadable/);
  });
});
