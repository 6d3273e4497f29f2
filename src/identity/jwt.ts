import { sign, verify } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import type { SigningKey } from './signing-key.js';

/**
 * Compact RS256 JWTs over node:crypto, plus the claim set of Kyanite's access tokens. Only RS256 with our own key is
 * ever accepted, so there is no algorithm negotiation to get wrong (no "none", no HS256 with the public key).
 */

export type JwtFailure = 'malformed' | 'signature' | 'expired' | 'not-yet-valid';

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

export type JwtClaims = Record<string, unknown>;

export type JwtVerifyResult = { ok: true; header: JwtHeader; claims: JwtClaims } | { ok: false; reason: JwtFailure };

/** Tolerance for clocks that disagree a little (client and server are usually the same machine). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

/** Access tokens live one hour, like Entra's default; the answers say 3599 as Entra does. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
export const EXPIRES_IN_SECONDS = ACCESS_TOKEN_LIFETIME_SECONDS - 1;

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(claims: object, key: SigningKey): string {
  const header: JwtHeader = { alg: 'RS256', typ: 'JWT', kid: key.kid };
  const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

export interface DecodedJwt {
  header: JwtHeader;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

// Buffer's base64url decoder skips junk silently; a token with stray characters is malformed, not "almost valid".
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits and parses a compact JWT without checking anything; undefined when it is not a JWT at all. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, c, s] = parts as [string, string, string];
  const header = decodeJsonObject(h);
  const claims = decodeJsonObject(c);
  if (!header || !claims || typeof header.alg !== 'string' || !BASE64URL.test(s)) return undefined;
  return { header: header as JwtHeader, claims, signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

export interface JwtVerifyOptions {
  key: SigningKey;
  clock: Clock;
  skewSeconds?: number;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks, in this order, shape, signature, then time: a forged token learns nothing about the clock. An access token
 * without `exp` is refused as malformed, because every token this service issues has one.
 */
export function verifyJwt(token: string, options: JwtVerifyOptions): JwtVerifyResult {
  const decoded = decodeJwt(token);
  if (!decoded) return { ok: false, reason: 'malformed' };
  const { header, claims } = decoded;
  if (!isNumber(claims.exp) || (claims.nbf !== undefined && !isNumber(claims.nbf))) return { ok: false, reason: 'malformed' };

  const ours = header.alg === 'RS256' && (header.kid === undefined || header.kid === options.key.kid);
  if (!ours || !verify('sha256', Buffer.from(decoded.signingInput), options.key.publicKey, decoded.signature)) {
    return { ok: false, reason: 'signature' };
  }

  const now = options.clock.now() / 1000;
  const skew = options.skewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (now >= claims.exp + skew) return { ok: false, reason: 'expired' };
  if (isNumber(claims.nbf) && now + skew < claims.nbf) return { ok: false, reason: 'not-yet-valid' };
  return { ok: true, header, claims };
}

/** v2 = /oauth2/v2.0/token, v1 = /oauth2/token (and managed identity), adfs = /adfs/oauth2/token. */
export type TokenFlavor = 'v1' | 'v2' | 'adfs';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  /** v2 tokens name the client here as well, as Entra's do. */
  azp?: string;
  ver: '1.0' | '2.0';
  idtyp: 'app';
  /** Resource id of a user-assigned managed identity selected by msi_res_id. */
  xms_mirid?: string;
  [name: string]: unknown;
}

/**
 * The resource a scope names: a trailing `/.default` is cut and the rest kept byte for byte. The Azure CLI asks for
 * `https://localhost:8443//.default`, whose audience is `https://localhost:8443/`, so no slash is normalised away.
 * Only the first resource scope counts; the OIDC scopes some clients add are not resources. Any other scope (no
 * `/.default`) becomes the audience as given: the emulator accepts any scope.
 */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
export function audienceFromScope(scope: string): string | undefined {
  const first = scope.split(/\s+/).find((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
  if (first === undefined) return undefined;
  return first.endsWith('/.default') ? first.slice(0, -'/.default'.length) : first;
}

/** Issuer URL per flavor; `host` is host[:port] as the client addressed us. */
export function issuerFor(host: string, flavor: TokenFlavor, tenant: string): string {
  switch (flavor) {
    case 'v2':
      return `https://${host}/${tenant}/v2.0`;
    case 'v1':
      return `https://${host}/${tenant}/`;
    case 'adfs':
      return `https://${host}/adfs`;
  }
}

export interface AccessTokenInput {
  host: string;
  flavor: TokenFlavor;
  tenantId: string;
  audience: string;
  clientId: string;
  objectId: string;
  nowMs: number;
  managedIdentityResourceId?: string;
}

export function accessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  const iat = Math.floor(input.nowMs / 1000);
  const claims: AccessTokenClaims = {
    aud: input.audience,
    iss: issuerFor(input.host, input.flavor, input.tenantId),
    iat,
    nbf: iat,
    exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
    tid: input.tenantId,
    oid: input.objectId,
    sub: input.objectId,
    appid: input.clientId,
    ver: input.flavor === 'v2' ? '2.0' : '1.0',
    idtyp: 'app',
  };
  if (input.flavor === 'v2') claims.azp = input.clientId;
  if (input.managedIdentityResourceId !== undefined) claims.xms_mirid = input.managedIdentityResourceId;
  return claims;
}

export function issueAccessToken(input: AccessTokenInput, key: SigningKey): { token: string; claims: AccessTokenClaims } {
  const claims = accessTokenClaims(input);
  return { token: signJwt(claims, key), claims };
}
