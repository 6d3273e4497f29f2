import type { FastifyPluginAsync } from 'fastify';
import { armPlane } from '../arm/index.js';
import type { Domain } from '../domain/index.js';
import { DEFAULT_TENANT_ID } from '../domain/vaults.js';
import { createPrincipalDirectory, identityRoutes, lazySigningKey } from '../identity/index.js';
import type { Store } from '../store/index.js';
import type { AuthMode } from './config.js';

export { DEFAULT_TENANT_ID };

export interface PlaneOptions {
  domain: Domain;
  store: Store;
  auth: AuthMode;
  tenantId?: string;
}

/**
 * The planes registered at the root beside the data plane: the token service (which must stay outside the data
 * plane's auth hook, since token requests carry no bearer token) and the management plane.
 */
export function rootPlanes(options: PlaneOptions): FastifyPluginAsync[] {
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  return [
    identityRoutes({
      keys: lazySigningKey(options.store.settings),
      clock: options.domain.clock,
      tenantId,
      principals: createPrincipalDirectory([], options.auth),
    }),
    armPlane({ domain: options.domain, tenantId }),
  ];
}
