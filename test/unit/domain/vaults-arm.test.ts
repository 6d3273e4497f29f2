import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClock, type Clock } from '../../../src/domain/clock.js';
import { createVaultRegistry, DEFAULT_VAULT_PROPERTIES, isValidVaultName, placementOf, type VaultRegistry } from '../../../src/domain/vaults.js';
import { openStore, type Store } from '../../../src/store/index.js';

const SUB = '00000000-0000-0000-0000-000000000000';
let store: Store;
let clock: Clock;
let vaults: VaultRegistry;
beforeEach(() => {
  store = openStore();
  clock = createClock();
  vaults = createVaultRegistry(store, clock);
});
afterEach(() => store.close());

const place = (group: string) => ({ subscriptionId: SUB, resourceGroup: group, location: 'westeurope' });

describe('vault registry: the management plane rules', () => {
  it('places --vault vaults in the default subscription and group, which exists', () => {
    const v = vaults.ensure('kv1');
    expect(placementOf(v.properties)).toEqual({ subscriptionId: SUB, resourceGroup: 'kyanite', location: 'local' });
    expect(vaults.groups.get(SUB, 'kyanite')).toMatchObject({ name: 'kyanite', location: 'local' });
  });

  it('soft-deletes: the vault stops serving at once, holds its name and recovers into a group', () => {
    vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, ...place('rg1') });
    expect(vaults.find('kv')).toBeDefined();
    expect(vaults.remove('kv')).toBe('deleted');
    expect(vaults.find('kv')).toBeUndefined();
    expect(() => vaults.context('kv', 'https://kv.vault.localhost')).toThrow(/does not exist/);
    expect(vaults.holder('kv', SUB, 'rg1')).toBe('deleted');
    expect(vaults.listDeleted().map((d) => d.name)).toEqual(['kv']);
    expect(vaults.recover('kv', place('rg2'))?.properties.resourceGroup).toBe('rg2');
    expect(vaults.holder('kv', SUB, 'rg2')).toBe('this-group');
    expect(vaults.holder('kv', SUB, 'rg1')).toBe('another-group');
  });

  it('purges unless purge protection holds the vault until its retention ends', () => {
    vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
    vaults.remove('kv');
    expect(vaults.purge('kv')).toBe('protected');
    clock.advance(7 * 86_400);
    expect(vaults.sweep()).toEqual(['kv']);
    expect(vaults.holder('kv', SUB, 'kyanite')).toBe('nobody');
    expect(vaults.purge('kv')).toBe('not-deleted');
  });

  it('removes a vault without soft delete at once', () => {
    vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, enableSoftDelete: false });
    expect(vaults.remove('kv')).toBe('purged');
    expect(vaults.findAny('kv')).toBeUndefined();
  });

  it('keeps a group location and deletes the vaults of a deleted group', () => {
    expect(vaults.groups.put(SUB, 'g', 'westeurope', {})?.created).toBe(true);
    expect(vaults.groups.put(SUB, 'G', 'westeurope', { a: 'b' })).toMatchObject({ created: false, group: { tags: { a: 'b' } } });
    expect(vaults.groups.put(SUB, 'g', 'eastus', {})).toBeUndefined();
    vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, ...place('g') });
    expect(vaults.groups.remove(SUB, 'g')).toBe(true);
    expect(vaults.find('kv')).toBeUndefined();
    expect(vaults.findDeleted('kv')).toBeDefined();
    expect(vaults.groups.remove(SUB, 'g')).toBe(false);
  });

  it.each([
    ['abc', true],
    ['a1-b2', true],
    ['a'.repeat(24), true],
    ['ab', false],
    ['a'.repeat(25), false],
    ['1abc', false],
    ['ab--c', false],
    ['abc-', false],
    ['a_bc', false],
  ])('vault name %s is valid: %s', (name, valid) => expect(isValidVaultName(name)).toBe(valid));
});
