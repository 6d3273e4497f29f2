import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const OTHER_SUB = '11111111-2222-3333-4444-555555555555';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const KV = '2026-02-01';
const HOST = 'localhost:8443';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => t.close());

interface CallOptions {
  version?: string | null;
  headers?: Record<string, string>;
}

/** An ARM request as the management clients send it: bearer token, api-version, Host localhost:8443. */
function arm(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<LightMyRequestResponse> {
  const version = options.version === undefined ? KV : options.version;
  const url = version === null || path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${version}`;
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: 'Bearer arm-token', host: HOST, ...options.headers },
    ...(body !== undefined && { payload: body as object }),
  });
}

const vaultPath = (name: string, group = 'rg1', sub = SUB) =>
  `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;

const createBody = (extra: Record<string, unknown> = {}, location = 'westeurope') => ({
  location,
  tags: { env: 'test' },
  properties: {
    tenantId: TENANT,
    sku: { family: 'A', name: 'standard' },
    accessPolicies: [{ tenantId: TENANT, objectId: 'oid-1', permissions: { secrets: ['get', 'list'], keys: ['all'] } }],
    ...extra,
  },
});

async function createVault(name: string, extra: Record<string, unknown> = {}, group = 'rg1') {
  const res = await arm('PUT', vaultPath(name, group), createBody(extra));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The data plane, through the same app, on the vault's own host. */
const dataPlane = (vault: string, method: string, path: string, body?: unknown) =>
  t.call(method as 'GET', path, body, { host: `${vault}.vault.localhost:8443` });

describe('vaults: create, read, update', () => {
  it('creates with 201 and the full resource, then updates with 200', async () => {
    const created = await arm('PUT', vaultPath('kv-arm1'), createBody({ enabledForDeployment: true }, 'West Europe'));
    expect(created.statusCode).toBe(201);
    const v = created.json();
    expect(v).toMatchObject({
      id: vaultPath('kv-arm1'),
      name: 'kv-arm1',
      type: 'Microsoft.KeyVault/vaults',
      location: 'westeurope',
      tags: { env: 'test' },
      systemData: { createdByType: 'Application' },
      properties: {
        tenantId: TENANT,
        sku: { family: 'A', name: 'standard' },
        provisioningState: 'Succeeded',
        vaultUri: 'https://kv-arm1.vault.localhost:8443/',
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enableRbacAuthorization: true,
        enabledForDeployment: true,
      },
    });
    expect(v.properties.enablePurgeProtection).toBeUndefined();
    expect(v.properties.accessPolicies).toHaveLength(1);
    expect(Date.parse(v.systemData.createdAt)).not.toBeNaN();
    expect(created.headers['content-type']).toMatch(/application\/json/);

    const updated = await arm('PUT', vaultPath('kv-arm1'), createBody({ enabledForDeployment: false }));
    expect(updated.statusCode).toBe(200);
    expect(updated.json().properties.enabledForDeployment).toBe(false);
  });

  it('defaults enableRbacAuthorization by api-version', async () => {
    const old = await arm('PUT', vaultPath('kv-old'), createBody(), { version: '2022-07-01' });
    expect(old.json().properties.enableRbacAuthorization).toBe(false);
    const preview = await arm('PUT', vaultPath('kv-prev'), createBody(), { version: '2026-03-01-preview' });
    expect(preview.json().properties.enableRbacAuthorization).toBe(true);
  });

  it('matches paths case-insensitively, with // collapsed, and keeps the name as created', async () => {
    await createVault('MyVault1');
    const res = await arm('GET', `//subscriptions/${SUB}/resourcegroups/RG1/providers/microsoft.keyvault/VAULTS/myvault1`);
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('MyVault1');
    expect(res.json().properties.vaultUri).toBe('https://myvault1.vault.localhost:8443/');
  });

  it('builds vaultUri from the port of the request and leaves 443 out', async () => {
    await createVault('kv-port');
    const res = await arm('GET', vaultPath('kv-port'), undefined, { headers: { host: 'localhost' } });
    expect(res.json().properties.vaultUri).toBe('https://kv-port.vault.localhost/');
  });

  it('answers 404 ResourceNotFound for a missing vault or one in another group', async () => {
    await createVault('kv-here');
    for (const path of [vaultPath('kv-none'), vaultPath('kv-here', 'rg2')]) {
      const res = await arm('GET', path);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ResourceNotFound');
    }
    expect((await arm('GET', vaultPath('kv-none'))).json().error.message).toContain(
      "The Resource 'Microsoft.KeyVault/vaults/kv-none' under resource group 'rg1' was not found",
    );
  });

  it('patches tags and properties, keeping the rest, and stores network settings as sent', async () => {
    await createVault('kv-patch');
    const networkAcls = { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [{ value: '10.0.0.1' }], virtualNetworkRules: [] };
    const res = await arm('PATCH', vaultPath('kv-patch'), {
      tags: { a: 'b' },
      properties: { enabledForDiskEncryption: true, networkAcls, publicNetworkAccess: 'Disabled' },
    });
    expect(res.statusCode).toBe(200);
    const v = res.json();
    expect(v.tags).toEqual({ a: 'b' });
    expect(v.properties).toMatchObject({ enabledForDiskEncryption: true, networkAcls, publicNetworkAccess: 'Disabled', tenantId: TENANT });
    expect(v.properties.accessPolicies).toHaveLength(1);
    expect((await arm('PATCH', vaultPath('kv-nope'), { tags: {} })).statusCode).toBe(404);
  });

  it('refuses to turn soft delete or purge protection off', async () => {
    await createVault('kv-switch', { enablePurgeProtection: true });
    for (const properties of [{ enableSoftDelete: false }, { enablePurgeProtection: false }]) {
      const res = await arm('PATCH', vaultPath('kv-switch'), { properties });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain('irreversible');
    }
  });

  it('fixes the retention once set: a change is refused, the same value passes', async () => {
    await createVault('kv-days', { softDeleteRetentionInDays: 30 });
    const changed = await arm('PATCH', vaultPath('kv-days'), { properties: { softDeleteRetentionInDays: 60 } });
    expect(changed.statusCode).toBe(400);
    expect(changed.json().error).toEqual({
      code: 'BadRequest',
      message: `The property "softDeleteRetentionInDays" cannot be changed: a vault's retention period is fixed once set (30 days here).`,
    });
    expect((await arm('PUT', vaultPath('kv-days'), createBody({ softDeleteRetentionInDays: 30 }))).statusCode).toBe(200);
    expect((await arm('GET', vaultPath('kv-days'))).json().properties).not.toHaveProperty('softDeleteRetentionFixed');
  });

  it('refuses a name held by another group (409 VaultAlreadyExists) and a location change', async () => {
    await createVault('kv-taken');
    const other = await arm('PUT', vaultPath('kv-taken', 'rg2'), createBody());
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('VaultAlreadyExists');
    const moved = await arm('PUT', vaultPath('kv-taken'), createBody({}, 'eastus'));
    expect(moved.statusCode).toBe(409);
  });
});

describe('lists', () => {
  it('lists by group and by subscription, in pages with nextLink', async () => {
    for (const n of ['kv-a', 'kv-b', 'kv-c']) await createVault(n);
    await createVault('kv-d', {}, 'rg2');

    const byGroup = await arm('GET', `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults`);
    expect(byGroup.json().value.map((v: { name: string }) => v.name)).toEqual(['kv-a', 'kv-b', 'kv-c']);

    const names: string[] = [];
    let next: string | undefined = `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults?api-version=${KV}&$top=2`;
    let pages = 0;
    while (next) {
      const res = await arm('GET', next.replace('https://localhost:8443', ''));
      expect(res.statusCode).toBe(200);
      const page = res.json();
      names.push(...page.value.map((v: { name: string }) => v.name));
      next = page.nextLink;
      if (next) expect(next).toMatch(/^https:\/\/localhost:8443\/subscriptions\/.*\$skiptoken=/);
      pages++;
    }
    expect(pages).toBe(3);
    expect(names).toEqual(['default', 'kv-a', 'kv-b', 'kv-c', 'kv-d']);
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults?$top=0`)).statusCode).toBe(400);
  });

  it('lists vaults as generic resources with the type and name filters', async () => {
    await createVault('kv-gen');
    const all = await arm('GET', `/subscriptions/${SUB}/resources?$filter=resourceType eq 'Microsoft.KeyVault/vaults'`, undefined, {
      version: '2015-11-01',
    });
    expect(all.statusCode).toBe(200);
    expect(all.json().value).toContainEqual({
      id: vaultPath('kv-gen'),
      name: 'kv-gen',
      type: 'Microsoft.KeyVault/vaults',
      location: 'westeurope',
      tags: { env: 'test' },
    });
    const one = await arm(
      'GET',
      `/subscriptions/${SUB}/resources?$filter=${encodeURIComponent("resourceType eq 'Microsoft.KeyVault/vaults' and name eq 'KV-GEN'")}`,
      undefined,
      { version: '2021-04-01' },
    );
    expect(one.json().value.map((v: { name: string }) => v.name)).toEqual(['kv-gen']);
    const other = await arm('GET', `/subscriptions/${SUB}/resources?$filter=resourceType eq 'Microsoft.Storage/storageAccounts'`, undefined, {
      version: '2021-04-01',
    });
    expect(other.json().value).toEqual([]);
  });

  it('shows the built-in vault under the default subscription and group kyanite', async () => {
    const res = await arm('GET', `/subscriptions/${SUB}/resourceGroups/kyanite/providers/Microsoft.KeyVault/vaults/default`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ location: 'local', properties: { tenantId: SUB, vaultUri: 'https://default.vault.localhost:8443/' } });
    const group = await arm('GET', `/subscriptions/${SUB}/resourcegroups/kyanite`, undefined, { version: '2021-04-01' });
    expect(group.statusCode).toBe(200);
  });

  it('keeps vaults of another subscription apart', async () => {
    const res = await arm('PUT', vaultPath('kv-sub2', 'rg1', OTHER_SUB), createBody());
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(vaultPath('kv-sub2', 'rg1', OTHER_SUB));
    const mine = await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults`);
    expect(mine.json().value.map((v: { name: string }) => v.name)).not.toContain('kv-sub2');
  });
});

describe('access policies', () => {
  const policyPath = (kind: string) => `${vaultPath('kv-pol')}/accessPolicies/${kind}`;
  const policies = async () => (await arm('GET', vaultPath('kv-pol'))).json().properties.accessPolicies;

  it('adds, replaces and removes permissions', async () => {
    await createVault('kv-pol');
    const add = await arm('PUT', policyPath('add'), {
      properties: {
        accessPolicies: [
          { tenantId: TENANT, objectId: 'oid-1', permissions: { secrets: ['set', 'GET'] } },
          { tenantId: TENANT, objectId: 'oid-2', permissions: { certificates: ['get'] } },
        ],
      },
    });
    expect(add.statusCode).toBe(200);
    expect(add.json()).toMatchObject({ id: `${vaultPath('kv-pol')}/accessPolicies/add`, type: 'Microsoft.KeyVault/vaults/accessPolicies' });
    expect(await policies()).toEqual([
      { tenantId: TENANT, objectId: 'oid-1', permissions: { secrets: ['get', 'list', 'set'], keys: ['all'] } },
      { tenantId: TENANT, objectId: 'oid-2', permissions: { certificates: ['get'] } },
    ]);

    await arm('PUT', policyPath('replace'), { properties: { accessPolicies: [{ tenantId: TENANT, objectId: 'oid-1', permissions: { keys: ['get'] } }] } });
    expect((await policies())[0].permissions).toEqual({ keys: ['get'] });

    await arm('PUT', policyPath('remove'), { properties: { accessPolicies: [{ tenantId: TENANT, objectId: 'oid-1', permissions: { keys: ['get'] } }] } });
    await arm('PUT', policyPath('remove'), { properties: { accessPolicies: [{ tenantId: TENANT, objectId: 'oid-2', permissions: {} }] } });
    expect(await policies()).toEqual([]);
  });
});

describe('soft delete: one truth with the data plane', () => {
  it('serves a new vault at once, stops serving it when deleted, and recovers it with its secrets', async () => {
    await createVault('kv-life');
    const set = await dataPlane('kv-life', 'PUT', '/secrets/s1', { value: 'hello' });
    expect(set.statusCode).toBe(200);
    expect(set.json().id).toMatch(/^https:\/\/kv-life\.vault\.localhost:8443\/secrets\/s1\//);

    const del = await arm('DELETE', vaultPath('kv-life'));
    expect(del.statusCode).toBe(200);
    const gone = await dataPlane('kv-life', 'GET', '/secrets/s1');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('VaultNotFound');
    expect((await arm('GET', vaultPath('kv-life'))).statusCode).toBe(404);
    expect((await arm('DELETE', vaultPath('kv-life'))).statusCode).toBe(204);

    // The name is held while the vault is soft-deleted.
    const again = await arm('PUT', vaultPath('kv-life'), createBody());
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ConflictError');
    const elsewhere = await arm('PUT', vaultPath('kv-life', 'rg9'), createBody());
    expect(elsewhere.statusCode).toBe(409);

    const deleted = await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-life`);
    expect(deleted.statusCode).toBe(200);
    const d = deleted.json();
    expect(d).toMatchObject({
      id: `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-life`,
      type: 'Microsoft.KeyVault/deletedVaults',
      properties: { vaultId: vaultPath('kv-life'), location: 'westeurope', tags: { env: 'test' }, purgeProtectionEnabled: false },
    });
    expect(d.properties.deletionDate).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(Date.parse(d.properties.scheduledPurgeDate) - Date.parse(d.properties.deletionDate)).toBe(90 * 86_400_000);
    const list = await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/deletedVaults`);
    expect(list.json().value.map((v: { name: string }) => v.name)).toEqual(['kv-life']);
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kv-life`)).statusCode).toBe(404);

    const recovered = await arm('PUT', vaultPath('kv-life'), { location: 'westeurope', properties: { createMode: 'recover' } });
    expect(recovered.statusCode).toBe(200);
    expect(recovered.json().properties.accessPolicies).toHaveLength(1);
    const back = await dataPlane('kv-life', 'GET', '/secrets/s1');
    expect(back.statusCode).toBe(200);
    expect(back.json().value).toBe('hello');
  });

  it('purges a deleted vault and frees its name and its objects', async () => {
    await createVault('kv-purge');
    await dataPlane('kv-purge', 'PUT', '/secrets/s1', { value: 'x' });
    await arm('DELETE', vaultPath('kv-purge'));
    const purge = await arm('POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-purge/purge`);
    expect(purge.statusCode).toBe(200);
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-purge`)).statusCode).toBe(404);
    await createVault('kv-purge', {}, 'rg2');
    expect((await dataPlane('kv-purge', 'GET', '/secrets/s1')).statusCode).toBe(404);
    expect((await dataPlane('kv-purge', 'GET', '/secrets/s1')).json().error.code).toBe('SecretNotFound');
  });

  it('purges the certificate issuers and contacts with the vault; a recovered vault keeps them', async () => {
    await createVault('kv-docs');
    expect((await dataPlane('kv-docs', 'PUT', '/certificates/issuers/ca1', { provider: 'Test' })).statusCode).toBe(200);
    expect((await dataPlane('kv-docs', 'PUT', '/certificates/contacts', { contacts: [{ email: 'a@example.com' }] })).statusCode).toBe(200);
    const issuers = async () => (await dataPlane('kv-docs', 'GET', '/certificates/issuers')).json().value as Array<{ id: string }>;
    await arm('DELETE', vaultPath('kv-docs'));
    await arm('PUT', vaultPath('kv-docs'), { location: 'westeurope', properties: { createMode: 'recover' } });
    expect(await issuers()).toHaveLength(1);
    await arm('DELETE', vaultPath('kv-docs'));
    expect((await arm('POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-docs/purge`)).statusCode).toBe(200);
    await createVault('kv-docs');
    expect(await issuers()).toEqual([]);
    expect((await dataPlane('kv-docs', 'GET', '/certificates/issuers/ca1')).json().error.code).toBe('CertificateIssuerNotFound');
    expect((await dataPlane('kv-docs', 'GET', '/certificates/contacts')).json().error.code).toBe('ContactsNotFound');
  });

  it('refuses to recover what is not deleted and to purge a purge-protected vault', async () => {
    expect((await arm('PUT', vaultPath('kv-ghost'), { location: 'westeurope', properties: { createMode: 'recover' } })).statusCode).toBe(404);
    await createVault('kv-prot', { enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
    await arm('DELETE', vaultPath('kv-prot'));
    const purge = await arm('POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-prot/purge`);
    expect(purge.statusCode).toBe(409);
    // The retention period ends, and the name is free again.
    t.clock.advance(7 * 86_400 + 1);
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/deletedVaults`)).json().value).toEqual([]);
    await createVault('kv-prot');
  });

  it('removes a vault without soft delete at once', async () => {
    await createVault('kv-nosd', { enableSoftDelete: false });
    await arm('DELETE', vaultPath('kv-nosd'));
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/deletedVaults`)).json().value).toEqual([]);
    await createVault('kv-nosd');
  });

  it('drives the recoveryLevel of the vault objects from retention and purge protection', async () => {
    await createVault('kv-rl');
    const level = async () => (await dataPlane('kv-rl', 'PUT', '/secrets/s', { value: 'v' })).json().attributes;
    expect(await level()).toMatchObject({ recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 });
    await arm('PATCH', vaultPath('kv-rl'), { properties: { softDeleteRetentionInDays: 30 } });
    expect(await level()).toMatchObject({ recoveryLevel: 'CustomizedRecoverable+Purgeable', recoverableDays: 30 });
    await arm('PATCH', vaultPath('kv-rl'), { properties: { enablePurgeProtection: true } });
    expect(await level()).toMatchObject({ recoveryLevel: 'CustomizedRecoverable', recoverableDays: 30 });
  });

  it('checks name availability, holding soft-deleted names', async () => {
    const check = async (name: string) =>
      (await arm('POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`, { name, type: 'Microsoft.KeyVault/vaults' })).json();
    expect(await check('kv-free')).toEqual({ nameAvailable: true });
    expect(await check('1bad')).toMatchObject({ nameAvailable: false, reason: 'AccountNameInvalid' });
    await createVault('kv-held');
    expect(await check('KV-HELD')).toMatchObject({ nameAvailable: false, reason: 'AlreadyExists' });
    await arm('DELETE', vaultPath('kv-held'));
    expect(await check('kv-held')).toMatchObject({ nameAvailable: false, reason: 'AlreadyExists' });
  });
});

