import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  ROLE_DEFINITIONS,
  normalizeScope,
  rbacActionOf,
  roleDefinitionOf,
  scopeCovers,
  type RoleAssignment,
  type RoleAssignments,
  type RoleDefinition,
} from '../../domain/access.js';
import type { Clock } from '../../domain/clock.js';
import { KeyVaultError } from '../../domain/errors.js';
import { queryValue } from '../checks.js';
import { checkSubscription, isGuid, isoDate, PROVIDER } from '../ids.js';
import { pageOf } from '../paging.js';
import { RoleAssignmentPutBody, type RoleAssignmentPutBodyT } from '../schemas.js';
import { objectIdOfToken } from './graph.js';

/**
 * Microsoft.Authorization role assignments and (built-in, read-only) role definitions, at the scopes that matter for
 * vaults: a subscription, a resource group, a vault, or one object in a vault. The data plane reads the same
 * assignments when a vault has enableRbacAuthorization (src/domain/access.ts).
 */

const AUTHZ = '/providers/Microsoft.Authorization';
const SCOPES = [
  '/subscriptions/:subscriptionId',
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName',
  `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName${PROVIDER}/vaults/:vaultName`,
  `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName${PROVIDER}/vaults/:vaultName/:objectKind/:objectName`,
];

/** The scope exactly as the client wrote it in the path (ids are echoed back the way they came in). */
function scopeOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0]!.replace(/\/{2,}/g, '/');
  const at = path.toLowerCase().indexOf(`${AUTHZ.toLowerCase()}/`);
  const scope = path.slice(0, at);
  checkSubscription((request.params as { subscriptionId: string }).subscriptionId);
  return decodeURIComponent(scope);
}

const assignmentNotFound = (name: string) =>
  new KeyVaultError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
const definitionNotFound = (id: string) =>
  new KeyVaultError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${id}' does not exist.`);

function renderAssignment(a: RoleAssignment) {
  return {
    id: `${a.scope}${AUTHZ}/roleAssignments/${a.name}`,
    name: a.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: isoDate(a.createdOn),
      updatedOn: isoDate(a.updatedOn),
      createdBy: a.createdBy ?? null,
      updatedBy: a.createdBy ?? null,
      delegatedManagedIdentityResourceId: null,
      description: a.description ?? null,
    },
  };
}

/** Built-in definitions live at the subscription whatever scope they are read at, as in ARM. */
function renderDefinition(subscriptionId: string, r: RoleDefinition) {
  const dataActions = Object.entries(r.grants).flatMap(([area, grants]) =>
    grants === 'all'
      ? [`Microsoft.KeyVault/vaults/${area}/*`]
      : [...new Set(grants.map((p) => rbacActionOf(area as keyof RoleDefinition['grants'], p)))],
  );
  return {
    id: `/subscriptions/${subscriptionId}${AUTHZ}/roleDefinitions/${r.id}`,
    name: r.id,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      roleName: r.roleName,
      type: 'BuiltInRole',
      description: r.description,
      assignableScopes: ['/'],
      permissions: [{ actions: [...r.actions], notActions: [...r.notActions], dataActions, notDataActions: [] }],
    },
  };
}

/** The body, its shape checked by RoleAssignmentPutBody; the role must exist and the principal id be a GUID. */
function parsePut(body: RoleAssignmentPutBodyT): { roleDefinitionId: string; principalId: string; principalType: string; description?: string } {
  const p = body.properties;
  if (!roleDefinitionOf(p.roleDefinitionId)) throw definitionNotFound(p.roleDefinitionId);
  if (!isGuid(p.principalId)) {
    throw new KeyVaultError(400, 'InvalidPrincipalId', `The principal id '${String(p.principalId)}' is not valid. It must be a GUID.`);
  }
  return {
    roleDefinitionId: p.roleDefinitionId,
    principalId: p.principalId.toLowerCase(),
    principalType: p.principalType ?? 'ServicePrincipal',
    ...(typeof p.description === 'string' && { description: p.description }),
  };
}

/**
 * ARM's list rules: without a filter, assignments at, above and below the scope; `atScope()` keeps those at or
 * above; `principalId eq '…'` (or `assignedTo('…')`) keeps one principal's.
 */
