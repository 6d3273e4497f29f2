/**
 * Which access-policy permission each data-plane operation needs: ONE table, keyed by method and route pattern as
 * Fastify matched it (request.routeOptions.url). Versionless rows (`/secrets/{}`) sit beside versioned ones because
 * a route may be written either way (`/secrets/:name/:version?` reports the versioned pattern). Patterns are compared with every parameter reduced to `{}` and in
 * lower case, so `/secrets/:name/:version?`, `/secrets/{secret-name}/{secret-version}` and a route someone else
 * writes with other parameter names all land on the same row.
 *
 * The permissions are those the service documents per operation (the SDKs' generated clients quote them), except
 * the rotation policy, which the service checks against getrotationpolicy/setrotationpolicy.
 */

import type { FastifyRequest } from 'fastify';
import { authorize, rbacActionOf, type PermissionArea, type RequiredPermission, type RoleAssignments } from '../domain/access.js';
import { KeyVaultError } from '../domain/errors.js';
import type { VaultRegistry } from '../domain/vaults.js';

type Row = readonly [method: string, pattern: string, area: PermissionArea, permission: string];

const KEY_CRYPTO = ['sign', 'verify', 'encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'release'] as const;

const ROWS: readonly Row[] = [
  // --- secrets -----------------------------------------------------------------------------------------------------
  ['GET', '/secrets', 'secrets', 'list'],
  ['PUT', '/secrets/{}', 'secrets', 'set'],
  ['DELETE', '/secrets/{}', 'secrets', 'delete'],
  ['GET', '/secrets/{}', 'secrets', 'get'],
  ['GET', '/secrets/{}/{}', 'secrets', 'get'],
  ['PATCH', '/secrets/{}', 'secrets', 'set'],
  ['PATCH', '/secrets/{}/{}', 'secrets', 'set'],
  ['GET', '/secrets/{}/versions', 'secrets', 'list'],
  ['POST', '/secrets/{}/backup', 'secrets', 'backup'],
  ['POST', '/secrets/restore', 'secrets', 'restore'],
  ['GET', '/deletedsecrets', 'secrets', 'list'],
  ['GET', '/deletedsecrets/{}', 'secrets', 'get'],
  ['DELETE', '/deletedsecrets/{}', 'secrets', 'purge'],
  ['POST', '/deletedsecrets/{}/recover', 'secrets', 'recover'],
  // --- keys --------------------------------------------------------------------------------------------------------
  ['GET', '/keys', 'keys', 'list'],
  ['POST', '/keys/{}/create', 'keys', 'create'],
  ['PUT', '/keys/{}', 'keys', 'import'],
  ['DELETE', '/keys/{}', 'keys', 'delete'],
  ['GET', '/keys/{}', 'keys', 'get'],
  ['GET', '/keys/{}/{}', 'keys', 'get'],
  ['PATCH', '/keys/{}', 'keys', 'update'],
  ['PATCH', '/keys/{}/{}', 'keys', 'update'],
  ['GET', '/keys/{}/{}/attestation', 'keys', 'get'],
  ['GET', '/keys/{}/attestation', 'keys', 'get'],
  ['GET', '/keys/{}/versions', 'keys', 'list'],
  ['POST', '/keys/{}/backup', 'keys', 'backup'],
  ['POST', '/keys/restore', 'keys', 'restore'],
  ['POST', '/keys/{}/rotate', 'keys', 'rotate'],
  ['GET', '/keys/{}/rotationpolicy', 'keys', 'getrotationpolicy'],
  ['PUT', '/keys/{}/rotationpolicy', 'keys', 'setrotationpolicy'],
  ['GET', '/deletedkeys', 'keys', 'list'],
  ['GET', '/deletedkeys/{}', 'keys', 'get'],
  ['DELETE', '/deletedkeys/{}', 'keys', 'purge'],
  ['POST', '/deletedkeys/{}/recover', 'keys', 'recover'],
  // Crypto operations exist on the versioned and the versionless path.
  ...KEY_CRYPTO.flatMap((op): Row[] => [
    ['POST', `/keys/{}/${op}`, 'keys', op],
    ['POST', `/keys/{}/{}/${op}`, 'keys', op],
  ]),
  // --- certificates (src/routes/certificates.ts; patterns from the REST spec) ----------------------------------------
  ['GET', '/certificates', 'certificates', 'list'],
  ['DELETE', '/certificates/{}', 'certificates', 'delete'],
  ['GET', '/certificates/{}', 'certificates', 'get'],
  ['GET', '/certificates/{}/{}', 'certificates', 'get'],
  ['PATCH', '/certificates/{}', 'certificates', 'update'],
  ['PATCH', '/certificates/{}/{}', 'certificates', 'update'],
  ['GET', '/certificates/{}/versions', 'certificates', 'list'],
  ['POST', '/certificates/{}/create', 'certificates', 'create'],
  ['POST', '/certificates/{}/import', 'certificates', 'import'],
  ['POST', '/certificates/{}/backup', 'certificates', 'backup'],
  ['POST', '/certificates/restore', 'certificates', 'restore'],
  ['GET', '/certificates/{}/pending', 'certificates', 'get'],
  ['PATCH', '/certificates/{}/pending', 'certificates', 'update'],
  ['DELETE', '/certificates/{}/pending', 'certificates', 'update'],
  ['POST', '/certificates/{}/pending/merge', 'certificates', 'create'],
  ['GET', '/certificates/{}/policy', 'certificates', 'get'],
  ['PATCH', '/certificates/{}/policy', 'certificates', 'update'],
  ['GET', '/certificates/contacts', 'certificates', 'managecontacts'],
  ['PUT', '/certificates/contacts', 'certificates', 'managecontacts'],
  ['DELETE', '/certificates/contacts', 'certificates', 'managecontacts'],
  ['GET', '/certificates/issuers', 'certificates', 'listissuers'],
  ['GET', '/certificates/issuers/{}', 'certificates', 'getissuers'],
  ['PUT', '/certificates/issuers/{}', 'certificates', 'setissuers'],
  ['PATCH', '/certificates/issuers/{}', 'certificates', 'setissuers'],
  ['DELETE', '/certificates/issuers/{}', 'certificates', 'deleteissuers'],
  ['GET', '/deletedcertificates', 'certificates', 'list'],
  ['GET', '/deletedcertificates/{}', 'certificates', 'get'],
  ['DELETE', '/deletedcertificates/{}', 'certificates', 'purge'],
  ['POST', '/deletedcertificates/{}/recover', 'certificates', 'recover'],
];

/**
 * Operations any authenticated caller may use: random bytes touch no vault object, and the service checks no
 * vault permission for them (on Managed HSM it is an HSM role, which Kyanite does not model).
 */
const OPEN: ReadonlySet<string> = new Set(['POST /rng']);

/** `/keys/:name/:version?` and `/keys/{key-name}/{key-version}` both become `/keys/{}/{}`. */
export function normalizePattern(pattern: string): string {
  return pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') || (segment.startsWith('{') && segment.endsWith('}')) ? '{}' : segment.toLowerCase()))
    .join('/')
    .replace(/\/+$/, '');
}

const TABLE: ReadonlyMap<string, RequiredPermission> = new Map(
  ROWS.map(([method, pattern, area, permission]) => [`${method} ${normalizePattern(pattern)}`, { area, permission, action: rbacActionOf(area, permission) }]),
);

/**
 * The permission an operation needs; 'open' when any authenticated caller may proceed; undefined when the table has
 * no row, which the caller must treat as a denial (a route nobody classified is not thereby public).
 */
export function requiredPermission(method: string, routePattern: string): RequiredPermission | 'open' | undefined {
  const key = `${method.toUpperCase()} ${normalizePattern(routePattern)}`;
  if (OPEN.has(key)) return 'open';
  return TABLE.get(key);
}

/** Every row, for tests that walk the table. */
export const PERMISSION_TABLE: readonly { method: string; pattern: string; required: RequiredPermission }[] = ROWS.map(
  ([method, pattern]) => ({ method, pattern, required: TABLE.get(`${method} ${normalizePattern(pattern)}`)! }),
);

/**
 * The data plane's `authorize` step in strict mode: the operation's permission from the table, then the vault's
 * permission model. Role assignments may be scoped to one object (`.../vaults/V/secrets/NAME`), so the object the
 * route names is passed along; deleted-object routes are judged at the vault.
 */
export function operationAuthorizer(vaults: Pick<VaultRegistry, 'find'>, assignments: RoleAssignments) {
  return (request: FastifyRequest): void => {
    const claims = request.caller;
    const pattern = request.routeOptions.url;
    // The token hook ran first and stored the claims; without them the request cannot have got here in strict mode.
    if (!claims || !pattern) throw new KeyVaultError(403, 'Forbidden', 'The caller could not be identified.', { inner: 'ForbiddenByPolicy' });
    const required = requiredPermission(request.method, pattern);
    if (required === 'open') return;
    if (!required) {
      throw new KeyVaultError(403, 'Forbidden', `Kyanite has no permission rule for ${request.method} ${pattern}, so --auth strict refuses it.`, {
        inner: 'ForbiddenByPolicy',
      });
    }
    const vault = vaults.find(request.vault.name);
    if (!vault) return; // deleted between the two hooks: the route answers VaultNotFound itself
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const object = typeof name === 'string' && pattern.toLowerCase().startsWith(`/${required.area}/`) ? `${required.area}/${name}` : undefined;
    const caller = { oid: claims.oid, appid: claims.appid, tid: claims.tid, iss: claims.iss };
    authorize({ caller, vault, required, object }, assignments);
  };
}
