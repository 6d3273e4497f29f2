import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/** ARM's vault sub-resources: keys, secrets, private endpoint connections, private link resources, NSP configs. */

const SUB = '00000000-0000-0000-0000-000000000000';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const KV = '2026-02-01';
const HOST = 'localhost:8443';
const VAULT = 'kv-objects';
const BASE = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/${VAULT}`;

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  const created = await arm('PUT', BASE, {
    location: 'westeurope',
    properties: { tenantId: TENANT, sku: { family: 'A', name: 'standard' }, accessPolicies: [], softDeleteRetentionInDays: 7 },
  });
  expect(created.statusCode, created.body).toBe(201);
});
afterEach(async () => t.close());

function arm(method: string, path: string, body?: unknown, version: string | null = KV): Promise<LightMyRequestResponse> {
  const url = version === null ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${version}`;
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: 'Bearer arm-token', host: HOST },
    ...(body !== undefined && { payload: body as object }),
  });
}

/** The data plane, through the same app, on the vault's own host. */
const dataPlane = (method: string, path: string, body?: unknown) => t.call(method as 'GET', path, body, { host: `${VAULT}.vault.localhost:8443` });

async function expectCloudError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
}

const DATA = `https://${VAULT}.vault.localhost:8443`;

describe('ARM secrets', () => {
  it('PUT creates (201) then adds a version (200); the value is never returned; the data plane reads it', async () => {
    const created = await arm('PUT', `${BASE}/secrets/db-password`, { tags: { app: 'x' }, properties: { value: 's3cret', contentType: 'text/plain' } });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      id: `${BASE}/secrets/db-password`,
      name: 'db-password',
      type: 'Microsoft.KeyVault/vaults/secrets',
      location: 'westeurope',
      tags: { app: 'x' },
      properties: {
        contentType: 'text/plain',
        attributes: { enabled: true, created: expect.any(Number), updated: expect.any(Number) },
        secretUri: `${DATA}/secrets/db-password`,
        secretUriWithVersion: expect.stringMatching(new RegExp(`^${DATA}/secrets/db-password/[0-9a-f]{32}$`)),
      },
    });
    expect(JSON.stringify(body)).not.toContain('s3cret');

    const read = await dataPlane('GET', '/secrets/db-password');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ value: 's3cret', contentType: 'text/plain', tags: { app: 'x' } });
    expect(read.json().id).toBe(body.properties.secretUriWithVersion);

    const again = await arm('PUT', `${BASE}/secrets/db-password`, { properties: { value: 'rotated' } });
    expect(again.statusCode).toBe(200);
    expect(again.json().properties.secretUriWithVersion).not.toBe(body.properties.secretUriWithVersion);
    expect((await dataPlane('GET', '/secrets/db-password')).json().value).toBe('rotated');
    expect((await dataPlane('GET', '/secrets/db-password/versions')).json().value).toHaveLength(2);
  });

  it('gets and lists (with $top) what the data plane set, without values', async () => {
    for (const n of ['a1', 'b2', 'c3']) expect((await dataPlane('PUT', `/secrets/${n}`, { value: `v-${n}` })).statusCode).toBe(200);
    const got = await arm('GET', `${BASE}/secrets/b2`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ name: 'b2', properties: { secretUri: `${DATA}/secrets/b2` } });
    expect(got.json().properties).not.toHaveProperty('value');

    const all = await arm('GET', `${BASE}/secrets`);
    expect(all.json().value.map((s: { name: string }) => s.name)).toEqual(['a1', 'b2', 'c3']);
    const first = (await arm('GET', `${BASE}/secrets?$top=2`)).json();
    expect(first.value).toHaveLength(2);
    expect(first.nextLink).toMatch(/\$skiptoken=/);
    const next = await arm('GET', new URL(first.nextLink).pathname + new URL(first.nextLink).search, undefined, null);
    expect(next.json().value.map((s: { name: string }) => s.name)).toEqual(['c3']);
  });

  it('PATCH updates the current version in place, or adds one when it carries a value', async () => {
    await arm('PUT', `${BASE}/secrets/s1`, { tags: { t: '1' }, properties: { value: 'one', contentType: 'a' } });
    const patched = await arm('PATCH', `${BASE}/secrets/s1`, { tags: { t: '2' }, properties: { contentType: 'b', attributes: { exp: 4102444800 } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ tags: { t: '2' }, properties: { contentType: 'b', attributes: { exp: 4102444800 } } });
    expect((await dataPlane('GET', '/secrets/s1/versions')).json().value).toHaveLength(1);
    expect((await dataPlane('GET', '/secrets/s1')).json()).toMatchObject({ value: 'one', contentType: 'b', attributes: { exp: 4102444800 } });

    const withValue = await arm('PATCH', `${BASE}/secrets/s1`, { properties: { value: 'two' } });
    expect(withValue.statusCode).toBe(200);
    expect((await dataPlane('GET', '/secrets/s1/versions')).json().value).toHaveLength(2);
    expect((await dataPlane('GET', '/secrets/s1')).json()).toMatchObject({ value: 'two', contentType: 'b', tags: { t: '2' } });
  });

  it('answers CloudError 4xx for bad input and missing secrets', async () => {
    await expectCloudError(await arm('PUT', `${BASE}/secrets/nope`, { properties: {} }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/nope`, { properties: { value: 42 } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/nope`, {}), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/bad_name`, { properties: { value: 'x' } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/nope`, { properties: { value: 'x', attributes: { exp: 'soon' } } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/nope`, { tags: { a: 1 }, properties: { value: 'x' } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/secrets/big`, { properties: { value: 'x'.repeat(26 * 1024) } }), 400, 'BadRequest');
    await expectCloudError(await arm('GET', `${BASE}/secrets/absent`), 404, 'ResourceNotFound');
    await expectCloudError(await arm('PATCH', `${BASE}/secrets/absent`, { properties: { contentType: 'x' } }), 404, 'ResourceNotFound');
    const otherVault = BASE.replace(VAULT, 'kv-missing');
    await expectCloudError(await arm('GET', `${otherVault}/secrets`), 404, 'ResourceNotFound');
    await expectCloudError(await arm('GET', `${BASE}/secrets`, undefined, null), 400, 'MissingApiVersionParameter');
    await expectCloudError(await arm('GET', `${BASE}/secrets`, undefined, '1999-01-01'), 400, 'InvalidApiVersionParameter');
  });

  it('matches paths case-insensitively', async () => {
    await arm('PUT', `${BASE}/secrets/cased`, { properties: { value: 'x' } });
    const res = await arm('GET', `${BASE.toLowerCase().replace('microsoft.keyvault', 'MICROSOFT.KEYVAULT')}/SECRETS/cased`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().name).toBe('cased');
  });

  it('a soft-deleted name is a 409 until it is recovered or purged', async () => {
    await arm('PUT', `${BASE}/secrets/gone`, { properties: { value: 'x' } });
    expect((await dataPlane('DELETE', '/secrets/gone')).statusCode).toBe(200);
    const res = await arm('PUT', `${BASE}/secrets/gone`, { properties: { value: 'y' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('Conflict');
  });
});

describe('ARM keys', () => {
  it('creates an RSA key (2048 by default) that signs and verifies on the data plane', async () => {
    const res = await arm('PUT', `${BASE}/keys/signer`, { tags: { use: 'sign' }, properties: { kty: 'RSA' } });
    expect(res.statusCode, res.body).toBe(200);
    const key = res.json();
    expect(key).toMatchObject({
      id: `${BASE}/keys/signer`,
      name: 'signer',
      type: 'Microsoft.KeyVault/vaults/keys',
      location: 'westeurope',
      tags: { use: 'sign' },
      properties: {
        kty: 'RSA',
        keySize: 2048,
        keyOps: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
        keyUri: `${DATA}/keys/signer`,
        keyUriWithVersion: expect.stringMatching(new RegExp(`^${DATA}/keys/signer/[0-9a-f]{32}$`)),
        attributes: { enabled: true, created: expect.any(Number), updated: expect.any(Number), recoveryLevel: 'CustomizedRecoverable+Purgeable' },
      },
    });

    const digest = createHash('sha256').update('hello').digest('base64url');
    const signed = await dataPlane('POST', '/keys/signer/sign', { alg: 'RS256', value: digest });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json().kid).toBe(key.properties.keyUriWithVersion);
    const verified = await dataPlane('POST', '/keys/signer/verify', { alg: 'RS256', digest, value: signed.json().value });
    expect(verified.json().value).toBe(true);
  });

  it('creates EC keys on P-256 by default, or the curve asked for', async () => {
    const ec = (await arm('PUT', `${BASE}/keys/ec1`, { properties: { kty: 'EC' } })).json();
    expect(ec.properties).toMatchObject({ kty: 'EC', curveName: 'P-256', keyOps: ['sign', 'verify'] });
    expect(ec.properties).not.toHaveProperty('keySize');
    const p384 = (await arm('PUT', `${BASE}/keys/ec2`, { properties: { kty: 'EC-HSM', curveName: 'P-384', keyOps: ['sign'] } })).json();
    expect(p384.properties).toMatchObject({ kty: 'EC-HSM', curveName: 'P-384', keyOps: ['sign'] });
    const rsa = (await arm('PUT', `${BASE}/keys/rsa3k`, { properties: { kty: 'RSA-HSM', keySize: 3072, attributes: { enabled: false } } })).json();
    expect(rsa.properties).toMatchObject({ kty: 'RSA-HSM', keySize: 3072, attributes: { enabled: false } });
    expect((await dataPlane('GET', '/keys/ec2')).json().key).toMatchObject({ kty: 'EC-HSM', crv: 'P-384' });
  });

  it('create-if-not-exist returns an existing key untouched and never adds a version', async () => {
    const first = (await arm('PUT', `${BASE}/keys/once`, { properties: { kty: 'EC' } })).json();
    const second = await arm('PUT', `${BASE}/keys/once`, { tags: { changed: 'no' }, properties: { kty: 'RSA', keySize: 4096 } });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first);
    expect((await dataPlane('GET', '/keys/once/versions')).json().value).toHaveLength(1);

    // A key made on the data plane is answered too, and versions added there show in ARM.
    await dataPlane('POST', '/keys/dp/create', { kty: 'RSA' });
    await dataPlane('POST', '/keys/dp/create', { kty: 'RSA' });
    expect((await arm('PUT', `${BASE}/keys/dp`, { properties: { kty: 'EC' } })).json().properties.kty).toBe('RSA');
    expect((await dataPlane('GET', '/keys/dp/versions')).json().value).toHaveLength(2);
  });

  it('lists keys and versions, and gets one version', async () => {
    await arm('PUT', `${BASE}/keys/k1`, { properties: { kty: 'EC' } });
    const rotated = await dataPlane('POST', '/keys/k1/rotate');
    expect(rotated.statusCode, rotated.body).toBe(200);
    const newest = rotated.json().key.kid.split('/').pop();
    await arm('PUT', `${BASE}/keys/k2`, { properties: { kty: 'EC' } });

    expect((await arm('GET', `${BASE}/keys`)).json().value.map((k: { name: string }) => k.name)).toEqual(['k1', 'k2']);
    const got = (await arm('GET', `${BASE}/keys/k1`)).json();
    expect(got.properties.keyUriWithVersion).toBe(`${DATA}/keys/k1/${newest}`);

    const versions = (await arm('GET', `${BASE}/keys/k1/versions`)).json().value;
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ type: 'Microsoft.KeyVault/vaults/keys/versions', id: `${BASE}/keys/k1/versions/${versions[0].name}` });
    const one = await arm('GET', `${BASE}/keys/k1/versions/${newest}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ name: newest, properties: { keyUriWithVersion: `${DATA}/keys/k1/${newest}` } });
  });

  it('stores a rotation policy and shows it in ARM terms', async () => {
    const res = await arm('PUT', `${BASE}/keys/rot`, {
      properties: {
        kty: 'RSA',
        rotationPolicy: { attributes: { expiryTime: 'P90D' }, lifetimeActions: [{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'rotate' } }] },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().properties.rotationPolicy).toMatchObject({
      attributes: { expiryTime: 'P90D' },
      lifetimeActions: [{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'rotate' } }],
    });
    const dp = await dataPlane('GET', '/keys/rot/rotationpolicy');
    expect(dp.json().lifetimeActions).toEqual([{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'Rotate' } }]);
  });

  it('answers CloudError 4xx for bad input, leaving no key behind', async () => {
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: { kty: 'oct' } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: {} }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, {}), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: { kty: 'RSA', keySize: 1024 } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: { kty: 'EC', curveName: 'P-999' } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: { kty: 'RSA', keyOps: ['fly'] } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: { kty: 'RSA', attributes: { enabled: 'yes' } } }), 400, 'BadRequest');
    const badPolicy = { kty: 'RSA', rotationPolicy: { lifetimeActions: [{ trigger: { timeAfterCreate: 'soon' }, action: { type: 'rotate' } }] } };
    await expectCloudError(await arm('PUT', `${BASE}/keys/k`, { properties: badPolicy }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', `${BASE}/keys/bad.name`, { properties: { kty: 'RSA' } }), 400, 'BadRequest');
    await expectCloudError(await arm('GET', `${BASE}/keys/k`), 404, 'ResourceNotFound');
    await expectCloudError(await arm('GET', `${BASE}/keys/k/versions`), 404, 'ResourceNotFound');
    await arm('PUT', `${BASE}/keys/real`, { properties: { kty: 'EC' } });
    await expectCloudError(await arm('GET', `${BASE}/keys/real/versions/${'0'.repeat(32)}`), 404, 'ResourceNotFound');
    await expectCloudError(await arm('GET', `${BASE}/keys/real/versions/not-a-version`), 400, 'BadRequest');
    expect((await arm('GET', `${BASE}/keys`)).json().value.map((k: { name: string }) => k.name)).toEqual(['real']);
  });
});

describe('private endpoint connections and private link resources', () => {
  const PEC = `${BASE}/privateEndpointConnections/pec1`;
  const endpoint = { id: `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/privateEndpoints/pe1` };

  it('stores a connection as sent, shows it on the vault, updates and deletes it', async () => {
    const put = await arm('PUT', PEC, {
      etag: 'W/"1"',
      properties: { privateEndpoint: endpoint, privateLinkServiceConnectionState: { status: 'Pending', description: 'please', actionsRequired: 'None' } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.headers['azure-asyncoperation']).toBeUndefined();
    expect(put.json()).toEqual({
      id: PEC,
      name: 'pec1',
      type: 'Microsoft.KeyVault/vaults/privateEndpointConnections',
      location: 'westeurope',
      etag: 'W/"1"',
      properties: {
        privateEndpoint: endpoint,
        privateLinkServiceConnectionState: { status: 'Pending', description: 'please', actionsRequired: 'None' },
        provisioningState: 'Succeeded',
      },
    });

    const vault = (await arm('GET', BASE)).json();
    expect(vault.properties.privateEndpointConnections).toEqual([
      { id: PEC, etag: 'W/"1"', properties: expect.objectContaining({ privateEndpoint: endpoint, provisioningState: 'Succeeded' }) },
    ]);

    // Approving keeps the endpoint the first PUT stored.
    const approved = await arm('PUT', PEC, { properties: { privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' } } });
    expect(approved.json().properties).toEqual({
      privateEndpoint: endpoint,
      privateLinkServiceConnectionState: { status: 'Approved', description: 'ok' },
      provisioningState: 'Succeeded',
    });
    expect((await arm('GET', PEC)).json().properties.privateLinkServiceConnectionState.status).toBe('Approved');
    expect((await arm('GET', `${BASE}/privateEndpointConnections`)).json().value.map((c: { name: string }) => c.name)).toEqual(['pec1']);

    const deleted = await arm('DELETE', PEC);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ id: PEC, properties: { provisioningState: 'Disconnected' } });
    expect((await arm('DELETE', PEC)).statusCode).toBe(204);
    await expectCloudError(await arm('GET', PEC), 404, 'ResourceNotFound');
    expect((await arm('GET', `${BASE}/privateEndpointConnections`)).json().value).toEqual([]);
    expect((await arm('GET', BASE)).json().properties.privateEndpointConnections).toEqual([]);
  });

  it('refuses a bad connection state and a missing vault', async () => {
    await expectCloudError(await arm('PUT', PEC, { properties: { privateLinkServiceConnectionState: { status: 'Maybe' } } }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', PEC, { properties: 'approved' }), 400, 'BadRequest');
    await expectCloudError(await arm('PUT', PEC, [1]), 400, 'BadRequest');
    await expectCloudError(await arm('GET', `${BASE.replace(VAULT, 'kv-none')}/privateEndpointConnections`), 404, 'ResourceNotFound');
  });

  it('lists the vault private link resource', async () => {
    const res = await arm('GET', `${BASE}/privateLinkResources`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      value: [
        {
          id: `${BASE}/privateLinkResources/vault`,
          name: 'vault',
          type: 'Microsoft.KeyVault/vaults/privateLinkResources',
          location: 'westeurope',
          properties: { groupId: 'vault', requiredMembers: ['default'], requiredZoneNames: ['privatelink.vaultcore.azure.net'] },
        },
      ],
    });
  });

  it('has no network security perimeter configurations', async () => {
    expect((await arm('GET', `${BASE}/networkSecurityPerimeterConfigurations`)).json()).toEqual({ value: [] });
    await expectCloudError(await arm('GET', `${BASE}/networkSecurityPerimeterConfigurations/c1`), 404, 'ResourceNotFound');
    await expectCloudError(await arm('POST', `${BASE}/networkSecurityPerimeterConfigurations/c1/reconcile`), 404, 'ResourceNotFound');
  });
});
