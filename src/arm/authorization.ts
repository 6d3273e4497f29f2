import type { FastifyRequest } from 'fastify';
import { hasAssignmentWithin, managementAllows, type RoleAssignments } from '../domain/access.js';
import { authorizationFailed, badRequest } from './errors.js';

/**
 * ARM's authorization under --auth strict: each management request is an action (`Microsoft.KeyVault/vaults/write`)
 * over a scope (the request's path), allowed when a role assignment of the caller at that scope or above has a role
 * whose actions cover it (src/domain/access.ts decides). Like ARM, the action is derived from the path and method
 * rather than listed per route, so a new management route is covered the day it is written. The few requests any
 * valid token may make (who the caller is and what exists to ask for, which Azure answers to anyone signed in:
 * docs/identity.md) say so on their route: `config: { permission: 'open' }` (src/server/route-config.ts).
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when a list is answered filtered: which listed ids the caller may read. */
    armReadFilter?: (id: string) => boolean;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** POST operations that only read, and that Azure names as reads. */
const POST_READS = new Set(['microsoft.keyvault/checknameavailability']);

/** The part of a path after its last provider namespace (or all of it), where types and names alternate. */
function typedSegments(path: string): { namespace: string; rest: string[] } {
  const segments = path.split('/').filter(Boolean);
  const at = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const provided = at >= 0 && segments[at + 1] !== undefined;
  return provided
    ? { namespace: segments[at + 1]!, rest: segments.slice(at + 2) }
    : { namespace: 'Microsoft.Resources', rest: segments.map((s) => (s.toLowerCase() === 'resourcegroups' ? 'resourceGroups' : s)) };
}

/** A path that ends on a type names a collection (`…/vaults`, `…/resourcegroups`), not one resource. */
const isCollection = (path: string): boolean => typedSegments(path).rest.length % 2 === 1;

/** The scope a collection lists: `/subscriptions/S/providers/Microsoft.KeyVault/vaults` lists `/subscriptions/S`. */
function containerOf(collection: string): string {
  const segments = collection.split('/').slice(0, -1);
  if (segments.length >= 2 && segments[segments.length - 2]!.toLowerCase() === 'providers') segments.splice(-2);
  return segments.join('/');
}

/**
 * The resource type path of an ARM path, from its last provider namespace: `/subscriptions/S/resourceGroups/G/
 * providers/Microsoft.KeyVault/vaults/V/secrets/N` → `Microsoft.KeyVault/vaults/secrets`. Types and names
 * alternate, so a list (`…/vaults`) and a POST's action (`…/deletedVaults/V/purge`) end on a type. Without a
 * provider the types are Microsoft.Resources' own (subscriptions, resourceGroups, resources).
 */
function typeOf(path: string): string {
  const { namespace, rest } = typedSegments(path);
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join('/');
}

/** The ARM action a request performs: `{type}/read|write|delete`, or `{type}/action` for a POST. */
export function armActionOf(method: string, path: string): string {
  const type = typeOf(path);
  const m = method.toUpperCase();
  if (READ_METHODS.has(m) || (m === 'POST' && POST_READS.has(type.toLowerCase()))) return `${type}/read`;
  if (m === 'DELETE') return `${type}/delete`;
  if (m === 'POST') return `${type}/action`;
  return `${type}/write`;
}

export interface ArmAuthorizerOptions {
  assignments: RoleAssignments;
  /** Object ids of the declared admin principals: Owner of every subscription. */
  adminObjectIds: readonly string[];
}

/**
 * The path ARM judges: no query, no doubled or trailing slashes, each segment percent-decoded. A segment that decodes
 * to `.`, `..` or something holding a `/` would make the scope say other than the route acts on (`rg%2F..%2Fother`
 * is one group name to the router, a way out of `rg` to a prefix check), so such a path is refused.
 */
function scopePath(request: FastifyRequest): string {
  const raw = request.url.split('?')[0]!.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  const segments = raw.split('/').map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      decoded = segment;
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/')) throw badRequest(`The request path segment '${segment}' is not valid.`);
    return decoded;
  });
  return segments.join('/');
}

export function armAuthorizer(options: ArmAuthorizerOptions): (request: FastifyRequest) => void {
  const admins = new Set(options.adminObjectIds.map((id) => id.toLowerCase()));
  return (request) => {
    const path = scopePath(request) || '/';
    if (request.routeOptions.config.permission === 'open') return;
    const oid = request.caller?.oid;
    // The token hook ran first; without claims the request cannot have got here in strict mode.
    if (!oid) throw authorizationFailed('(unknown)', armActionOf(request.method, path), path);
    // Admins are Owner of every subscription: any GUID names one (docs/arm.md), so no scope is outside theirs.
    if (admins.has(oid.toLowerCase())) return;
    const action = armActionOf(request.method, path);
    const assignments = options.assignments.list();
    if (managementAllows(assignments, oid, action, path)) return;
    // A list the caller may not read whole, holding roles below it (a group of the subscription, a vault of the
    // group), is answered with what those roles let it read, as ARM filters `az group list` for such callers.
    if (request.method.toUpperCase() === 'GET' && isCollection(path) && hasAssignmentWithin(assignments, oid, containerOf(path))) {
      request.armReadFilter = (id) => managementAllows(assignments, oid, armActionOf('GET', id), id);
      return;
    }
    throw authorizationFailed(oid, action, path);
  };
}

/** A list body `{value: [{id, …}], …}` with only the items the filter lets through; anything else as it is. */
export function filterListed(payload: unknown, readable: (id: string) => boolean): unknown {
  const value = (payload as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return payload;
  const kept = value.filter((item: { id?: unknown } | null) => typeof item?.id === 'string' && readable(item.id));
  return { ...(payload as object), value: kept };
}
