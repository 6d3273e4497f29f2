import { KeyVaultError } from '../domain/errors.js';

/**
 * The management plane's errors. ARM's CloudError has the same envelope as Key Vault's error body, so these are
 * KeyVaultErrors and the one error writer renders them. Codes and messages follow what ARM and Microsoft.KeyVault
 * answer; docs/arm.md notes where Kyanite had to choose.
 */
const cloudError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new KeyVaultError(status, code, message, headers ? { headers } : {});

export const authenticationMissing = (authority: string): KeyVaultError =>
  cloudError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
    'www-authenticate': `Bearer authorization_uri="${authority}", error="invalid_token"`,
  });

export const authenticationMalformed = (authority: string): KeyVaultError =>
  cloudError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", {
    'www-authenticate': `Bearer authorization_uri="${authority}", error="invalid_token"`,
  });

export const missingApiVersion = (): KeyVaultError =>
  cloudError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');

export const invalidApiVersion = (version: string, supported: readonly string[]): KeyVaultError =>
  cloudError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${supported.join(',')}'.`);

export const badRequest = (message: string): KeyVaultError => cloudError(400, 'BadRequest', message);

export const locationRequired = (): KeyVaultError =>
  cloudError(400, 'LocationRequired', 'The location property is required for this definition.');

export const invalidSubscriptionId = (id: string): KeyVaultError =>
  cloudError(400, 'InvalidSubscriptionId', `The provided subscription identifier '${id}' is malformed or invalid.`);

export const invalidVaultName = (name: string): KeyVaultError =>
  cloudError(
    400,
    'VaultNameNotValid',
    `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must ` +
      'begin with a letter, end with a letter or digit, and not contain consecutive hyphens. Follow this link ' +
      'https://aka.ms/KeyVaultNaming for more information.',
  );

/** ARM's 404 for a resource (`vaults/NAME`, `vaults/NAME/secrets/S`, …) of Microsoft.KeyVault in a group. */
export const resourceNotFound = (path: string, resourceGroup: string): KeyVaultError =>
  cloudError(
    404,
    'ResourceNotFound',
    `The Resource 'Microsoft.KeyVault/${path}' under resource group '${resourceGroup}' was not found. For more ` +
      'details please go to https://aka.ms/ARMResourceNotFoundFix',
  );

export const vaultNotFound = (name: string, resourceGroup: string): KeyVaultError => resourceNotFound(`vaults/${name}`, resourceGroup);

export const deletedVaultNotFound = (name: string, location: string): KeyVaultError =>
  cloudError(404, 'ResourceNotFound', `The Resource 'Microsoft.KeyVault/deletedVaults/${name}' in location '${location}' was not found.`);

export const resourceGroupNotFound = (name: string): KeyVaultError =>
  cloudError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);

export const resourceGroupLocationConflict = (name: string, location: string): KeyVaultError =>
  cloudError(
    409,
    'InvalidResourceGroupLocation',
    `Invalid resource group location. The Resource group '${name}' already exists in location '${location}'.`,
  );

export const vaultNameTaken = (name: string): KeyVaultError =>
  cloudError(
    409,
    'VaultAlreadyExists',
    `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is ` +
      'already taken. If you are sure that the vault name was not taken then it is possible that a vault with the ' +
      'same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a ' +
      'recoverable state then the vault will need to be explicitly purged before reusing the name.',
  );

export const vaultNameSoftDeleted = (): KeyVaultError =>
  cloudError(
    409,
    'ConflictError',
    'A vault with the same name already exists in deleted state. You need to either recover or purge existing key ' +
      'vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.',
  );

export const nothingToRecover = (name: string): KeyVaultError =>
  cloudError(404, 'ResourceNotFound', `The deleted vault '${name}' was not found, so it cannot be recovered.`);

export const purgeProtected = (name: string): KeyVaultError =>
  cloudError(
    409,
    'VaultPurgeProtected',
    `The vault '${name}' has purge protection enabled: it cannot be purged, and is removed when its retention ` +
      'period ends.',
  );

export const routeNotFound = (method: string, path: string): KeyVaultError =>
  cloudError(404, 'NotFound', `No management operation matches ${method} ${path}.`);

export const vaultLocationConflict = (name: string, location: string, group: string, wanted: string): KeyVaultError =>
  cloudError(
    409,
    'InvalidResourceLocation',
    `The resource '${name}' already exists in location '${location}' in resource group '${group}'. A resource with ` +
      `the same name cannot be created in location '${wanted}'. Please select a new resource name.`,
  );

/** ARM's RBAC refusal, in the service's words (the client named by its object id, twice, as ARM does for apps). */
export const authorizationFailed = (objectId: string, action: string, scope: string): KeyVaultError =>
  cloudError(
    403,
    'AuthorizationFailed',
    `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action '${action}' ` +
      `over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
