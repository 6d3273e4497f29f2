import { afterEach, describe, expect, it } from 'vitest';
import { createRoleAssignments } from '../../../src/domain/access.js';
import { createClock } from '../../../src/domain/clock.js';
import { createDomain, type Domain } from '../../../src/domain/index.js';
import { applySeedDocument, parseSeed, SeedError } from '../../../src/domain/seed.js';
import { DEFAULT_VAULT_PROPERTIES, type VaultContext } from '../../../src/domain/vaults.js';
import { openStore, type Store } from '../../../src/store/index.js';

/**
 * Vault rules hold on every path (ARM is tested in test/http/arm.test.ts): the registry itself, a seed applied again
 * with weaker settings; and a purged vault takes everything it held with it.
 */
const SUB = '00000000-0000-0000-0000-000000000000';
let store: Store;
let domain: Domain;
const open = () => {
  store = openStore();
  domain = createDomain(store, createClock());
};
afterEach(async () => {
  await domain.close();
  store.close();
});

const seed = (vault: Record<string, unknown>) => applySeedDocument(domain, parseSeed({ vaults: [vault] }));

describe('vault property rules', () => {
  it('refuses a seed that turns purge protection or soft delete off, leaving the vault as it was', async () => {
    open();
    await seed({ name: 'kv1', enablePurgeProtection: true });
    const weaker = seed({ name: 'kv1', enablePurgeProtection: false });
    await expect(weaker).rejects.toBeInstanceOf(SeedError);
    await expect(weaker).rejects.toThrow(
      'vaults[0] (kv1): The property "enablePurgeProtection" cannot be set to false. Enabling purge protection for a vault is an irreversible action.',
    );
    await expect(seed({ name: 'kv1', enableSoftDelete: false })).rejects.toThrow(/"enableSoftDelete" cannot be set to false/);
    expect(domain.vaults.find('kv1')!.properties).toMatchObject({ enableSoftDelete: true, enablePurgeProtection: true });
    // Turning them on, or declaring what holds already, is fine.
    expect(await seed({ name: 'kv1', enablePurgeProtection: true, enableSoftDelete: true })).toMatchObject({ unchanged: 1 });
  });

  it('creates a vault a seed declares with its settings at once, soft delete off included', async () => {
    open();
    expect(await seed({ name: 'kv-nosd', enableSoftDelete: false, softDeleteRetentionInDays: 7 })).toMatchObject({ created: 1 });
    expect(domain.vaults.find('kv-nosd')!.properties).toMatchObject({ enableSoftDelete: false, softDeleteRetentionInDays: 7 });
    expect(await seed({ name: 'kv-nosd', enableSoftDelete: false, softDeleteRetentionInDays: 7 })).toMatchObject({ unchanged: 1 });
  });

  it('refuses a retention outside 7-90 and purge protection without soft delete, on a seed as on ARM', () => {
    open();
    expect(() => parseSeed({ vaults: [{ name: 'kv1', softDeleteRetentionInDays: 6 }] })).toThrow(
      "vaults[0] (kv1): The property 'softDeleteRetentionInDays' must be an integer from 7 to 90; 6 is not.",
    );
    expect(() => parseSeed({ vaults: [{ name: 'kv1', enableSoftDelete: false, enablePurgeProtection: true }] })).toThrow(
      'Purge protection can only be enabled on a vault with soft delete enabled.',
    );
  });

  it('fixes the retention once chosen: at creation, or by one change from the default', async () => {
    open();
    await seed({ name: 'kv1', softDeleteRetentionInDays: 7 });
    await expect(seed({ name: 'kv1', softDeleteRetentionInDays: 30 })).rejects.toThrow(
      `vaults[0] (kv1): The property "softDeleteRetentionInDays" cannot be changed: a vault's retention period is fixed once set (7 days here).`,
    );
    expect(await seed({ name: 'kv1', softDeleteRetentionInDays: 7 })).toMatchObject({ unchanged: 1 });
    // A vault made with the default may choose its retention once, as the service allows.
    domain.vaults.ensure('kv2');
    expect(domain.vaults.save('kv2', { ...domain.vaults.find('kv2')!.properties, softDeleteRetentionInDays: 30 }).properties.softDeleteRetentionInDays).toBe(30);
    expect(() => domain.vaults.save('kv2', { ...domain.vaults.find('kv2')!.properties, softDeleteRetentionInDays: 60 })).toThrow(/fixed once set \(30 days here\)/);
    // A caller cannot unlock it by sending the marker the registry keeps.
    const sneaky = { ...domain.vaults.find('kv2')!.properties, softDeleteRetentionFixed: false, softDeleteRetentionInDays: 60 };
    expect(() => domain.vaults.save('kv2', sneaky)).toThrow(/cannot be changed/);
  });

  it('holds in the registry itself, whatever path saves the vault', () => {
    open();
    domain.vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, enablePurgeProtection: true });
    expect(() => domain.vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, enablePurgeProtection: false })).toThrow(/irreversible/);
    expect(() => domain.vaults.save('kv', { ...DEFAULT_VAULT_PROPERTIES, enableSoftDelete: false })).toThrow(/irreversible/);
    expect(() => domain.vaults.save('kv2', { ...DEFAULT_VAULT_PROPERTIES, softDeleteRetentionInDays: 91 })).toThrow(/from 7 to 90/);
    expect(domain.vaults.find('kv')!.properties.enablePurgeProtection).toBe(true);
    expect(domain.vaults.find('kv2')).toBeUndefined();
  });
});

