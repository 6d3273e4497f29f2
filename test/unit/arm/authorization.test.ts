import { describe, expect, it } from 'vitest';
import { armActionOf } from '../../../src/arm/authorization.js';
import { actionMatches, managementAllows, roleDefinitionOf, roleAllowsAction, type RoleAssignment } from '../../../src/domain/access.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const GROUP = `${SUB}/resourceGroups/rg`;
const VAULT = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv1`;

describe('ARM actions derived from method and path', () => {
  it.each([
    ['GET', SUB, 'Microsoft.Resources/subscriptions/read'],
    ['GET', `${SUB}/resourcegroups`, 'Microsoft.Resources/subscriptions/resourceGroups/read'],
    ['PUT', GROUP, 'Microsoft.Resources/subscriptions/resourceGroups/write'],
    ['HEAD', GROUP, 'Microsoft.Resources/subscriptions/resourceGroups/read'],
    ['DELETE', GROUP, 'Microsoft.Resources/subscriptions/resourceGroups/delete'],
    ['GET', `${GROUP}/resources`, 'Microsoft.Resources/subscriptions/resourceGroups/resources/read'],
    ['GET', `${SUB}/resources`, 'Microsoft.Resources/subscriptions/resources/read'],
    ['GET', `${SUB}/providers/Microsoft.KeyVault/vaults`, 'Microsoft.KeyVault/vaults/read'],
    ['PUT', VAULT, 'Microsoft.KeyVault/vaults/write'],
    ['PATCH', VAULT, 'Microsoft.KeyVault/vaults/write'],
    ['DELETE', VAULT, 'Microsoft.KeyVault/vaults/delete'],
    ['PUT', `${VAULT}/accessPolicies/add`, 'Microsoft.KeyVault/vaults/accessPolicies/write'],
    ['PUT', `${VAULT}/secrets/s1`, 'Microsoft.KeyVault/vaults/secrets/write'],
    ['GET', `${VAULT}/keys/k1/versions/v1`, 'Microsoft.KeyVault/vaults/keys/versions/read'],
    ['POST', `${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv1/purge`, 'Microsoft.KeyVault/locations/deletedVaults/purge/action'],
    ['POST', `${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`, 'Microsoft.KeyVault/checkNameAvailability/read'],
    ['PUT', `${VAULT}/providers/Microsoft.Authorization/roleAssignments/a1`, 'Microsoft.Authorization/roleAssignments/write'],
    ['GET', `${SUB}/providers/Microsoft.Authorization/roleDefinitions`, 'Microsoft.Authorization/roleDefinitions/read'],
  ])('%s %s → %s', (method, path, action) => {
    expect(armActionOf(method, path)).toBe(action);
  });
});

describe('management roles', () => {
  const role = (name: string) => {
    const found = [
      ['Owner', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'],
      ['Contributor', 'b24988ac-6180-42a0-ab88-20f7382dd24c'],
      ['Reader', 'acdd72a7-3385-48ef-bd42-f606fba81ae7'],
      ['Key Vault Contributor', 'f25e0fa2-a7c8-4377-a976-54943a77a395'],
      ['Key Vault Secrets User', '4633458b-17de-408a-b874-0445c86b69e6'],
      ['Key Vault Secrets Officer', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'],
    ].find(([n]) => n === name)!;
    const definition = roleDefinitionOf(found[1]!)!;
    expect(definition.roleName).toBe(name);
    return definition;
  };

  it('matches wildcards case-insensitively', () => {
    expect(actionMatches('*/read', 'Microsoft.KeyVault/vaults/read')).toBe(true);
    expect(actionMatches('*/read', 'Microsoft.KeyVault/vaults/write')).toBe(false);
    expect(actionMatches('Microsoft.Authorization/*/Write', 'microsoft.authorization/roleassignments/write')).toBe(true);
    expect(actionMatches('Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/read')).toBe(false);
    expect(actionMatches('Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/read')).toBe(true);
    expect(actionMatches('Microsoft.Key.ault/*', 'Microsoft.KeyVault/vaults/read')).toBe(false);
  });

  it.each([
    ['Owner', 'Microsoft.Authorization/roleAssignments/write', true],
    ['Contributor', 'Microsoft.KeyVault/vaults/write', true],
    ['Contributor', 'Microsoft.KeyVault/vaults/accessPolicies/write', true],
    ['Contributor', 'Microsoft.Authorization/roleAssignments/write', false],
    ['Contributor', 'Microsoft.Authorization/roleAssignments/delete', false],
    ['Contributor', 'Microsoft.Authorization/roleAssignments/read', true],
    ['Reader', 'Microsoft.KeyVault/vaults/read', true],
    ['Reader', 'Microsoft.KeyVault/vaults/write', false],
    ['Key Vault Contributor', 'Microsoft.KeyVault/vaults/write', true],
    ['Key Vault Contributor', 'Microsoft.KeyVault/locations/deletedVaults/purge/action', false],
    ['Key Vault Contributor', 'Microsoft.Authorization/roleAssignments/write', false],
    ['Key Vault Contributor', 'Microsoft.Resources/subscriptions/resourceGroups/write', false],
    ['Key Vault Secrets Officer', 'Microsoft.KeyVault/vaults/read', false],
    ['Key Vault Secrets Officer', 'Microsoft.KeyVault/vaults/secrets/read', true],
    ['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets/read', false],
  ])('%s: %s → %s', (name, action, allowed) => {
    expect(roleAllowsAction(role(name), action)).toBe(allowed);
  });

  it('an assignment covers its scope and what is below it, for its principal only', () => {
    const a: RoleAssignment = {
      name: 'a1',
      scope: GROUP,
      roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
      principalId: 'p1',
      principalType: 'ServicePrincipal',
      createdOn: 0,
      updatedOn: 0,
    };
    expect(managementAllows([a], 'P1', 'Microsoft.KeyVault/vaults/read', VAULT)).toBe(true);
    expect(managementAllows([a], 'p1', 'Microsoft.KeyVault/vaults/read', `${SUB}/resourceGroups/rg2`)).toBe(false);
    expect(managementAllows([a], 'p1', 'Microsoft.Resources/subscriptions/resourceGroups/read', SUB)).toBe(false);
    expect(managementAllows([a], 'p2', 'Microsoft.KeyVault/vaults/read', VAULT)).toBe(false);
  });
});
