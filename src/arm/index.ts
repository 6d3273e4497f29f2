import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { RoleAssignments } from '../domain/access.js';
import type { Domain } from '../domain/index.js';
import { DEFAULT_TENANT_ID } from '../domain/vaults.js';
import type { TokenCheck } from '../server/auth.js';
import type { VersionRule } from './api-versions.js';
import { filterListed } from './authorization.js';
import { requireApiVersion, requireBearer } from './checks.js';
import { armValidationError } from './schemas.js';
import { deletedVaultRoutes } from './routes/deleted-vaults.js';
import { graphRoutes } from './routes/graph.js';
import { armKeyRoutes } from './routes/keys.js';
import { metadataRoutes } from './routes/metadata.js';
import { privateLinkRoutes } from './routes/private-links.js';
import { providerRoutes } from './routes/provider.js';
import { resourceRoutes } from './routes/resources.js';
import { roleAssignmentRoutes } from './routes/role-assignments.js';
import { armSecretRoutes } from './routes/secrets.js';
import { vaultRoutes } from './routes/vaults.js';

export interface ArmPlaneOptions {
  domain: Domain;
  /** The strict auth mode's token check; without it any Bearer token is accepted. */
  tokenCheck?: TokenCheck;
  /** The tenant subscriptions report. */
  tenantId?: string;
  /** Microsoft.Authorization role assignments (read by the data plane for RBAC vaults); not served without them. */
  roleAssignments?: RoleAssignments;
  /** The object id a client id's tokens carry (declared principals pin theirs), for Graph's service principal look-up. */
  objectIdOf?: (clientId: string) => string;
  /** The strict auth mode's RBAC check of each management request (src/arm/authorization.ts); none otherwise. */
  authorize?: (request: FastifyRequest) => void;
}

/**
 * The management plane (Microsoft.KeyVault on ARM, with the bits of Resources, Subscriptions, cloud metadata and
 * Graph that clients need), registered at the root beside the data plane. Scopes, in order: metadata without a
 * token; Graph with a token; ARM with a token and an api-version, whose accepted set depends on the provider, then
 * (in strict mode) the caller's role assignments.
 */
export function armPlane(options: ArmPlaneOptions): FastifyPluginAsync {
  const { domain, tokenCheck, authorize } = options;
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;

  const versioned = (rule: VersionRule, routes: FastifyPluginAsync[]) => async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      requireApiVersion(request, rule);
      authorize?.(request);
    });
    app.addHook('preSerialization', async (request, _reply, payload: unknown) =>
      request.armReadFilter ? filterListed(payload, request.armReadFilter) : payload,
    );
    for (const r of routes) await app.register(r);
  };

  return async (app) => {
    // Bodies are validated by the routes' schemas (src/arm/schemas.ts); a failure answers ARM's CloudError.
    app.setSchemaErrorFormatter(armValidationError);
    await app.register(metadataRoutes());
    await app.register(async (authenticated) => {
      authenticated.addHook('onRequest', async (request) => requireBearer(request, tokenCheck));
      await authenticated.register(graphRoutes(options.objectIdOf));
      // Vault sub-resources (keys, secrets, private links) reach the data plane's objects through the domain.
      const vaultObjects = [armKeyRoutes(domain), armSecretRoutes(domain), privateLinkRoutes(domain)];
      const keyvault = [vaultRoutes(domain), deletedVaultRoutes(domain), providerRoutes(domain), ...vaultObjects];
      await authenticated.register(versioned('keyvault', keyvault));
      const generic = [resourceRoutes(domain, tenantId)];
      if (options.roleAssignments) generic.push(roleAssignmentRoutes(options.roleAssignments, domain.clock));
      await authenticated.register(versioned('generic', generic));
    });
  };
}
