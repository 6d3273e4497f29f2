import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { DEFAULT_SUBSCRIPTION_ID, placementOf, type ResourceGroup, type Vault } from '../../domain/vaults.js';
import { queryValue } from '../checks.js';
import { badRequest, resourceGroupLocationConflict, resourceGroupNotFound } from '../errors.js';
import { checkSubscription, groupId, normalizeLocation, VAULT_TYPE } from '../ids.js';
import { pageOf } from '../paging.js';
import { GroupPutBody, type GroupPutBodyT } from '../schemas.js';
import { renderGenericResource } from '../vault-model.js';

/**
 * What clients need from Microsoft.Resources and the subscription API around the vaults: one subscription (any GUID
 * answers, docs/arm.md), the tenant, resource groups, and the generic resource list the SDKs use to find vaults.
 */

const GROUP = '/subscriptions/:subscriptionId/resourcegroups/:resourceGroupName';
type GroupParams = { subscriptionId: string; resourceGroupName: string };

const renderGroup = (g: ResourceGroup) => ({
  id: groupId(g.subscriptionId, g.name),
  name: g.name,
  type: 'Microsoft.Resources/resourceGroups',
  location: g.location,
  tags: g.tags,
  properties: { provisioningState: 'Succeeded' },
});

/**
 * The part of OData $filter clients send for vaults: `resourceType eq '...'`, optionally `and name eq '...'`.
 * Anything else in the filter is ignored rather than refused.
 */
export function genericFilter(filter: string | undefined): (v: Vault) => boolean {
  const type = filter && /resourceType\s+eq\s+'([^']*)'/i.exec(filter)?.[1];
  const name = filter && /(?:^|\s)name\s+eq\s+'([^']*)'/i.exec(filter)?.[1];
  return (v) =>
    (!type || type.toLowerCase() === VAULT_TYPE.toLowerCase()) && (!name || name.toLowerCase() === v.name.toLowerCase());
}

export function resourceRoutes(domain: Domain, tenantId: string): FastifyPluginAsync {
  const subscription = (id: string) => ({
    id: `/subscriptions/${id}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: id,
    tenantId,
    displayName: id === DEFAULT_SUBSCRIPTION_ID ? 'Kyanite' : `Kyanite ${id}`,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  });

  return async (app) => {
    // Who the caller is and what it may ask for: any signed-in caller may list them (src/arm/authorization.ts).
    app.get('/subscriptions', { config: { permission: 'open' } }, async () => ({ value: [subscription(DEFAULT_SUBSCRIPTION_ID)], count: { type: 'Total', value: 1 } }));
    app.get<{ Params: { subscriptionId: string } }>('/subscriptions/:subscriptionId', async (request) =>
      subscription(checkSubscription(request.params.subscriptionId)),
    );
    app.get('/tenants', { config: { permission: 'open' } }, async () => ({
      value: [{ id: `/tenants/${tenantId}`, tenantId, tenantCategory: 'Home', displayName: 'Kyanite', defaultDomain: 'kyanite.localhost' }],
    }));

    const vaultsOf = (subscriptionId: string, group?: string) =>
      domain.vaults.list().filter((v) => {
        const p = placementOf(v.properties);
        return p.subscriptionId.toLowerCase() === subscriptionId && (!group || p.resourceGroup.toLowerCase() === group.toLowerCase());
      });

    // Generic resource lists: the vaults are the only resources Kyanite has.
    const resources = async (request: FastifyRequest<{ Params: { subscriptionId: string; resourceGroupName?: string } }>) => {
      const filter = genericFilter(queryValue(request, '$filter'));
      const listed = vaultsOf(checkSubscription(request.params.subscriptionId), request.params.resourceGroupName).filter(filter);
      return pageOf(request, listed.map(renderGenericResource));
    };
    app.get('/subscriptions/:subscriptionId/resources', resources);
    app.get(`${GROUP}/resources`, resources);

    app.get<{ Params: { subscriptionId: string } }>('/subscriptions/:subscriptionId/resourcegroups', async (request) =>
      pageOf(request, domain.vaults.groups.list(checkSubscription(request.params.subscriptionId)).map(renderGroup)),
    );

    const groupAt = (p: GroupParams) => {
      const group = domain.vaults.groups.get(checkSubscription(p.subscriptionId), p.resourceGroupName);
      if (!group) throw resourceGroupNotFound(p.resourceGroupName);
      return group;
    };

    // CheckExistence answers 204 or 404 without a body; declared before GET so Fastify does not derive it from GET.
    app.head<{ Params: GroupParams }>(GROUP, async (request, reply) => {
      const exists = domain.vaults.groups.get(checkSubscription(request.params.subscriptionId), request.params.resourceGroupName);
      return reply.code(exists ? 204 : 404).send();
    });
    app.get<{ Params: GroupParams }>(GROUP, async (request) => renderGroup(groupAt(request.params)));

    app.put<{ Params: GroupParams; Body: GroupPutBodyT }>(GROUP, { schema: { body: GroupPutBody } }, async (request, reply) => {
      const subscriptionId = checkSubscription(request.params.subscriptionId);
      const name = request.params.resourceGroupName;
      if (!/^[-\w._()]{1,90}$/.test(name) || name.endsWith('.')) {
        throw badRequest(`The resource group name '${name}' is invalid: use up to 90 letters, digits, '-', '_', '.', '(' and ')', not ending in '.'.`);
      }
      const tags = request.body.tags ?? {};
      const location = normalizeLocation(request.body.location);
      const result = domain.vaults.groups.put(subscriptionId, name, location, tags);
      if (!result) throw resourceGroupLocationConflict(name, domain.vaults.groups.get(subscriptionId, name)!.location);
      return reply.code(result.created ? 201 : 200).send(renderGroup(result.group));
    });

    // Deleting is synchronous (200, no Location), so pollers end at once; the group's vaults go soft-deleted.
    app.delete<{ Params: GroupParams }>(GROUP, async (request, reply) => {
      const removed = domain.vaults.groups.remove(checkSubscription(request.params.subscriptionId), request.params.resourceGroupName);
      if (!removed) throw resourceGroupNotFound(request.params.resourceGroupName);
      return reply.code(200).send();
    });
  };
}
