import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { toUnixSeconds } from '../../domain/clock.js';
import { pageOf } from '../paging.js';
import { ConnectionPutBody, type ConnectionPutBodyT } from '../schemas.js';
import { isRecord, type Json } from '../vault-model.js';
import { subResource, VAULT, vaultScope, type VaultParams, type VaultScope } from '../vault-scope.js';

/**
 * A vault's private link surface. Kyanite has no Microsoft.Network, so a private endpoint connection is whatever a
 * client PUTs: kept in the vault's `properties.privateEndpointConnections` (where a vault GET shows it, as the
 * service does) and returned as sent with `provisioningState: "Succeeded"`. The private link resource is the one
 * group the service offers, and a vault has no network security perimeter configurations.
 */

type ConnectionParams = VaultParams & { privateEndpointConnectionName: string };
const CONNECTIONS = `${VAULT}/privateEndpointConnections`;
const CONNECTION_TYPE = 'privateEndpointConnections';

/** An entry of the vault's `privateEndpointConnections`: {id, etag?, properties}. */
interface ConnectionItem {
  id: string;
  etag?: string;
  properties: Json;
}

const nameOf = (item: ConnectionItem): string => item.id.slice(item.id.lastIndexOf('/') + 1);

const storedConnections = (scope: VaultScope): ConnectionItem[] => {
  const raw = scope.vault.properties['privateEndpointConnections'];
  return Array.isArray(raw) ? raw.filter((i): i is ConnectionItem => isRecord(i) && typeof i['id'] === 'string' && isRecord(i['properties'])) : [];
};


export function privateLinkRoutes(domain: Domain): FastifyPluginAsync {
  const render = (scope: VaultScope, item: ConnectionItem, properties = item.properties): Json => ({
    ...subResource(scope, `${CONNECTION_TYPE}/${nameOf(item)}`, nameOf(item), CONNECTION_TYPE, properties),
    ...(item.etag !== undefined && { etag: item.etag }),
  });

  const at = (request: FastifyRequest<{ Params: ConnectionParams }>) => {
    const scope = vaultScope(domain, request);
    const name = request.params.privateEndpointConnectionName;
    const items = storedConnections(scope);
    const index = items.findIndex((i) => nameOf(i).toLowerCase() === name.toLowerCase());
    const save = (next: ConnectionItem[]) =>
      domain.vaults.save(scope.vault.name, { ...scope.vault.properties, privateEndpointConnections: next, lastModifiedAt: toUnixSeconds(domain.clock.now()) });
    return { scope, name, items, index, found: items[index], save };
  };

  return async (app) => {
    app.get<{ Params: VaultParams }>(CONNECTIONS, async (request) => {
      const scope = vaultScope(domain, request);
      return pageOf(request, storedConnections(scope).map((i) => render(scope, i)));
    });

    app.get<{ Params: ConnectionParams }>(`${CONNECTIONS}/:privateEndpointConnectionName`, async (request) => {
      const { scope, name, found } = at(request);
      if (!found) throw scope.missing(`${CONNECTION_TYPE}/${name}`);
      return render(scope, found);
    });

    // Synchronous: 200 with provisioningState Succeeded, no Azure-AsyncOperation header.
    // The body {etag?, properties: {privateEndpoint?, privateLinkServiceConnectionState?}} is checked by its schema.
    const put = { schema: { body: ConnectionPutBody } };
    app.put<{ Params: ConnectionParams; Body: ConnectionPutBodyT }>(`${CONNECTIONS}/:privateEndpointConnectionName`, put, async (request) => {
      const { scope, name, items, index, found, save } = at(request);
      const sent = { ...(typeof request.body.etag === 'string' && { etag: request.body.etag }), properties: (request.body.properties ?? {}) as Json };
      const item: ConnectionItem = {
        id: found?.id ?? `${scope.id}/${CONNECTION_TYPE}/${name}`,
        ...(sent.etag !== undefined ? { etag: sent.etag } : found?.etag !== undefined && { etag: found.etag }),
        // privateEndpoint is Microsoft.Network's to set: a PUT that leaves it out keeps the one stored.
        properties: { ...found?.properties, ...sent.properties, provisioningState: 'Succeeded' },
      };
      save(index < 0 ? [...items, item] : items.map((i, n) => (n === index ? item : i)));
      return render(scope, item);
    });

    // 200 with the connection Disconnected when there was one, 204 when there was none; never 202.
    app.delete<{ Params: ConnectionParams }>(`${CONNECTIONS}/:privateEndpointConnectionName`, async (request, reply) => {
      const { scope, items, index, found, save } = at(request);
      if (!found) return reply.code(204).send();
      save(items.filter((_, n) => n !== index));
      return reply.code(200).send(render(scope, found, { ...found.properties, provisioningState: 'Disconnected' }));
    });

    // Not pageable: a plain {value}.
    app.get<{ Params: VaultParams }>(`${VAULT}/privateLinkResources`, async (request) => {
      const scope = vaultScope(domain, request);
      const properties = { groupId: 'vault', requiredMembers: ['default'], requiredZoneNames: ['privatelink.vaultcore.azure.net'] };
      return { value: [subResource(scope, 'privateLinkResources/vault', 'vault', 'privateLinkResources', properties)] };
    });

    const NSP = `${VAULT}/networkSecurityPerimeterConfigurations`;
    app.get<{ Params: VaultParams }>(NSP, async (request) => {
      vaultScope(domain, request);
      return pageOf(request, []);
    });
    const noConfiguration = async (request: FastifyRequest<{ Params: VaultParams & { configurationName: string } }>) => {
      throw vaultScope(domain, request).missing(`networkSecurityPerimeterConfigurations/${request.params.configurationName}`);
    };
    app.get(`${NSP}/:configurationName`, noConfiguration);
    app.post(`${NSP}/:configurationName/reconcile`, noConfiguration);
  };
}
