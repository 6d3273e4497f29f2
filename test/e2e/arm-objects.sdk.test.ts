import { createHash } from 'node:crypto';
import type { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armClient, clientOptions as optionsFor, TENANT } from '../helpers/arm-sdk.js';
import { startTestServer, staticCredential, type TestServer } from '../helpers/server.js';

/** @azure/arm-keyvault's vault sub-resources against Kyanite: keys, secrets, private endpoint connections. */

const RG = 'rg-objects';
const VAULT = 'kv-objects-sdk';

let server: TestServer;
let arm: KeyVaultManagementClient;
let vaultUri: string;
const clientOptions = () => optionsFor(server);

beforeAll(async () => {
  server = await startTestServer();
  arm = armClient(server);
  const vault = await arm.vaults.beginCreateOrUpdateAndWait(RG, VAULT, {
    location: 'westeurope',
    properties: { tenantId: TENANT, sku: { family: 'A', name: 'standard' }, accessPolicies: [] },
  });
  vaultUri = vault.properties.vaultUri!;
});
afterAll(async () => server?.stop());

const collect = async <T>(iterator: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
};

describe('@azure/arm-keyvault vault objects against Kyanite', () => {
  it('creates a key if it does not exist; the data plane signs with it', async () => {
    const key = await arm.keys.createIfNotExist(RG, VAULT, 'arm-key', { tags: { via: 'arm' }, properties: { kty: 'EC', curveName: 'P-256' } });
    expect(key).toMatchObject({ name: 'arm-key', kty: 'EC', curveName: 'P-256', keyUri: `${vaultUri}keys/arm-key` });
    expect(key.attributes?.enabled).toBe(true);

    const again = await arm.keys.createIfNotExist(RG, VAULT, 'arm-key', { properties: { kty: 'RSA' } });
    expect(again.keyUriWithVersion).toBe(key.keyUriWithVersion);
    expect(await collect(arm.keys.listVersions(RG, VAULT, 'arm-key'))).toHaveLength(1);
    expect((await arm.keys.get(RG, VAULT, 'arm-key')).keyUriWithVersion).toBe(key.keyUriWithVersion);
    const version = key.keyUriWithVersion!.split('/').pop()!;
    expect((await arm.keys.getVersion(RG, VAULT, 'arm-key', version)).name).toBe(version);
    expect((await collect(arm.keys.list(RG, VAULT))).map((k) => k.name)).toEqual(['arm-key']);

    const keys = new KeyClient(vaultUri, staticCredential, clientOptions());
    const dataPlaneKey = await keys.getKey('arm-key');
    expect(dataPlaneKey.id).toBe(key.keyUriWithVersion);
    const crypto = new CryptographyClient(dataPlaneKey, staticCredential, clientOptions());
    const digest = createHash('sha256').update('one truth').digest();
    const signed = await crypto.sign('ES256', digest);
    expect((await crypto.verify('ES256', digest, signed.result)).result).toBe(true);
  });

  it('creates, updates and lists secrets that the data plane reads', async () => {
    const created = await arm.secrets.createOrUpdate(RG, VAULT, 'arm-secret', { properties: { value: 'from-arm', contentType: 'text/plain' } });
    expect(created.properties.secretUri).toBe(`${vaultUri}secrets/arm-secret`);
    expect(created.properties.value).toBeUndefined();

    const secrets = new SecretClient(vaultUri, staticCredential, clientOptions());
    const read = await secrets.getSecret('arm-secret');
    expect(read.value).toBe('from-arm');
    expect(read.properties.id).toBe(created.properties.secretUriWithVersion);

    const updated = await arm.secrets.update(RG, VAULT, 'arm-secret', { tags: { stage: 'two' }, properties: { contentType: 'application/json' } });
    expect(updated.tags).toEqual({ stage: 'two' });
    expect((await secrets.getSecret('arm-secret')).properties.contentType).toBe('application/json');

    await secrets.setSecret('dp-secret', 'from-data-plane');
    const listed = await collect(arm.secrets.list(RG, VAULT, { top: 1 }));
    expect(listed.map((s) => s.name)).toEqual(['arm-secret', 'dp-secret']);
    expect((await arm.secrets.get(RG, VAULT, 'dp-secret')).properties.secretUri).toBe(`${vaultUri}secrets/dp-secret`);
  });

  it('puts, gets, lists and deletes private endpoint connections; lists private link resources', async () => {
    const put = await arm.privateEndpointConnections.put(RG, VAULT, 'pec1', {
      privateLinkServiceConnectionState: { status: 'Approved', description: 'approved by the test' },
    });
    expect(put).toMatchObject({ name: 'pec1', provisioningState: 'Succeeded', privateLinkServiceConnectionState: { status: 'Approved' } });

    const got = await arm.privateEndpointConnections.get(RG, VAULT, 'pec1');
    expect(got.privateLinkServiceConnectionState).toEqual({ status: 'Approved', description: 'approved by the test' });
    expect((await collect(arm.privateEndpointConnections.listByResource(RG, VAULT))).map((c) => c.name)).toEqual(['pec1']);
    expect((await arm.vaults.get(RG, VAULT)).properties.privateEndpointConnections).toHaveLength(1);

    const deleted = await arm.privateEndpointConnections.delete(RG, VAULT, 'pec1');
    expect(deleted?.provisioningState).toBe('Disconnected');
    expect(await collect(arm.privateEndpointConnections.listByResource(RG, VAULT))).toEqual([]);
    await expect(arm.privateEndpointConnections.get(RG, VAULT, 'pec1')).rejects.toMatchObject({ statusCode: 404 });

    const links = await arm.privateLinkResources.listByVault(RG, VAULT);
    expect(links.value).toEqual([expect.objectContaining({ name: 'vault', groupId: 'vault', requiredZoneNames: ['privatelink.vaultcore.azure.net'] })]);
  });
});