describe('resource groups, subscriptions, tenants', () => {
  const RG = (name: string) => `/subscriptions/${SUB}/resourcegroups/${name}`;
  const res = (m: string, p: string, b?: unknown) => arm(m, p, b, { version: '2021-04-01' });

  it('creates, reads, checks, lists and deletes groups; deleting a group deletes its vaults', async () => {
    const put = await res('PUT', RG('grp1'), { location: 'West Europe', tags: { a: '1' } });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ id: `/subscriptions/${SUB}/resourceGroups/grp1`, name: 'grp1', location: 'westeurope', tags: { a: '1' } });
    expect((await res('PUT', RG('grp1'), { location: 'westeurope' })).statusCode).toBe(200);
    expect((await res('PUT', RG('grp1'), { location: 'eastus' })).statusCode).toBe(409);
    expect((await res('GET', `/subscriptions/${SUB}/resourceGroups/GRP1`)).statusCode).toBe(200);
    expect((await res('HEAD', RG('grp1'))).statusCode).toBe(204);
    expect((await res('HEAD', RG('nope'))).statusCode).toBe(404);
    const missing = await res('GET', RG('nope'));
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ResourceGroupNotFound');
    expect((await res('GET', `/subscriptions/${SUB}/resourcegroups`)).json().value.map((g: { name: string }) => g.name)).toEqual(['grp1', 'kyanite']);

    await createVault('kv-ingrp', {}, 'grp1');
    expect((await res('DELETE', RG('grp1'))).statusCode).toBe(200);
    expect((await res('GET', RG('grp1'))).statusCode).toBe(404);
    expect((await dataPlane('kv-ingrp', 'GET', '/secrets')).json().error.code).toBe('VaultNotFound');
    expect((await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/deletedVaults`)).json().value).toHaveLength(1);
    expect((await res('DELETE', RG('grp1'))).statusCode).toBe(404);
  });

  it('creates the group a vault is put into', async () => {
    await createVault('kv-newgrp', {}, 'brand-new');
    expect((await res('GET', RG('brand-new'))).json()).toMatchObject({ name: 'brand-new', location: 'westeurope' });
  });

  it('answers subscriptions and tenants', async () => {
    const subs = await arm('GET', '/subscriptions', undefined, { version: '2019-11-01' });
    expect(subs.json().value).toEqual([expect.objectContaining({ id: `/subscriptions/${SUB}`, subscriptionId: SUB, tenantId: SUB, state: 'Enabled' })]);
    expect((await arm('GET', `/subscriptions/${OTHER_SUB}`, undefined, { version: '2022-09-01' })).json().subscriptionId).toBe(OTHER_SUB);
    expect((await arm('GET', '/tenants', undefined, { version: '2020-01-01' })).json().value[0].tenantId).toBe(SUB);
  });
});

describe('provider, metadata and Graph', () => {
  it('lists operations and empty managed HSM lists', async () => {
    const ops = await arm('GET', '/providers/Microsoft.KeyVault/operations');
    expect(ops.json().value.map((o: { name: string }) => o.name)).toContain('Microsoft.KeyVault/vaults/write');
    const hsms = await arm('GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/managedHSMs`, undefined, { version: '2022-07-01' });
    expect(hsms.json()).toEqual({ value: [] });
  });

  it('answers cloud metadata in the shape of each api-version, without a token', async () => {
    const get = (v: string) => t.app.inject({ method: 'GET', url: `//metadata/endpoints?api-version=${v}`, headers: { host: HOST } });
    const old = await get('2015-01-01');
    expect(old.statusCode).toBe(200);
    expect(old.json()).toMatchObject({
      galleryEndpoint: 'https://localhost:8443/',
      graphEndpoint: 'https://localhost:8443/',
      portalEndpoint: 'https://localhost:8443/',
      authentication: { loginEndpoint: 'https://localhost:8443/adfs', audiences: ['https://localhost:8443/'] },
    });
    const cloud = {
      name: 'Kyanite',
      resourceManager: 'https://localhost:8443/',
      microsoftGraphResourceId: 'https://localhost:8443/',
      authentication: { loginEndpoint: 'https://localhost:8443/adfs', audiences: ['https://localhost:8443/'] },
      suffixes: { keyVaultDns: 'vault.localhost:8443' },
    };
    // 2019-05-01 up to 2022-09-01: the list of clouds (ARM_CLOUD_METADATA_URL); from 2022-09-01 the one cloud
    // (`az cloud register --endpoint-resource-manager`, go-azure-sdk).
    for (const v of ['2019-05-01', '2020-06-01']) {
      const list = (await get(v)).json();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject(cloud);
    }
    for (const v of ['2022-09-01', '2023-11-01']) expect((await get(v)).json()).toMatchObject(cloud);
  });

  it('answers /v1.0/me from the token and service principals by app id', async () => {
    const payload = Buffer.from(JSON.stringify({ oid: 'aaaaaaaa-0000-0000-0000-000000000001' })).toString('base64url');
    const me = await arm('GET', '/v1.0/me', undefined, { version: null, headers: { authorization: `Bearer e30.${payload}.sig` } });
    expect(me.json().id).toBe('aaaaaaaa-0000-0000-0000-000000000001');
    const opaque = await arm('GET', '/v1.0/me', undefined, { version: null });
    expect(opaque.json().id).toMatch(/^[0-9a-f-]{36}$/);
    const sp = await arm('GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent("servicePrincipalNames/any(c:c eq 'app-1')")}`, undefined, { version: null });
    expect(sp.json().value).toEqual([expect.objectContaining({ appId: 'app-1', id: expect.stringMatching(/^[0-9a-f-]{36}$/) })]);
    expect((await t.app.inject({ method: 'GET', url: '/v1.0/me', headers: { host: HOST } })).statusCode).toBe(401);
  });
});

