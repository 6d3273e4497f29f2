import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { isValidVaultName, placementOf, type Vault } from '../../domain/vaults.js';
import { parseAccessPolicies, UPDATE_KINDS, updateAccessPolicies, type UpdateKind } from '../access-policies.js';
import {
  badRequest,
  invalidVaultName,
  nothingToRecover,
  vaultLocationConflict,
  vaultNameSoftDeleted,
  vaultNameTaken,
} from '../errors.js';
import { checkSubscription, PROVIDER, vaultId } from '../ids.js';
import { pageOf } from '../paging.js';
import { AccessPolicyUpdateBody, VaultPatchBody, VaultPutBody, type AccessPolicyUpdateBodyT, type VaultPatchBodyT, type VaultPutBodyT } from '../schemas.js';
import { accessPoliciesOf, parseVaultPut, propertiesAfterPatch, propertiesAfterPut, renderVault, saveVault } from '../vault-model.js';
import { GROUP, liveVaultAt, VAULT, type VaultParams } from '../vault-scope.js';

type GroupParams = Omit<VaultParams, 'vaultName'>;

const sameText = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Vaults_* of Microsoft.KeyVault: the HTTP side; the lifecycle rules are the vault registry's. */
export function vaultRoutes(domain: Domain): FastifyPluginAsync {
  const vaults = domain.vaults;

  const vaultAt = (p: VaultParams): Vault => liveVaultAt(vaults, p);

  const inGroupOf = (subscriptionId: string, group?: string) => (v: Vault) => {
    const p = placementOf(v.properties);
    return sameText(p.subscriptionId, subscriptionId) && (group === undefined || sameText(p.resourceGroup, group));
  };

  return async (app) => {
    app.put<{ Params: VaultParams; Body: VaultPutBodyT }>(VAULT, { schema: { body: VaultPutBody } }, async (request, reply) => {
      const { resourceGroupName: group, vaultName: name } = request.params;
      const subscriptionId = checkSubscription(request.params.subscriptionId);
      if (!isValidVaultName(name)) throw invalidVaultName(name);
      const put = parseVaultPut(request.body);
      const placement = { subscriptionId, resourceGroup: group, location: put.location };
      const holder = vaults.holder(name, subscriptionId, group);

      if (put.recover) {
        if (holder !== 'deleted') throw nothingToRecover(name);
        const recovered = vaults.recover(name, placement)!;
        return reply.code(200).send(renderVault(request, recovered));
      }
      if (holder === 'deleted') throw vaultNameSoftDeleted();
      if (holder === 'another-group') throw vaultNameTaken(name);

      const before = holder === 'this-group' ? vaults.find(name) : undefined;
      if (before && placementOf(before.properties).location !== put.location) {
        throw vaultLocationConflict(before.name, placementOf(before.properties).location, group, put.location);
      }
      const properties = propertiesAfterPut(put, before?.properties, placement, request.armApiVersion, domain.clock.now());
      const saved = saveVault(vaults, before?.name ?? name, properties);
      return reply.code(before ? 200 : 201).send(renderVault(request, saved));
    });

    app.get<{ Params: VaultParams }>(VAULT, async (request) => renderVault(request, vaultAt(request.params)));

    app.patch<{ Params: VaultParams; Body: VaultPatchBodyT }>(VAULT, { schema: { body: VaultPatchBody } }, async (request) => {
      const vault = vaultAt(request.params);
      const saved = saveVault(vaults, vault.name, propertiesAfterPatch(request.body, vault.properties, domain.clock.now()));
      return renderVault(request, saved);
    });

    // ARM answers 204 for a resource that is not there, so a repeated delete is no error.
    app.delete<{ Params: VaultParams }>(VAULT, async (request, reply) => {
      const subscriptionId = checkSubscription(request.params.subscriptionId);
      const { resourceGroupName: group, vaultName: name } = request.params;
      if (vaults.holder(name, subscriptionId, group) !== 'this-group') return reply.code(204).send();
      vaults.remove(name);
      return reply.code(200).send();
    });

    const policyUpdate = { schema: { body: AccessPolicyUpdateBody } };
    app.put<{ Params: VaultParams & { operationKind: string }; Body: AccessPolicyUpdateBodyT }>(`${VAULT}/accessPolicies/:operationKind`, policyUpdate, async (request) => {
      const kind = request.params.operationKind.toLowerCase() as UpdateKind;
      if (!UPDATE_KINDS.includes(kind)) {
        throw badRequest(`The access policy operation '${request.params.operationKind}' is not valid. Valid operations: ${UPDATE_KINDS.join(', ')}.`);
      }
      const vault = vaultAt(request.params);
      const changes = parseAccessPolicies(request.body.properties.accessPolicies, 'properties.accessPolicies');
      const accessPolicies = updateAccessPolicies(accessPoliciesOf(vault.properties), kind, changes);
      saveVault(vaults, vault.name, { ...vault.properties, accessPolicies, lastModifiedAt: Math.floor(domain.clock.now() / 1000) });
      const p = placementOf(vault.properties);
      return {
        id: `${vaultId(p.subscriptionId, p.resourceGroup, vault.name)}/accessPolicies/${kind}`,
        name: kind,
        type: 'Microsoft.KeyVault/vaults/accessPolicies',
        location: p.location,
        properties: { accessPolicies: changes },
      };
    });

    const listed = (request: FastifyRequest, filter: (v: Vault) => boolean) =>
      pageOf(request, vaults.list().filter(filter).map((v) => renderVault(request, v)));

    app.get<{ Params: GroupParams }>(`${GROUP}${PROVIDER}/vaults`, async (request) =>
      listed(request, inGroupOf(checkSubscription(request.params.subscriptionId), request.params.resourceGroupName)),
    );
    app.get<{ Params: { subscriptionId: string } }>(`/subscriptions/:subscriptionId${PROVIDER}/vaults`, async (request) =>
      listed(request, inGroupOf(checkSubscription(request.params.subscriptionId))),
    );
  };
}
