import { describe, expect, it } from 'vitest';
import { createClock } from '../../../src/domain/clock.js';
import { issueAccessToken, signJwt } from '../../../src/identity/jwt.js';
import { generateSigningKeyJwk, signingKeyFromJwk } from '../../../src/identity/signing-key.js';
import { verifyAccessToken } from '../../../src/identity/verify.js';

const keys = signingKeyFromJwk(generateSigningKeyJwk());
const other = signingKeyFromJwk(generateSigningKeyJwk());
const TENANT = '11111111-2222-3333-4444-555555555555';
const clock = createClock();
const issue = (over: Partial<Parameters<typeof issueAccessToken>[0]> = {}, key = keys) =>
  issueAccessToken(
    {
      host: 'localhost:8443',
      flavor: 'v2',
      tenantId: TENANT,
      audience: 'https://vault.localhost:8443',
      clientId: 'app',
      objectId: 'oid',
      nowMs: clock.now(),
      ...over,
    },
    key,
  ).token;

const isVault = (aud: string) => aud === 'https://vault.localhost:8443' || aud === 'https://vault.azure.net';

describe('verifyAccessToken', () => {
  it('returns the claims of a good token', () => {
    const result = verifyAccessToken(issue(), { keys, clock, audiences: isVault, tenantId: TENANT.toUpperCase() });
    expect(result).toMatchObject({ ok: true, claims: { tid: TENANT, oid: 'oid', appid: 'app', idtyp: 'app' } });
  });

  it('refuses another audience', () => {
    const token = issue({ audience: 'https://management.azure.com/' });
    expect(verifyAccessToken(token, { keys, clock, audiences: isVault })).toEqual({ ok: false, reason: 'audience' });
    expect(verifyAccessToken(token, { keys, clock }).ok).toBe(true);
  });

  it('refuses another tenant', () => {
    const token = issue({ tenantId: '99999999-2222-3333-4444-555555555555' });
    expect(verifyAccessToken(token, { keys, clock, tenantId: TENANT })).toEqual({ ok: false, reason: 'tenant' });
  });

  it('refuses a forged signature before looking at audience or tenant', () => {
    const token = issue({ audience: 'elsewhere', tenantId: 'x' }, other);
    expect(verifyAccessToken(token, { keys, clock, audiences: isVault, tenantId: TENANT })).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('refuses an expired token after the clock moves on', () => {
    const c = createClock();
    const token = issue({ nowMs: c.now() });
    c.advance(3600 + 61);
    expect(verifyAccessToken(token, { keys, clock: c })).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls garbage and signed tokens without our claims malformed', () => {
    expect(verifyAccessToken('opaque-token', { keys, clock })).toEqual({ ok: false, reason: 'malformed' });
    const noTid = signJwt({ exp: clock.now() / 1000 + 60, aud: 'a', oid: 'o' }, keys);
    expect(verifyAccessToken(noTid, { keys, clock })).toEqual({ ok: false, reason: 'malformed' });
  });
});