describe('authentication and api-version', () => {
  it('needs a Bearer token', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${vaultPath('default', 'kyanite')}?api-version=${KV}`, headers: { host: HOST } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    const basic = await arm('GET', vaultPath('default', 'kyanite'), undefined, { headers: { authorization: 'Basic abc' } });
    expect(basic.statusCode).toBe(401);
  });

  it('needs a known api-version for Microsoft.KeyVault and a dated one elsewhere', async () => {
    const missing = await arm('GET', vaultPath('default', 'kyanite'), undefined, { version: null });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toEqual({
      code: 'MissingApiVersionParameter',
      message: 'The api-version query parameter (?api-version=) is required for all requests.',
    });
    const bad = await arm('GET', vaultPath('default', 'kyanite'), undefined, { version: '2099-01-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('InvalidApiVersionParameter');
    expect(bad.json().error.message).toMatch(/^The api-version '2099-01-01' is invalid\. The supported versions are '2015-06-01,.*2026-02-01/);
    // 2026-05-15: the version azure-mgmt-keyvault 14.1.0 (PyPI) sends for every call.
    for (const v of ['2015-06-01', '2018-02-14', '2024-11-01', '2025-05-01', '2026-05-15', '2018-02-14-preview']) {
      expect((await arm('GET', vaultPath('default', 'kyanite'), undefined, { version: v })).statusCode).toBe(200);
    }
    expect((await arm('GET', '/subscriptions', undefined, { version: '2016-06-01' })).statusCode).toBe(200);
    expect((await arm('GET', '/subscriptions', undefined, { version: 'latest' })).statusCode).toBe(400);
  });
});

describe('bad input answers a CloudError 4xx, never a 5xx', () => {
  const kind = (k: string) => `${vaultPath('default', 'kyanite')}/accessPolicies/${k}`;
  const policy = (permissions: unknown, extra: Record<string, unknown> = {}) => ({
    properties: { accessPolicies: [{ tenantId: TENANT, objectId: 'o', permissions, ...extra }] },
  });
  const cases: Array<[string, string, string, unknown, number, string?]> = [
    ['name too short', 'PUT', vaultPath('ab'), createBody(), 400, 'VaultNameNotValid'],
    ['name too long', 'PUT', vaultPath('a'.repeat(25)), createBody(), 400, 'VaultNameNotValid'],
    ['name starting with a digit', 'PUT', vaultPath('1vault'), createBody(), 400, 'VaultNameNotValid'],
    ['name with --', 'PUT', vaultPath('my--vault'), createBody(), 400, 'VaultNameNotValid'],
    ['name ending with -', 'PUT', vaultPath('myvault-'), createBody(), 400, 'VaultNameNotValid'],
    ['name with _', 'PUT', vaultPath('my_vault'), createBody(), 400, 'VaultNameNotValid'],
    ['no body', 'PUT', vaultPath('kv-bad'), undefined, 400],
    ['body not an object', 'PUT', vaultPath('kv-bad'), [1, 2], 400],
    ['missing location', 'PUT', vaultPath('kv-bad'), { properties: createBody().properties }, 400, 'LocationRequired'],
    ['missing properties', 'PUT', vaultPath('kv-bad'), { location: 'westeurope' }, 400, 'BadRequest'],
    ['missing sku', 'PUT', vaultPath('kv-bad'), { location: 'westeurope', properties: { tenantId: TENANT } }, 400, 'BadRequest'],
    ['missing tenantId', 'PUT', vaultPath('kv-bad'), { location: 'x', properties: { sku: { family: 'A', name: 'standard' } } }, 400, 'BadRequest'],
    ['tenantId not a GUID', 'PUT', vaultPath('kv-bad'), createBody({ tenantId: 'contoso' }), 400, 'BadRequest'],
    ['bad sku name', 'PUT', vaultPath('kv-bad'), createBody({ sku: { family: 'A', name: 'gold' } }), 400, 'BadRequest'],
    ['bad sku family', 'PUT', vaultPath('kv-bad'), createBody({ sku: { family: 'B', name: 'standard' } }), 400, 'BadRequest'],
    ['retention 6', 'PUT', vaultPath('kv-bad'), createBody({ softDeleteRetentionInDays: 6 }), 400, 'BadRequest'],
    ['retention 91', 'PUT', vaultPath('kv-bad'), createBody({ softDeleteRetentionInDays: 91 }), 400, 'BadRequest'],
    ['boolean as string', 'PUT', vaultPath('kv-bad'), createBody({ enableSoftDelete: 'yes' }), 400, 'BadRequest'],
    ['purge protection without soft delete', 'PUT', vaultPath('kv-bad'), createBody({ enableSoftDelete: false, enablePurgeProtection: true }), 400],
    ['bad createMode', 'PUT', vaultPath('kv-bad'), createBody({ createMode: 'clone' }), 400, 'BadRequest'],
    ['accessPolicies not an array', 'PUT', vaultPath('kv-bad'), createBody({ accessPolicies: {} }), 400, 'BadRequest'],
    ['policy without objectId', 'PUT', vaultPath('kv-bad'), createBody({ accessPolicies: [{ tenantId: TENANT, permissions: {} }] }), 400],
    ['unknown secret permission', 'PUT', vaultPath('kv-bad'), createBody({ accessPolicies: policy({ secrets: ['fly'] }).properties.accessPolicies }), 400],
    ['tags not strings', 'PUT', vaultPath('kv-bad'), { ...createBody(), tags: { a: 1 } }, 400, 'BadRequest'],
    ['invalid subscription id', 'PUT', vaultPath('kv-bad', 'rg1', 'not-a-guid'), createBody(), 400, 'InvalidSubscriptionId'],
    ['bad access-policy kind', 'PUT', kind('merge'), policy({ secrets: ['get'] }), 400, 'BadRequest'],
    ['access policies missing', 'PUT', kind('add'), { properties: {} }, 400, 'BadRequest'],
    ['unknown permission kind', 'PUT', kind('add'), policy({ blobs: ['get'] }), 400, 'BadRequest'],
    ['unknown key permission', 'PUT', kind('add'), policy({ keys: ['teleport'] }), 400, 'BadRequest'],
    ['applicationId not a GUID', 'PUT', kind('add'), policy({ keys: ['get'] }, { applicationId: 'x' }), 400, 'BadRequest'],
    ['access policies on a missing vault', 'PUT', `${vaultPath('kv-none')}/accessPolicies/add`, policy({ keys: ['get'] }), 404, 'ResourceNotFound'],
    ['patch with bad retention', 'PATCH', vaultPath('default', 'kyanite'), { properties: { softDeleteRetentionInDays: 100 } }, 400],
    ['patch with a string body', 'PATCH', vaultPath('default', 'kyanite'), 'x', 400],
    ['name check without name', 'POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`, { type: 'Microsoft.KeyVault/vaults' }, 400],
    ['name check with another type', 'POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`, { name: 'abc', type: 'x' }, 400],
    ['purge of a vault never deleted', 'POST', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/local/deletedVaults/default/purge`, undefined, 404],
    ['$skiptoken garbage', 'GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults?$skiptoken=%%%`, undefined, 400],
    ['unknown api-version', 'GET', `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults?api-version=1999-01-01`, undefined, 400, 'InvalidApiVersionParameter'],
    ['resource group without location', 'PUT', `/subscriptions/${SUB}/resourcegroups/g?api-version=2021-04-01`, {}, 400, 'LocationRequired'],
    ['resource group bad name', 'PUT', `/subscriptions/${SUB}/resourcegroups/a*b?api-version=2021-04-01`, { location: 'x' }, 400],
    ['invalid JSON', 'PUT', vaultPath('kv-bad'), '{"location":', 400],
  ];

  it.each(cases)('%s', async (_label, method, path, body, status, code) => {
    const res = await t.app.inject({
      method: method as 'PUT',
      url: path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${KV}`,
      headers: { authorization: 'Bearer x', host: HOST, 'content-type': 'application/json' },
      ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    expect(res.statusCode, res.body).toBe(status);
    const error = res.json().error;
    expect(typeof error.code).toBe('string');
    expect(typeof error.message).toBe('string');
    if (code) expect(error.code).toBe(code);
  });
});
