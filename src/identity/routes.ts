import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { instanceDiscovery, openIdConfiguration } from './discovery.js';
import { TokenServiceError, msiError, renderTokenServiceError, type ManagedIdentitySource } from './errors.js';
import { clientCredentialsToken, managedIdentityToken, type Params, type TokenService } from './grants.js';
import type { TokenFlavor } from './jwt.js';
import { secretsMatch, type ManagedIdentitySelector } from './principals.js';

/**
 * The token service's HTTP surface: OIDC discovery, JWKS, client-credentials token endpoints (v2, v1, ADFS) and the
 * managed-identity endpoints (IMDS, App Service, Cloud Shell). Register it at the root beside the other planes:
 * every route is an exact pattern whose first segment is a tenant or a fixed word, and Fastify prefers static
 * segments, so data-plane paths such as /secrets/:name/:version still win.
 */

export interface IdentityRoutesOptions extends TokenService {
  /** Expected X-IDENTITY-HEADER (or legacy `secret`) of /msi/token in strict mode; any non-empty value otherwise. */
  identityHeader?: string;
}

export const DEFAULT_IDENTITY_HEADER = 'kyanite';

type TenantRoute = { Params: { tenant: string } };

/** Form fields or query values: only strings count; a repeated query key yields its first value. */
function paramsOf(source: unknown): Params {
  if (typeof source !== 'object' || source === null) return {};
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (typeof value === 'string') params[k] = value;
  }
  return params;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Host and port exactly as the client addressed us, so issuers match the authority it configured. */
const hostOf = (request: FastifyRequest): string => request.host || 'localhost';

/** client_secret_basic: both halves are form-urlencoded before joining (RFC 6749 §2.3.1). */
function basicCredentials(request: FastifyRequest): { clientId: string; secret: string } | undefined {
  const auth = header(request, 'authorization');
  const match = auth?.match(/^Basic\s+(\S+)$/i);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unescape = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { clientId: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
}

const hasMetadataHeader = (request: FastifyRequest) => header(request, 'metadata')?.toLowerCase() === 'true';

const selectorOf = (p: Params): ManagedIdentitySelector => {
  const selector: ManagedIdentitySelector = {};
  // 2019-08-01 App Service names them client_id/principal_id/mi_res_id, 2017-09-01 clientid, IMDS object_id/msi_res_id.
  const clientId = p.client_id ?? p.clientid;
  const objectId = p.object_id ?? p.principal_id;
  const resourceId = p.msi_res_id ?? p.mi_res_id;
  if (clientId) selector.clientId = clientId;
  if (objectId) selector.objectId = objectId;
  if (resourceId) selector.resourceId = resourceId;
  return selector;
};

/** Fastify's own refusals (unparsable body, wrong media type, size) are client mistakes: 400 in Entra's shape. */
function toTokenServiceError(err: unknown): TokenServiceError | undefined {
  if (err instanceof TokenServiceError) return err;
  // Fastify's errors carry statusCode; the root JSON parser's KeyVaultError carries status.
  const status = (err as FastifyError).statusCode ?? (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new TokenServiceError(400, 'invalid_request', `AADSTS900144: The request could not be read: ${(err as Error).message}`, {
      codes: [900144],
    });
  }
  return undefined;
}

function correlationIdOf(request: FastifyRequest): string | undefined {
  return header(request, 'client-request-id') ?? paramsOf(request.query)['client-request-id'];
}

/** With ignoreTrailingSlash the router already answers `/x/`; registering it again would be a duplicate route. */
function routerIgnoresTrailingSlash(app: FastifyInstance): boolean {
  const config = app.initialConfig;
  return config.routerOptions?.ignoreTrailingSlash ?? config.ignoreTrailingSlash ?? false;
}

/** Errors of the token service in Entra's shape (or IMDS's, for the managed-identity endpoints). */
function registerTokenServiceErrors(app: FastifyInstance, service: TokenService): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let known = toTokenServiceError(err);
    if (known) {
      request.log.info({ status: known.status, error: known.error }, 'token request refused');
    } else {
      request.log.error({ err }, 'token service failed');
      const text = 'AADSTS90100: The token service failed on this request; this is a bug.';
      known = new TokenServiceError(500, 'server_error', text, { codes: [90100] });
    }
    const body = renderTokenServiceError(known, { nowMs: service.clock.now(), correlationId: correlationIdOf(request) });
    return reply.code(known.status).header('cache-control', 'no-store').send(body);
  });
}

// Tokens must never be cached by anything in between (RFC 6749 §5.1).
const sendToken = (reply: FastifyReply, body: object) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);

