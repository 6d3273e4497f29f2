import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { isValidVaultName } from '../../domain/vaults.js';
import { badRequest } from '../errors.js';
import { checkSubscription, PROVIDER, VAULT_TYPE } from '../ids.js';
import { NameCheckBody, type NameCheckBodyT } from '../schemas.js';

/** The provider-level operations: operations list, name availability, and the (empty) managed HSM lists. */

const operation = (name: string, resource: string, op: string, description: string) => ({
  name: `Microsoft.KeyVault/${name}`,
  isDataAction: false,
  display: { provider: 'Microsoft Key Vault', resource, operation: op, description },
  origin: 'user,system',
});

const OPERATIONS = [
  operation('vaults/read', 'Key Vault', 'View Key Vault', 'View the properties of a key vault'),
  operation('vaults/write', 'Key Vault', 'Update Key Vault', 'Create a new key vault or update the properties of an existing key vault'),
  operation('vaults/delete', 'Key Vault', 'Delete Key Vault', 'Delete a key vault'),
  operation('vaults/accessPolicies/write', 'Access Policy', 'Update Access Policy', 'Update an existing access policy by merging or replacing, or add a new access policy to a vault'),
  operation('vaults/secrets/read', 'Secret', 'View Secret Properties', 'View the properties of a secret, but not its value'),
  operation('vaults/secrets/write', 'Secret', 'Update Secret', 'Create a new secret or update the value of an existing secret'),
  operation('vaults/keys/read', 'Key', 'Read Key', 'List the keys of a vault, or get the properties of a key'),
  operation('vaults/keys/write', 'Key', 'Create Key', 'Create a key if it does not exist'),
  operation('vaults/keys/versions/read', 'Key Version', 'Read Key Version', 'List the versions of a key, or get one'),
  operation('vaults/privateEndpointConnections/read', 'Private Endpoint Connection', 'View Private Endpoint Connection', 'View a private endpoint connection of a vault'),
  operation('vaults/privateEndpointConnections/write', 'Private Endpoint Connection', 'Update Private Endpoint Connection', 'Approve or reject a private endpoint connection'),
  operation('vaults/privateEndpointConnections/delete', 'Private Endpoint Connection', 'Delete Private Endpoint Connection', 'Delete a private endpoint connection'),
  operation('vaults/privateLinkResources/read', 'Private Link Resource', 'View Private Link Resources', 'View the private link resources of a vault'),
  operation('checkNameAvailability/read', 'Name Availability', 'Check Name Availability', 'Checks that a key vault name is valid and is not in use'),
  operation('deletedVaults/read', 'Soft Deleted Key Vault', 'View Soft Deleted Vaults', 'View the properties of soft deleted key vaults'),
  operation('locations/deletedVaults/read', 'Soft Deleted Key Vault', 'View Soft Deleted Key Vault', 'View the properties of a soft deleted key vault'),
  operation('locations/deletedVaults/purge/action', 'Soft Deleted Key Vault', 'Purge Soft Deleted Key Vault', 'Purge a soft deleted key vault'),
  operation('operations/read', 'Available Key Vault Operations', 'List Available Key Vault Operations', 'Lists operations available on Microsoft.KeyVault resource provider'),
];

export function providerRoutes(domain: Domain): FastifyPluginAsync {
  return async (app) => {
    app.get('/providers/Microsoft.KeyVault/operations', { config: { permission: 'open' } }, async () => ({ value: OPERATIONS }));

    const nameCheck = { schema: { body: NameCheckBody } };
    app.post<{ Params: { subscriptionId: string }; Body: NameCheckBodyT }>(`/subscriptions/:subscriptionId${PROVIDER}/checkNameAvailability`, nameCheck, async (request) => {
      checkSubscription(request.params.subscriptionId);
      const { name, type } = request.body;
      // Compared without case, as ARM compares resource types.
      if (type.toLowerCase() !== VAULT_TYPE.toLowerCase()) throw badRequest(`The property 'type' must be '${VAULT_TYPE}'.`);
      if (!isValidVaultName(name)) {
        return {
          nameAvailable: false,
          reason: 'AccountNameInvalid',
          message: `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.`,
        };
      }
      // Names are global, and a soft-deleted vault still holds its name.
      if (domain.vaults.holder(name, '', '') !== 'nobody') {
        return { nameAvailable: false, reason: 'AlreadyExists', message: `The vault name '${name}' is already in use.` };
      }
      return { nameAvailable: true };
    });

    // Kyanite has no managed HSMs; clients (az keyvault list) ask anyway and want an empty page.
    const empty = async () => ({ value: [] });
    app.get(`/subscriptions/:subscriptionId${PROVIDER}/managedHSMs`, empty);
    app.get(`/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName${PROVIDER}/managedHSMs`, empty);
    app.get(`/subscriptions/:subscriptionId${PROVIDER}/deletedManagedHSMs`, empty);
  };
}