function listFilter(filter: string | undefined, scope: string): (a: RoleAssignment) => boolean {
  const principal = filter && (/principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1] ?? /assignedTo\('([^']+)'\)/i.exec(filter)?.[1]);
  const atScope = filter !== undefined && /atScope\(\)/i.test(filter);
  return (a) =>
    (!principal || a.principalId.toLowerCase() === principal.toLowerCase()) &&
    (scopeCovers(a.scope, scope) || (!atScope && scopeCovers(scope, a.scope)));
}

export function roleAssignmentRoutes(assignments: RoleAssignments, clock: Clock): FastifyPluginAsync {
  return async (app) => {
    for (const scopePattern of SCOPES) {
      const one = `${scopePattern}${AUTHZ}/roleAssignments/:roleAssignmentName`;
      type One = { Params: { roleAssignmentName: string } };

      app.put<One & { Body: RoleAssignmentPutBodyT }>(one, { schema: { body: RoleAssignmentPutBody } }, async (request, reply) => {
        const scope = scopeOf(request);
        const name = request.params.roleAssignmentName.toLowerCase();
        if (!isGuid(name)) {
          throw new KeyVaultError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
        }
        const put = parsePut(request.body);
        const same = (a: RoleAssignment) =>
          normalizeScope(a.scope) === normalizeScope(scope) &&
          a.principalId === put.principalId &&
          roleDefinitionOf(a.roleDefinitionId) === roleDefinitionOf(put.roleDefinitionId);
        const existing = assignments.get(name);
        if (existing && !same(existing)) {
          throw new KeyVaultError(
            409,
            'RoleAssignmentUpdateNotPermitted',
            'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
          );
        }
        if (!existing && assignments.list().some(same)) throw new KeyVaultError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
        const now = Math.floor(clock.now() / 1000);
        const createdBy = request.caller?.oid ?? objectIdOfToken(request.bearer);
        const assignment: RoleAssignment = {
          name,
          scope: existing?.scope ?? scope,
          ...put,
          createdOn: existing?.createdOn ?? now,
          updatedOn: now,
          ...(createdBy && { createdBy }),
        };
        assignments.put(assignment);
        return reply.code(201).send(renderAssignment(assignment));
      });

      app.get<One>(one, async (request) => {
        const scope = scopeOf(request);
        const found = assignments.get(request.params.roleAssignmentName);
        if (!found || normalizeScope(found.scope) !== normalizeScope(scope)) throw assignmentNotFound(request.params.roleAssignmentName);
        return renderAssignment(found);
      });

      // ARM answers 204 for an assignment that is not there, so deleting twice is no error.
      app.delete<One>(one, async (request, reply) => {
        const scope = scopeOf(request);
        const found = assignments.get(request.params.roleAssignmentName);
        if (!found || normalizeScope(found.scope) !== normalizeScope(scope)) return reply.code(204).send();
        assignments.remove(found.name);
        return reply.code(200).send(renderAssignment(found));
      });

      app.get(`${scopePattern}${AUTHZ}/roleAssignments`, async (request) => {
        const scope = scopeOf(request);
        return pageOf(request, assignments.list().filter(listFilter(queryValue(request, '$filter'), scope)).map(renderAssignment));
      });

      app.get<{ Params: { subscriptionId: string } }>(`${scopePattern}${AUTHZ}/roleDefinitions`, async (request) => {
        scopeOf(request);
        const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(queryValue(request, '$filter') ?? '')?.[1];
        const matches = ROLE_DEFINITIONS.filter((r) => !roleName || r.roleName.toLowerCase() === roleName.toLowerCase());
        return { value: matches.map((r) => renderDefinition(request.params.subscriptionId, r)) };
      });

      app.get<{ Params: { subscriptionId: string; roleDefinitionId: string } }>(
        `${scopePattern}${AUTHZ}/roleDefinitions/:roleDefinitionId`,
        async (request) => {
          scopeOf(request);
          const found = roleDefinitionOf(request.params.roleDefinitionId);
          if (!found) throw definitionNotFound(request.params.roleDefinitionId);
          return renderDefinition(request.params.subscriptionId, found);
        },
      );
    }
  };
}
