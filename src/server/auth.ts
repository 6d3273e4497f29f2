import type { FastifyRequest } from 'fastify';
import { authorize, rbacActionOf, type RoleAssignments } from '../domain/access.js';
import type { Clock } from '../domain/clock.js';
import { KeyVaultError, unauthorized } from '../domain/errors.js';
import type { VaultRegistry } from '../domain/vaults.js';
import { decodeJwt, verifyAccessToken, type AccessTokenClaims, type AccessTokenFailure, type SigningKey } from '../identity/index.js';
import { challengeHeader, challengeResource, kyaniteOrigin, parseHost, type HostInfo } from './hosts.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bearer token of an authenticated request. */
    bearer: string;
    /** The verified claims of the token, in --auth strict only. */
    caller?: AccessTokenClaims;
  }
}

/**
 * Decides whether a bearer token may proceed; throws a KeyVaultError (401/403) when not. The data plane also calls
 * `authorize` once it knows the vault, so the operation can be checked against that vault's permissions: the token
 * is judged before the api-version and the vault (a bad token is 401 whatever else is wrong), the operation after.
 */
export interface TokenCheck {
  (token: string, request: FastifyRequest): void;
  authorize?: (request: FastifyRequest) => void;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * onRequest for the data plane. It runs before the body is read: the SDKs' first request of each client comes
 * without a token (and with its body stripped), and must get the 401 challenge, never a result.
 */
export function createAuthHook(check?: TokenCheck) {
  return function authenticate(request: FastifyRequest): void {
    const header = request.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) throw unauthorized(challengeHeader(parseHost(request.headers.host), request.headers['user-agent']));
    request.bearer = match[1]!;
    check?.(request.bearer, request);
  };
}

// --- strict mode -------------------------------------------------------------------------------------------------

export interface StrictAuthOptions {
  keys: SigningKey;
  clock: Clock;
  /** The emulator's tenant: tokens must carry it as `tid`. */
  tenantId: string;
}

/** Audiences compare without case and without trailing slashes (`https://localhost:8443/` = `https://localhost:8443`). */
const normalizeAudience = (aud: string): string => aud.trim().toLowerCase().replace(/\/+$/, '');

type Refusal = { reason: AccessTokenFailure; claims: Record<string, unknown> };

/** Verifies the token; on success stores the claims on the request, otherwise says why with what it could read. */
function verify(token: string, request: FastifyRequest, options: StrictAuthOptions, audiences: ReadonlySet<string>): Refusal | undefined {
  const result = verifyAccessToken(token, {
    keys: options.keys,
    clock: options.clock,
    tenantId: options.tenantId,
    audiences: (aud) => audiences.has(normalizeAudience(aud)),
  });
  if (result.ok) {
    request.caller = result.claims;
    return undefined;
  }
  // Claims are only quoted in messages, and only once the signature held (audience, tenant, time).
  return { reason: result.reason, claims: decodeJwt(token)?.claims ?? {} };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? '(none)'));
const isoOf = (seconds: unknown): string => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : '(none)');

/**
 * The resources a vault host's tokens may be for: the challenge resource of that host (with its port), the same
 * without the port (some clients drop it), and the real service's `https://vault.azure.net` (code written for Azure).
 */
export function dataPlaneAudiences(host: HostInfo): Set<string> {
  const resource = challengeResource(host);
  return new Set([resource, resource.replace(/:\d+$/, ''), 'https://vault.azure.net'].map(normalizeAudience));
}

function dataPlaneMessage(refusal: Refusal, host: HostInfo, options: StrictAuthOptions): string {
  const { claims } = refusal;
  switch (refusal.reason) {
    case 'malformed':
      return 'AKV10005: Invalid token: the bearer token is not a JWT with the claims Kyanite issues (aud, tid, oid, exp).';
    case 'signature':
      return "AKV10013: Invalid signature: the token was not signed by this Kyanite's token service.";
    case 'expired':
      return `AKV10015: Token expired at ${isoOf(claims.exp)}; get a new one from the token service.`;
    case 'not-yet-valid':
      return `AKV10014: Token not yet valid: it is valid from ${isoOf(claims.nbf)}.`;
    case 'audience':
      return `AKV10022: Invalid audience. Expected ${challengeResource(host)}, found: ${text(claims.aud)}.`;
    case 'tenant':
      return `AKV10032: Invalid issuer. Expected a token of tenant ${options.tenantId}, found ${text(claims.iss)} (tenant ${text(claims.tid)}).`;
  }
}

/**
 * The data plane's strict check: a Kyanite token for this host's resource and our tenant, then (in `authorize`)
 * the operation against the vault. Refusals are 401 with the host's challenge, so a client may fetch a new token.
 */
export function strictDataPlaneCheck(options: StrictAuthOptions, authorize: (request: FastifyRequest) => void): TokenCheck {
  const check: TokenCheck = (token, request) => {
    const host = parseHost(request.headers.host);
    const refusal = verify(token, request, options, dataPlaneAudiences(host));
    if (refusal) throw unauthorized(challengeHeader(host, request.headers['user-agent']), dataPlaneMessage(refusal, host, options));
  };
  check.authorize = authorize;
  return check;
}

/**
 * The data plane's `authorize` step in strict mode: the permission the route declares (src/server/route-config.ts),
 * then the vault's permission model. Role assignments may be scoped to one object (`.../vaults/V/secrets/NAME`), so
 * the object the route names is passed along; deleted-object routes are judged at the vault.
 */
