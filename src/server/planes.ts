import type { FastifyPluginAsync } from 'fastify';
import { armPlane } from '../arm/index.js';
import { createRoleAssignments, grantAdmins } from '../domain/access.js';
import type { Domain } from '../domain/index.js';
import { DEFAULT_TENANT_ID } from '../domain/vaults.js';
import {
  DEFAULT_MANAGED_IDENTITY_CLIENT_ID,
  createPrincipalDirectory,
  identityRoutes,
  lazySigningKey,
  type Principal,
  type PrincipalDirectory,
} from '../identity/index.js';
import type { Store } from '../store/index.js';
import type { FastifyRequest } from 'fastify';
import { strictAdminCheck, strictArmCheck, strictDataPlaneCheck, type TokenCheck } from './auth.js';
import type { AuthMode, Config } from './config.js';
import { operationAuthorizer } from './permissions.js';

export { DEFAULT_TENANT_ID };

export interface PlaneOptions {
  domain: Domain;
  store: Store;
  auth: AuthMode;
  tenantId?: string;
  /** Principals that may sign in with a secret (the only ones in strict mode). */
  principals?: readonly Principal[];
  /** Client ids given every permission on `vaults` in strict mode; see Config.adminPrincipals for the default. */
  adminPrincipals?: readonly string[];
  /** The pre-made vaults (default and --vault) that get the admin access policy in strict mode. */
  vaults?: readonly string[];
}

export interface Planes {
  /** Registered at the root beside the data plane. */
  plugins: FastifyPluginAsync[];
  /** The data plane's token check: set in strict mode only (in --auth any every Bearer passes). */
  tokenCheck?: TokenCheck;
  /** The admin routes' check: an admin principal's token, in strict mode only. */
  adminCheck?: (request: FastifyRequest) => void;
}

/**
 * In strict mode the pre-made vaults would refuse everyone (they have no access policies), so the admin principals
 * get an `all` entry in each: by default every declared principal and the system-assigned managed identity, which is
 * what a user who declares `--principal app:secret` expects to be able to use at once.
 */
function adminObjectIds(options: PlaneOptions, principals: PrincipalDirectory): string[] {
  const clientIds = options.adminPrincipals ?? [...(options.principals ?? []).map((p) => p.clientId), DEFAULT_MANAGED_IDENTITY_CLIENT_ID];
  // The managed identity is not a declared principal; its object id comes from the same derivation the token uses.
  return clientIds.map((id) => principals.find(id)?.objectId ?? principals.managedIdentity({ clientId: id }).objectId);
}

function seedAdminPolicies(options: PlaneOptions, objectIds: readonly string[], tenantId: string): void {
  for (const name of options.vaults ?? []) {
    const vault = options.domain.vaults.find(name);
    const properties = vault && grantAdmins(vault, tenantId, objectIds, options.domain.clock);
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
  const admins = strict ? adminObjectIds(options, principals) : [];
  if (strict) seedAdminPolicies(options, admins, tenantId);

  const plugins = [
    identityRoutes({ keys, clock, tenantId, principals }),
    armPlane({ domain: options.domain, tenantId, roleAssignments, ...(strict && { tokenCheck: strictArmCheck({ keys, clock, tenantId }) }) }),
  ];
  if (!strict) return { plugins };
  const adminSet = new Set(admins.map((oid) => oid.toLowerCase()));
  return {
    plugins,
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