const managedIdentityReply = (service: TokenService, request: FastifyRequest, reply: FastifyReply, params: Params, source: ManagedIdentitySource) =>
  sendToken(reply, managedIdentityToken(service, { host: hostOf(request), source, resource: params.resource, selector: selectorOf(params) }));

/**
 * IMDS's identity endpoint, on its own: the HTTPS port serves it beside the rest of the token service, and the
 * plain-HTTP IMDS listener (--imds-port, src/server/imds.ts) serves nothing else. A request without `Metadata: true`
 * is IMDS's 400, which is also how the SDKs probe whether IMDS is there.
 */
export function imdsRoutes(service: TokenService): FastifyPluginAsync {
  return async (app) => {
    registerTokenServiceErrors(app, service);
    const imds = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!hasMetadataHeader(request)) throw msiError(400, 'invalid_request', 'Required metadata header not specified');
      return managedIdentityReply(service, request, reply, paramsOf(request.query), 'imds');
    };
    app.get('/metadata/identity/oauth2/token', imds);
    // msal-node asks with a trailing slash.
    if (!routerIgnoresTrailingSlash(app)) app.get('/metadata/identity/oauth2/token/', imds);
  };
}

export function identityRoutes(options: IdentityRoutesOptions): FastifyPluginAsync {
  const service: TokenService = options;
  const identityHeader = options.identityHeader ?? DEFAULT_IDENTITY_HEADER;

  return async (app) => {
    // Token requests are form posts (MSAL adds `;charset=utf-8`); the parser is scoped to this plugin.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    registerTokenServiceErrors(app, service);

    // --- discovery -------------------------------------------------------------------------------------------------
    app.get<TenantRoute>('/:tenant/v2.0/.well-known/openid-configuration', async (request) =>
      openIdConfiguration(hostOf(request), 'v2', request.params.tenant),
    );
    app.get<TenantRoute>('/:tenant/.well-known/openid-configuration', async (request) =>
      openIdConfiguration(hostOf(request), 'v1', request.params.tenant),
    );
    app.get('/adfs/.well-known/openid-configuration', async (request) => openIdConfiguration(hostOf(request), 'adfs', 'adfs'));

    // Covers /common/discovery/instance, the path MSAL uses.
    app.get<TenantRoute>('/:tenant/discovery/instance', async (request) =>
      instanceDiscovery(hostOf(request), request.params.tenant, paramsOf(request.query).authorization_endpoint),
    );

    // One key for every tenant and for ADFS (/adfs/discovery/keys matches the tenant pattern).
    const jwks = async () => options.keys.jwks();
    app.get('/:tenant/discovery/v2.0/keys', jwks);
    app.get('/:tenant/discovery/keys', jwks);

    // --- client credentials --------------------------------------------------------------------------------------
    const tokenRoute = (flavor: TokenFlavor) => async (request: FastifyRequest<TenantRoute>, reply: FastifyReply) =>
      sendToken(
        reply,
        clientCredentialsToken(service, {
          host: hostOf(request),
          flavor,
          pathTenant: flavor === 'adfs' ? 'adfs' : request.params.tenant,
          params: paramsOf(request.body),
          basic: basicCredentials(request),
        }),
      );
    app.post<TenantRoute>('/:tenant/oauth2/v2.0/token', tokenRoute('v2'));
    app.post<TenantRoute>('/:tenant/oauth2/token', tokenRoute('v1'));
    app.post<TenantRoute>('/adfs/oauth2/token', tokenRoute('adfs'));

    // --- managed identity ----------------------------------------------------------------------------------------
    await app.register(imdsRoutes(service));

    // App Service: X-IDENTITY-HEADER (2019-08-01) or the older `secret` header (2017-09-01, MSI_SECRET).
    app.get('/msi/token', async (request, reply) => {
      const proof = header(request, 'x-identity-header') || header(request, 'secret');
      if (!proof) throw msiError(400, 'invalid_request', 'Required X-IDENTITY-HEADER header not specified');
      // A wrong value is an authentication failure, hence 401; a missing one is a malformed request (400).
      if (service.principals.mode === 'strict' && !secretsMatch(proof, identityHeader)) {
        throw msiError(401, 'unauthorized_client', 'The X-IDENTITY-HEADER value is not valid');
      }
      return managedIdentityReply(service, request, reply, paramsOf(request.query), 'app-service');
    });

    // Cloud Shell (MSI_ENDPOINT without MSI_SECRET, used by `az login --identity`): a form post with Metadata: true.
    app.post('/msi/token', async (request, reply) => {
      if (!hasMetadataHeader(request)) throw msiError(400, 'invalid_request', 'Required metadata header not specified');
      return managedIdentityReply(service, request, reply, { ...paramsOf(request.query), ...paramsOf(request.body) }, 'cloud-shell');
    });
  };
}