export function operationAuthorizer(vaults: Pick<VaultRegistry, 'find'>, assignments: RoleAssignments) {
  return (request: FastifyRequest): void => {
    const claims = request.caller;
    const pattern = request.routeOptions.url;
    // The token hook ran first and stored the claims; without them the request cannot have got here in strict mode.
    if (!claims || !pattern) throw new KeyVaultError(403, 'Forbidden', 'The caller could not be identified.', { inner: 'ForbiddenByPolicy' });
    const declared = request.routeOptions.config.permission;
    if (declared === 'open') return;
    // A route nobody classified is not thereby public (test/http/route-metadata.test.ts keeps this from happening).
    if (!declared) {
      throw new KeyVaultError(403, 'Forbidden', `Kyanite has no permission rule for ${request.method} ${pattern}, so --auth strict refuses it.`, {
        inner: 'ForbiddenByPolicy',
      });
    }
    const vault = vaults.find(request.vault.name);
    if (!vault) return; // deleted between the two hooks: the route answers VaultNotFound itself
    const required = { ...declared, action: rbacActionOf(declared.area, declared.permission) };
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const object = typeof name === 'string' && pattern.toLowerCase().startsWith(`/${required.area}/`) ? `${required.area}/${name}` : undefined;
    const caller = { oid: claims.oid, appid: claims.appid, tid: claims.tid, iss: claims.iss };
    authorize({ caller, vault, required, object }, assignments);
  };
}

/** The management audiences of a request: Kyanite's own on the port used (as the cloud metadata names it) and Azure's. */
export function armAudiences(host: HostInfo): Set<string> {
  return new Set(
    [kyaniteOrigin(host), `https://${host.authority}`, 'https://management.azure.com', 'https://management.core.windows.net'].map(
      normalizeAudience,
    ),
  );
}

function armRefusal(refusal: Refusal, host: HostInfo, options: StrictAuthOptions): { code: string; message: string } {
  const { claims } = refusal;
  switch (refusal.reason) {
    case 'malformed':
      return { code: 'InvalidAuthenticationToken', message: 'The access token is invalid: it is not a JWT with the claims Kyanite issues.' };
    case 'signature':
      return { code: 'InvalidAuthenticationToken', message: "The access token has an invalid signature: it was not issued by this Kyanite's token service." };
    case 'not-yet-valid':
      return { code: 'InvalidAuthenticationToken', message: `The access token is not valid before UTC time '${isoOf(claims.nbf)}'.` };
    case 'expired':
      return {
        code: 'ExpiredAuthenticationToken',
        message: `The access token expiry UTC time '${isoOf(claims.exp)}' is earlier than current UTC time '${new Date(options.clock.now()).toISOString()}'.`,
      };
    case 'audience':
      return {
        code: 'InvalidAuthenticationTokenAudience',
        message:
          `The access token has been obtained for wrong audience or resource '${text(claims.aud)}'. It should exactly match ` +
          `with one of the allowed audiences '${[...armAudiences(host)].map((a) => `${a}/`).join("','")}'.`,
      };
    case 'tenant':
      return {
        code: 'InvalidAuthenticationTokenTenant',
        message: `The access token is from the wrong issuer '${text(claims.iss)}'. It must match the tenant '${options.tenantId}' associated with this subscription.`,
      };
  }
}

/** The management plane's strict check: CloudError codes, and the bearer challenge ARM sends with them. */
export function strictArmCheck(options: StrictAuthOptions): TokenCheck {
  return (token, request) => {
    const host = parseHost(request.headers.host);
    const refusal = verify(token, request, options, armAudiences(host));
    if (!refusal) return;
    const { code, message } = armRefusal(refusal, host, options);
    throw new KeyVaultError(401, code, message, {
      headers: { 'www-authenticate': `Bearer authorization_uri="${kyaniteOrigin(host)}/", error="invalid_token", error_description="${code}"` },
    });
  };
}

/**
 * The admin routes' check in strict mode (/_kyanite/export, the clock, ...): a token of this Kyanite for its
 * management resource (as ARM takes), held by an admin principal. They can read every secret or expire every token,
 * so nothing less than what --admin-principal names may call them.
 */
export function strictAdminCheck(options: StrictAuthOptions, isAdmin: (claims: AccessTokenClaims) => boolean): (request: FastifyRequest) => void {
  return (request) => {
    const host = parseHost(request.headers.host);
    const match = BEARER.exec(request.headers.authorization ?? '');
    const origin = kyaniteOrigin(host);
    const challenge = `Bearer authorization_uri="${origin}/", resource="${origin}"`;
    if (!match) {
      throw new KeyVaultError(401, 'Unauthorized', `Under --auth strict the admin routes need a bearer token for ${origin} of an admin principal.`, {
        headers: { 'www-authenticate': challenge },
      });
    }
    const refusal = verify(match[1]!, request, options, armAudiences(host));
    if (refusal) throw new KeyVaultError(401, 'Unauthorized', armRefusal(refusal, host, options).message, { headers: { 'www-authenticate': challenge } });
    const claims = request.caller!;
    if (!isAdmin(claims)) {
      throw new KeyVaultError(
        403,
        'Forbidden',
        `The client '${claims.appid}' with object id '${claims.oid}' is not an admin principal; under --auth strict the ` +
          'admin routes answer only the principals named with --admin-principal.',
      );
    }
  };
}
