import type { FastifyPluginAsync } from 'fastify';
import { armAuthorizer } from '../arm/authorization.js';
import { armPlane } from '../arm/index.js';
import { createRoleAssignments, grantAdmins } from '../domain/access.js';
import type { Domain } from '../domain/index.js';
import { DEFAULT_TENANT_ID } from '../domain/vaults.js';
import {
  createPrincipalDirectory,
  identityRoutes,
  imdsRoutes,
  lazySigningKey,
  type Principal,
} from '../identity/index.js';
import type { Store } from '../store/index.js';
import type { FastifyRequest } from 'fastify';
import { operationAuthorizer, strictAdminCheck, strictArmCheck, strictDataPlaneCheck, type TokenCheck } from './auth.js';
import type { AuthMode, Config } from './config.js';

export { DEFAULT_TENANT_ID };

export interface PlaneOptions {
  domain: Domain;
  store: Store;
  auth: AuthMode;
  tenantId?: string;
  /** Declared principals (with secrets) and managed identities: in strict mode the only identities issued. */
  principals?: readonly Principal[];
  /** Client ids given every permission on `vaults` and Owner of every subscription in strict mode; none by default. */
  adminPrincipals?: readonly string[];
  /** The pre-made vaults (default and --vault) that get the admin access policy in strict mode. */
  vaults?: readonly string[];
}

export interface Planes {
  /** Registered at the root beside the data plane. */
  plugins: FastifyPluginAsync[];
  /** The data plane's token check: set in strict mode only (in --auth any every Bearer passes). */
  tokenCheck?: TokenCheck;
  /** IMDS's identity endpoint alone, over the same token service, for the plain-HTTP listener (--imds-port). */
  imds: FastifyPluginAsync;
  /** The admin routes' check: an admin principal's token, in strict mode only. */
  adminCheck?: (request: FastifyRequest) => void;
}

/**
 * In strict mode no identity holds a permission nobody gave it: the pre-made vaults get an `all` access policy
 * entry for the admin principals (--admin-principal) and for no one else; declaring a principal grants nothing.
 */
function seedAdminPolicies(options: PlaneOptions, adminObjectIds: readonly string[], tenantId: string): void {
  if (adminObjectIds.length === 0) return;
  for (const name of options.vaults ?? []) {
    const vault = options.domain.vaults.find(name);
    const properties = vault && grantAdmins(vault, tenantId, adminObjectIds, options.domain.clock);
    if (vault && properties) options.domain.vaults.save(vault.name, properties);
  }
}

/**
 * The planes registered at the root beside the data plane: the token service (which must stay outside the data
 * plane's auth hook, since token requests carry no bearer token) and the management plane; in strict mode also the
 * data plane's token check, built over the same signing key so the token service's tokens are the ones accepted.
 */
export function createPlanes(options: PlaneOptions): Planes {
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const keys = lazySigningKey(options.store.settings);
  const clock = options.domain.clock;
  const principals = createPrincipalDirectory(options.principals ?? [], options.auth);
  const roleAssignments = createRoleAssignments(options.store);
  const strict = options.auth === 'strict';
  // Admins are named by client id; policies and role checks speak object ids (declared, or derived as tokens do).
  const adminObjectIds = (options.adminPrincipals ?? []).map((id) => principals.objectIdOf(id));
  if (strict) seedAdminPolicies(options, adminObjectIds, tenantId);

  const tokenService = { keys, clock, tenantId, principals };
  const imds = imdsRoutes(tokenService);
  const plugins = [
    identityRoutes(tokenService),
    armPlane({
      domain: options.domain,
      tenantId,
      roleAssignments,
      objectIdOf: (clientId) => principals.objectIdOf(clientId),
      ...(strict && {
        tokenCheck: strictArmCheck({ keys, clock, tenantId }),
        authorize: armAuthorizer({ assignments: roleAssignments, adminObjectIds }),
      }),
    }),
  ];
  if (!strict) return { plugins, imds };
  const adminSet = new Set(adminObjectIds.map((oid) => oid.toLowerCase()));
  return {
    plugins,
    imds,
    tokenCheck: strictDataPlaneCheck({ keys, clock, tenantId }, operationAuthorizer(options.domain.vaults, roleAssignments)),
    adminCheck: strictAdminCheck({ keys, clock, tenantId }, (claims) => adminSet.has(claims.oid.toLowerCase())),
  };
}

/** The root planes alone (test apps in --auth any). */
export const rootPlanes = (options: PlaneOptions): FastifyPluginAsync[] => createPlanes(options).plugins;

/** What startServer hands to buildApp: the planes and, in strict mode, the data plane's check. */
export function planesFor(config: Config, domain: Domain, store: Store): Planes {
  return createPlanes({
    domain,
    store,
    auth: config.auth,
    principals: config.principals ?? [],
    vaults: config.vaults,
    ...(config.adminPrincipals && { adminPrincipals: config.adminPrincipals }),
  });
}
