import type { KeyVaultManagementClient, Vault } from '@azure/arm-keyvault';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armClient, clientOptions, SUB, TENANT } from '../helpers/arm-sdk.js';
import { startTestServer, staticCredential, type TestServer } from '../helpers/server.js';

const RG = 'rg-sdk';
const LOCATION = 'westeurope';

let server: TestServer;
let arm: KeyVaultManagementClient;
beforeAll(async () => {
  server = await startTestServer();
  arm = armClient(server);
});
afterAll(async () => server?.stop());

const collect = async <T>(iterator: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
};

const create = (name: string, extra: Record<string, unknown> = {}): Promise<Vault> =>
  arm.vaults.beginCreateOrUpdateAndWait(RG, name, {
    location: LOCATION,
    tags: { suite: 'sdk' },
    properties: {
      tenantId: TENANT,
      sku: { family: 'A', name: 'standard' },
      accessPolicies: [{ tenantId: TENANT, objectId: 'oid-sdk', permissions: { secrets: ['get', 'list', 'set'] } }],
      ...extra,
    },
  });

const secrets = (vaultUri: string) => new SecretClient(vaultUri, staticCredential, clientOptions(server));

describe('@azure/arm-keyvault against Kyanite', () => {
  it('creates a vault that serves the data plane at its vaultUri', async () => {
    const vault = await create('kv-sdk1', { softDeleteRetentionInDays: 30 });
    expect(vault.properties.provisioningState).toBe('Succeeded');
    expect(vault.properties.vaultUri).toBe(`https://kv-sdk1.vault.localhost:${server.port}/`);
    expect(vault.id).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-sdk1`);

    const client = secrets(vault.properties.vaultUri!);
    await client.setSecret('greeting', 'hello');
    const read = await client.getSecret('greeting');
    expect(read.value).toBe('hello');
    expect(read.properties.recoveryLevel).toBe('CustomizedRecoverable+Purgeable');
    expect(read.properties.recoverableDays).toBe(30);
  });

  it('gets, updates and lists vaults', async () => {
    await create('kv-sdk2');
    const got = await arm.vaults.get(RG, 'kv-sdk2');
    expect(got.tags).toEqual({ suite: 'sdk' });
    const updated = await arm.vaults.update(RG, 'kv-sdk2', { tags: { changed: 'yes' }, properties: { enabledForDeployment: true } });
    expect(updated.tags).toEqual({ changed: 'yes' });
    expect(updated.properties.enabledForDeployment).toBe(true);

    const byGroup = await collect(arm.vaults.listByResourceGroup(RG, { top: 1 }));
    expect(byGroup.map((v) => v.name)).toEqual(expect.arrayContaining(['kv-sdk1', 'kv-sdk2']));
    const bySub = await collect(arm.vaults.listBySubscription());
    expect(bySub.map((v) => v.name)).toEqual(expect.arrayContaining(['default', 'kv1', 'kv-sdk2']));
    const generic = await collect(arm.vaults.list());
    expect(generic.find((r) => r.name === 'kv-sdk2')).toMatchObject({ type: 'Microsoft.KeyVault/vaults', location: LOCATION });
  });

  it('updates access policies with add, replace and remove', async () => {
    const entry = (permissions: Record<string, string[]>) => ({
      properties: { accessPolicies: [{ tenantId: TENANT, objectId: 'oid-2', permissions }] },
    });
    const added = await arm.vaults.updateAccessPolicy(RG, 'kv-sdk2', 'add', entry({ keys: ['get'] }));
    expect(added.properties.accessPolicies[0]!.objectId).toBe('oid-2');
    await arm.vaults.updateAccessPolicy(RG, 'kv-sdk2', 'replace', entry({ secrets: ['list'] }));
    let policies = (await arm.vaults.get(RG, 'kv-sdk2')).properties.accessPolicies!;
    expect(policies.find((p) => p.objectId === 'oid-2')!.permissions).toEqual({ secrets: ['list'] });
    await arm.vaults.updateAccessPolicy(RG, 'kv-sdk2', 'remove', entry({ secrets: ['list'] }));
    policies = (await arm.vaults.get(RG, 'kv-sdk2')).properties.accessPolicies!;
    expect(policies.map((p) => p.objectId)).toEqual(['oid-sdk']);
  });

  it('checks names, deletes, lists deleted, recovers and purges', async () => {
    const check = (name: string) => arm.vaults.checkNameAvailability({ name, type: 'Microsoft.KeyVault/vaults' });
    expect(await check('kv-sdk-free')).toMatchObject({ nameAvailable: true });
    expect(await check('kv-sdk1')).toMatchObject({ nameAvailable: false, reason: 'AlreadyExists' });
    expect(await check('9-bad')).toMatchObject({ nameAvailable: false, reason: 'AccountNameInvalid' });

    const vaultUri = (await arm.vaults.get(RG, 'kv-sdk1')).properties.vaultUri!;
    await arm.vaults.delete(RG, 'kv-sdk1');
    await expect(arm.vaults.get(RG, 'kv-sdk1')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await expect(secrets(vaultUri).getSecret('greeting')).rejects.toMatchObject({ statusCode: 404, code: 'VaultNotFound' });
    expect(await check('kv-sdk1')).toMatchObject({ nameAvailable: false, reason: 'AlreadyExists' });

    const deleted = await arm.vaults.getDeleted('kv-sdk1', LOCATION);
    expect(deleted.properties!.vaultId).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-sdk1`);
    expect(deleted.properties!.deletionDate).toBeInstanceOf(Date);
    expect(deleted.properties!.scheduledPurgeDate!.getTime() - deleted.properties!.deletionDate!.getTime()).toBe(30 * 86_400_000);
    expect((await collect(arm.vaults.listDeleted())).map((d) => d.name)).toEqual(['kv-sdk1']);

    const recovered = await arm.vaults.beginCreateOrUpdateAndWait(RG, 'kv-sdk1', {
      location: LOCATION,
      properties: { tenantId: TENANT, sku: { family: 'A', name: 'standard' }, createMode: 'recover' },
    });
    expect(recovered.properties.softDeleteRetentionInDays).toBe(30);
    expect((await secrets(vaultUri).getSecret('greeting')).value).toBe('hello');

    await arm.vaults.delete(RG, 'kv-sdk1');
    await arm.vaults.beginPurgeDeletedAndWait('kv-sdk1', LOCATION);
    await expect(arm.vaults.getDeleted('kv-sdk1', LOCATION)).rejects.toMatchObject({ statusCode: 404 });
    expect(await check('kv-sdk1')).toMatchObject({ nameAvailable: true });
  });

  it('surfaces CloudErrors as RestErrors', async () => {
    await expect(create('bad--name')).rejects.toMatchObject({ statusCode: 400, code: 'VaultNameNotValid' });
    await expect(arm.vaults.get(RG, 'kv-missing')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});