describe('a purged vault takes everything it held', () => {
  const fill = async (ctx: VaultContext) => {
    domain.secrets.set(ctx, 's', { value: 'v' });
    domain.secrets.set(ctx, 'gone', { value: 'v' });
    domain.secrets.lifecycle.delete(ctx, 'gone');
    await domain.keys.create(ctx, 'k', { kty: 'EC', crv: 'P-256' } as Parameters<Domain['keys']['create']>[2]);
    domain.keys.rotation.set(ctx, 'k', { lifetimeActions: [{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'Rotate' } }] });
    domain.certificates.issuers.set(ctx, 'issuer1', { provider: 'Test' });
    domain.certificates.issuers.setContacts(ctx, [{ email: 'a@example.com' }]);
  };

  it.each([
    ['purged after a soft delete', true, (name: string) => (domain.vaults.remove(name), domain.vaults.purge(name))],
    ['removed at once without soft delete', false, (name: string) => domain.vaults.remove(name)],
  ])('%s: a new vault of the same name starts empty', async (_, softDelete, purge) => {
    open();
    const assignments = createRoleAssignments(store);
    for (const name of ['kv', 'other']) {
      domain.vaults.save(name, { ...DEFAULT_VAULT_PROPERTIES, enableSoftDelete: name === 'kv' ? softDelete : true });
      await fill(domain.vaults.context(name, `https://${name}.vault.localhost`));
      const vaultScope = `/subscriptions/${SUB}/resourceGroups/kyanite/providers/Microsoft.KeyVault/vaults/${name}`;
      for (const [i, scope] of [vaultScope, `${vaultScope}/secrets/s`].entries()) {
        assignments.put({ name: `${name}-${i}`, scope, roleDefinitionId: 'r', principalId: 'p', principalType: 'User', createdOn: 1, updatedOn: 1 });
      }
    }
    assignments.put({ name: 'sub', scope: `/subscriptions/${SUB}`, roleDefinitionId: 'r', principalId: 'p', principalType: 'User', createdOn: 1, updatedOn: 1 });
    purge('kv');
    expect(domain.vaults.findAny('kv')).toBeUndefined();

    domain.vaults.ensure('kv');
    const ctx = domain.vaults.context('kv', 'https://kv.vault.localhost');
    expect(domain.secrets.lifecycle.find(ctx, 's')).toBeUndefined();
    expect(() => domain.secrets.lifecycle.getDeleted(ctx, 'gone')).toThrow(expect.objectContaining({ status: 404 }));
    expect(domain.keys.lifecycle.find(ctx, 'k')).toBeUndefined();
    expect(domain.certificates.issuers.list(ctx)).toEqual([]);
    expect(() => domain.certificates.issuers.getContacts(ctx)).toThrow(expect.objectContaining({ status: 404 }));
    expect(store.db.prepare("SELECT count(*) AS n FROM objects WHERE vault = 'kv'").get()).toEqual({ n: 0 });
    expect(store.db.prepare("SELECT count(*) AS n FROM versions WHERE vault = 'kv'").get()).toEqual({ n: 0 });
    expect(assignments.list().map((a) => a.name).sort()).toEqual(['other-0', 'other-1', 'sub']);

    // The other vault keeps all it holds.
    const other = domain.vaults.context('other', 'https://other.vault.localhost');
    expect(domain.secrets.get(other, 's').body.value).toBe('v');
    expect(domain.certificates.issuers.list(other).map((i) => i.name)).toEqual(['issuer1']);
    expect(domain.certificates.issuers.getContacts(other)).toEqual([{ email: 'a@example.com' }]);
  });
});
