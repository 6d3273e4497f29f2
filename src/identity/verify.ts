import type { Clock } from '../domain/clock.js';
import { verifyJwt, type AccessTokenClaims, type JwtFailure } from './jwt.js';
import type { SigningKey } from './signing-key.js';

/** Why a bearer token is refused in strict auth mode. */
export type AccessTokenFailure = JwtFailure | 'audience' | 'tenant';

export type AccessTokenVerification = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: AccessTokenFailure };

export interface VerifyAccessTokenOptions {
  keys: SigningKey;
  clock: Clock;
  /** Accepts the token's `aud`; omitted means any audience. */
  audiences?: (aud: string) => boolean;
  /** Required `tid` (compared case-insensitively, tenants being GUIDs); omitted means any tenant. */
  tenantId?: string;
  skewSeconds?: number;
}

/**
 * Checks a token issued by this token service: signature, time, then audience and tenant. A token that verifies
 * but lacks the claims every Kyanite token carries is malformed, not merely of another audience.
 */
export function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): AccessTokenVerification {
  const result = verifyJwt(token, { key: options.keys, clock: options.clock, skewSeconds: options.skewSeconds });
  if (!result.ok) return result;
  const { claims } = result;
  if (typeof claims.aud !== 'string' || typeof claims.tid !== 'string' || typeof claims.oid !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (options.audiences && !options.audiences(claims.aud)) return { ok: false, reason: 'audience' };
  if (options.tenantId !== undefined && claims.tid.toLowerCase() !== options.tenantId.toLowerCase()) {
    return { ok: false, reason: 'tenant' };
  }
  return { ok: true, claims: claims as AccessTokenClaims };
}
