import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClock } from '../../../src/domain/clock.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  accessTokenClaims,
  audienceFromScope,
  decodeJwt,
  issueAccessToken,
  signJwt,
  verifyJwt,
} from '../../../src/identity/jwt.js';
import { generateSigningKeyJwk, signingKeyFromJwk } from '../../../src/identity/signing-key.js';

const key = signingKeyFromJwk(generateSigningKeyJwk());
const other = signingKeyFromJwk(generateSigningKeyJwk());
const T0 = Date.UTC(2030, 0, 1);
const fixedClock = () => createClock(() => T0);
const nowS = T0 / 1000;

const input = {
  host: 'localhost:8443',
  flavor: 'v2' as const,
  tenantId: '11111111-2222-3333-4444-555555555555',
  audience: 'https://vault.azure.net',
  clientId: 'app',
  objectId: 'oid-1',
  nowMs: T0,
};

describe('RS256 JWTs', () => {
  it('signs a header with alg, typ and kid, and verifies its own tokens', () => {
    const token = signJwt({ exp: nowS + 60, hello: 'world' }, key);
    expect(decodeJwt(token)?.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    const result = verifyJwt(token, { key, clock: fixedClock() });
    expect(result).toMatchObject({ ok: true, claims: { hello: 'world' } });
  });

  it('refuses a token signed by another key or with altered claims', () => {
    const forged = signJwt({ exp: nowS + 60 }, other);
    expect(verifyJwt(forged, { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'signature' });

    const [h, , s] = signJwt({ exp: nowS + 60, oid: 'a' }, key).split('.');
    const altered = `${h}.${Buffer.from(JSON.stringify({ exp: nowS + 60, oid: 'b' })).toString('base64url')}.${s}`;
    expect(verifyJwt(altered, { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuses alg none and HS256 even when the kid is ours', () => {
    const claims = Buffer.from(JSON.stringify({ exp: nowS + 60 })).toString('base64url');
    for (const alg of ['none', 'HS256']) {
      const header = Buffer.from(JSON.stringify({ alg, kid: key.kid })).toString('base64url');
      expect(verifyJwt(`${header}.${claims}.`, { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'signature' });
    }
  });

  it('refuses a valid RS256 signature from a key with another kid', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const impostor = { ...other, kid: key.kid, privateKey };
    expect(verifyJwt(signJwt({ exp: nowS + 60 }, impostor), { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'signature' });
  });

  it.each([
    ['not a jwt'],
    ['a.b'],
    ['a.b.c.d'],
    ['!!!.e30.sig'],
    [`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.x`],
    [`${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.x`],
  ])('calls %j malformed', (token) => {
    expect(verifyJwt(token, { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('calls a signed token without exp malformed', () => {
    expect(verifyJwt(signJwt({ aud: 'x' }, key), { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires once the clock passes exp plus the skew', () => {
    const clock = fixedClock();
    const { token } = issueAccessToken(input, key);
    expect(verifyJwt(token, { key, clock }).ok).toBe(true);
    clock.advance(ACCESS_TOKEN_LIFETIME_SECONDS);
    expect(verifyJwt(token, { key, clock }).ok).toBe(true); // inside the skew
    clock.advance(60);
    expect(verifyJwt(token, { key, clock })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyJwt(token, { key, clock, skewSeconds: 120 }).ok).toBe(true);
  });

  it('is not yet valid before nbf minus the skew', () => {
    const { token } = issueAccessToken({ ...input, nowMs: T0 + 600_000 }, key);
    expect(verifyJwt(token, { key, clock: fixedClock() })).toEqual({ ok: false, reason: 'not-yet-valid' });
    const clock = fixedClock();
    clock.advance(541);
    expect(verifyJwt(token, { key, clock }).ok).toBe(true);
  });
});

describe('access token claims', () => {
  it('carries the app claims with a one-hour lifetime from the clock', () => {
    expect(accessTokenClaims(input)).toEqual({
      aud: 'https://vault.azure.net',
      iss: 'https://localhost:8443/11111111-2222-3333-4444-555555555555/v2.0',
      iat: nowS,
      nbf: nowS,
      exp: nowS + 3600,
      tid: input.tenantId,
      oid: 'oid-1',
      sub: 'oid-1',
      appid: 'app',
      azp: 'app',
      ver: '2.0',
      idtyp: 'app',
    });
  });

  it('uses the v1 and ADFS issuers and version', () => {
    expect(accessTokenClaims({ ...input, flavor: 'v1' })).toMatchObject({
      iss: `https://localhost:8443/${input.tenantId}/`,
      ver: '1.0',
    });
    const adfs = accessTokenClaims({ ...input, flavor: 'adfs' });
    expect(adfs).toMatchObject({ iss: 'https://localhost:8443/adfs', ver: '1.0' });
    expect(adfs.azp).toBeUndefined();
  });

  it.each([
    ['https://vault.azure.net/.default', 'https://vault.azure.net'],
    ['https://localhost:8443//.default', 'https://localhost:8443/'],
    ['https://vault.localhost:8443/.default', 'https://vault.localhost:8443'],
    ['api://my-app/.default', 'api://my-app'],
    ['openid https://management.azure.com//.default offline_access', 'https://management.azure.com/'],
    ['https://vault.azure.net', 'https://vault.azure.net'],
    ['openid profile', undefined],
    ['', undefined],
  ])('scope %j has audience %j', (scope, aud) => {
    expect(audienceFromScope(scope)).toBe(aud);
  });
});
