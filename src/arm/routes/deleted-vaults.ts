import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { placementOf, type DeletedVault } from '../../domain/vaults.js';
import { deletedVaultNotFound, purgeProtected } from '../errors.js';
import { checkSubscription, normalizeLocation, PROVIDER } from '../ids.js';
import { pageOf } from '../paging.js';
import { renderDeletedVault } from '../vault-model.js';

interface DeletedParams {
  subscriptionId: string;
  location: string;
  vaultName: string;
}

const DELETED = `/subscriptions/:subscriptionId${PROVIDER}/locations/:location/deletedVaults/:vaultName`;

/** Vaults_ListDeleted, Vaults_GetDeleted and Vaults_PurgeDeleted. */
export function deletedVaultRoutes(domain: Domain): FastifyPluginAsync {
  const vaults = domain.vaults;
  const ownedBy = (subscriptionId: string) => (v: DeletedVault) => placementOf(v.properties).subscriptionId.toLowerCase() === subscriptionId;

  /** A deleted vault is addressed by subscription and location, as the service keeps it after its group is gone. */
  const deletedAt = (p: DeletedParams): DeletedVault => {
    const subscriptionId = checkSubscription(p.subscriptionId);
    const vault = vaults.findDeleted(p.vaultName);
    if (!vault || !ownedBy(subscriptionId)(vault) || placementOf(vault.properties).location !== normalizeLocation(p.location)) {
      throw deletedVaultNotFound(p.vaultName, p.location);
    }
    return vault;
  };

  return async (app) => {
    app.get<{ Params: { subscriptionId: string } }>(`/subscriptions/:subscriptionId${PROVIDER}/deletedVaults`, async (request) => {
      const subscriptionId = checkSubscription(request.params.subscriptionId);
      return pageOf(request, vaults.listDeleted().filter(ownedBy(subscriptionId)).map(renderDeletedVault));
    });

    app.get<{ Params: DeletedParams }>(DELETED, async (request) => renderDeletedVault(deletedAt(request.params)));

    // Purging is immediate, so the answer is 200 and the SDK's poller ends without polling.
    app.post<{ Params: DeletedParams }>(`${DELETED}/purge`, async (request, reply) => {
      const vault = deletedAt(request.params);
      if (vaults.purge(vault.name) === 'protected') throw purgeProtected(vault.name);
      return reply.code(200).send();
    });
  };
}
