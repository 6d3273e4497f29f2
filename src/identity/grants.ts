import type { Clock } from '../domain/clock.js';
import {
  assertionNotSupported,
  identityNotFound,
  invalidSecret,
  missingClientCredential,
  missingParameter,
  msiError,
  unknownClient,
  type ManagedIdentitySource,
  unsupportedGrantType,
  type TokenServiceError,
} from './errors.js';
import { EXPIRES_IN_SECONDS, audienceFromScope, issueAccessToken, type TokenFlavor } from './jwt.js';
import type { AuthenticationFailure, Identity, ManagedIdentitySelector, PrincipalDirectory } from './principals.js';
import type { SigningKey } from './signing-key.js';

/**
 * What the token endpoints do, free of HTTP: turn request parameters into an answer body or a TokenServiceError.
 * routes.ts only extracts parameters and renders.
 */

export interface TokenService {
  keys: SigningKey;
  clock: Clock;
  /** The emulator's tenant: the `tid` of tokens asked for under a non-GUID tenant (adfs, common, a domain name). */
  tenantId: string;
  principals: PrincipalDirectory;
}

export type Params = Readonly<Record<string, string | undefined>>;

export interface V2TokenResponse {
  token_type: 'Bearer';
  /** A JSON number: the Azure CLI crashes on a string here. */
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

/** v1 and ADFS also say when the token ends and for which resource; ADAL reads these. */
export interface V1TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  expires_on: string;
  not_before: string;
  resource: string;
  access_token: string;
}

/** Managed-identity endpoints speak strings, as IMDS does; MSAL reads `expires_on`, Python needs `resource`. */
export interface MsiTokenResponse {
  access_token: string;
  expires_on: string;
  expires_in: string;
  not_before: string;
  resource: string;
  token_type: 'Bearer';
  client_id: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sameTenant = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A GUID in the path is the token's tenant; anything else (adfs, common, organizations, a domain) is ours. */
function tokenTenant(service: TokenService, flavor: TokenFlavor, pathTenant: string): string {
  if (flavor === 'adfs' || !GUID.test(pathTenant)) return service.tenantId;
  return pathTenant.toLowerCase();
}

function authenticationError(reason: AuthenticationFailure, clientId: string, tenant: string): TokenServiceError {
  switch (reason) {
    case 'unknown-client':
      return unknownClient(clientId, tenant);
    case 'invalid-secret':
      return invalidSecret(clientId);
    case 'missing-credential':
      return missingClientCredential();
    case 'assertion-not-supported':
      return assertionNotSupported();
  }
}

export interface ClientCredentialsRequest {
  host: string;
  flavor: TokenFlavor;
  /** The tenant segment of the path ('adfs' for ADFS). */
  pathTenant: string;
  params: Params;
  /** Credentials from an `Authorization: Basic` header (client_secret_basic). */
  basic?: { clientId: string; secret: string } | undefined;
}

/** Client credentials grant. Unknown fields (claims, client_info, x-client-*) are ignored. */
export function clientCredentialsToken(
  service: TokenService,
  request: ClientCredentialsRequest,
): V2TokenResponse | V1TokenResponse {
  const { params, flavor } = request;
  const grantType = params.grant_type;
  if (!grantType) throw missingParameter('grant_type');
  if (grantType !== 'client_credentials') throw unsupportedGrantType(grantType);

  const clientId = params.client_id || request.basic?.clientId;
  if (!clientId) throw missingParameter('client_id');

  // v1 speaks `resource`, v2 `scope`; ADFS gets both from different clients (ADAL vs MSAL). Accept either anywhere.
  const audience = params.scope ? audienceFromScope(params.scope) : params.resource || undefined;
  if (!audience) throw missingParameter(flavor === 'v1' ? 'resource' : 'scope');

  const tid = tokenTenant(service, flavor, request.pathTenant);
  // In strict mode the declared principals live in our tenant only.
  if (service.principals.mode === 'strict' && !sameTenant(tid, service.tenantId)) {
    throw unknownClient(clientId, request.pathTenant);
  }

  const secret = params.client_secret ?? request.basic?.secret;
  const auth = service.principals.authenticate(clientId, { secret, assertion: params.client_assertion });
  if (!auth.ok) throw authenticationError(auth.reason, clientId, request.pathTenant);

  const { token, claims } = issue(service, request.host, flavor, tid, audience, auth.identity);
  const v2: V2TokenResponse = {
    token_type: 'Bearer',
    expires_in: EXPIRES_IN_SECONDS,
    ext_expires_in: EXPIRES_IN_SECONDS,
    access_token: token,
  };
  if (flavor === 'v2') return v2;
  const { access_token, ...head } = v2;
  return { ...head, expires_on: String(claims.exp), not_before: String(claims.nbf), resource: audience, access_token };
}

function issue(service: TokenService, host: string, flavor: TokenFlavor, tenantId: string, audience: string, identity: Identity) {
  return issueAccessToken(
    {
      host,
      flavor,
      tenantId,
      audience,
      clientId: identity.clientId,
      objectId: identity.objectId,
      nowMs: service.clock.now(),
      managedIdentityResourceId: identity.resourceId,
    },
    service.keys,
  );
}

export interface ManagedIdentityRequest {
  host: string;
  /** The endpoint asked, which decides the shape of a refusal. */
  source: ManagedIdentitySource;
  resource: string | undefined;
  selector: ManagedIdentitySelector;
}

/** Managed identity: the caller has already proven itself with the endpoint's header. */
export function managedIdentityToken(service: TokenService, request: ManagedIdentityRequest): MsiTokenResponse {
  const audience = request.resource ? audienceFromScope(request.resource) : undefined;
  if (!audience) throw msiError(400, 'invalid_request', 'Required audience parameter not specified');
  const identity = service.principals.managedIdentity(request.selector);
  if (!identity) throw identityNotFound(request.source);
  // Managed identity tokens are v1 tokens in Azure, issued by the tenant of the identity: ours.
  const { token, claims } = issue(service, request.host, 'v1', service.tenantId, audience, identity);
  return {
    access_token: token,
    expires_on: String(claims.exp),
    expires_in: String(EXPIRES_IN_SECONDS),
    not_before: String(claims.nbf),
    resource: audience,
    token_type: 'Bearer',
    client_id: identity.clientId,
  };
}
