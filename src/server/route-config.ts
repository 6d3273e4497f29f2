import type { PermissionArea, RequiredPermission } from '../domain/access.js';

/**
 * What a route says about itself, in its own options (`config`), so that the hooks need no list beside the routes:
 * a route added without its metadata is caught by test/http/route-metadata.test.ts, not by a caller in strict mode.
 * - `permission`: the access-policy permission a data-plane operation needs (`{ area: 'keys', permission: 'sign' }`),
 *   or 'open' where any authenticated caller may proceed (random bytes; on ARM the subscription, tenant and
 *   operation lists). ARM routes without it are judged by the action their path and method name
 *   (src/arm/authorization.ts), as ARM does.
 * - `throttle`: the row of the service's per-vault limits the operation counts against (src/server/chaos.ts). Only
 *   data-plane operations have one, and only they are throttled, delayed or failed on demand.
 */

/** The service's transaction classes (learn.microsoft.com/azure/key-vault/general/service-limits). */
export type ThrottleClass = 'secretCreate' | 'secretOther' | 'keyCreate' | 'keyOther';

export type RoutePermission = Pick<RequiredPermission, 'area' | 'permission'>;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RoutePermission | 'open';
    throttle?: ThrottleClass;
  }
}

export interface OperationConfig {
  permission: RoutePermission | 'open';
  throttle: ThrottleClass;
}

/**
 * A data-plane operation's config. The throttle class defaults by area as the service's table does (keys count in
 * the key table, secrets and certificates in "all other transactions"); creates say theirs.
 */
export function operation(area: PermissionArea, permission: string, throttle: ThrottleClass = area === 'keys' ? 'keyOther' : 'secretOther'): OperationConfig {
  return { permission: { area, permission }, throttle };
}
