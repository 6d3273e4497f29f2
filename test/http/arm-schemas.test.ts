import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/**
 * ARM bodies are checked by TypeBox schemas on the routes (src/arm/schemas.ts); a failure is ARM's CloudError naming
 * the property at fault, LocationRequired for a missing location. Value rules beyond the shape (sku names without
 * case, permission names, the vault rules) keep their own sentences.
 */
const SUB = '00000000-0000-0000-0000-000000000000';
const ARM = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults`;
const vaultBody = (p: Record<string, unknown>) => ({ location: 'westeurope', properties: { tenantId: SUB, sku: { family: 'A', name: 'standard' }, ...p } });

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t?.close());

const put = (path: string, body: unknown, method: 'PUT' | 'PATCH' | 'POST' = 'PUT') =>
  t.app.inject({
    method,
    url: `${path}?api-version=2023-07-01`,
    headers: { authorization: 'Bearer x', host: 'localhost:8443', 'content-type': 'application/json' },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });

describe('ARM body schemas', () => {
  it.each([
    ['no body', `${ARM}/kv-s`, undefined, 'BadRequest', 'The request body must be a JSON object.'],
    ['an array', `${ARM}/kv-s`, [1], 'BadRequest', 'The request body must be a JSON object.'],
    ['no location', `${ARM}/kv-s`, { properties: {} }, 'LocationRequired', 'The location property is required for this definition.'],
    ['a blank location', `${ARM}/kv-s`, { location: ' ', properties: {} }, 'LocationRequired', 'The location property is required for this definition.'],
    ['no properties', `${ARM}/kv-s`, { location: 'w' }, 'BadRequest', "The property 'properties' is required."],
    ['a create without tenantId', `${ARM}/kv-s`, { location: 'w', properties: { sku: { name: 'standard' } } }, 'BadRequest', "The property 'properties.tenantId' is required."],
    ['a tenantId that is no GUID', `${ARM}/kv-s`, vaultBody({ tenantId: 'contoso' }), 'BadRequest', "The property 'properties.tenantId' must be a GUID."],
    ['another sku family', `${ARM}/kv-s`, vaultBody({ sku: { family: 'B', name: 'standard' } }), 'BadRequest', "The property 'properties.sku.family' must be 'A'."],
    ['a switch as a string', `${ARM}/kv-s`, vaultBody({ enableSoftDelete: 'yes' }), 'BadRequest', "The property 'properties.enableSoftDelete' must be true or false."],
    ['an unknown createMode', `${ARM}/kv-s`, vaultBody({ createMode: 'clone' }), 'BadRequest', "The property 'properties.createMode' is not valid. Valid values: default, recover."],
    [
      'an unknown permission kind',
      `${ARM}/kv-s`,
      vaultBody({ accessPolicies: [{ tenantId: SUB, objectId: 'o', permissions: { blobs: [] } }] }),
      'BadRequest',
      "The property 'properties.accessPolicies[0].permissions.blobs' is not allowed.",
    ],
    ['a tag that is no string', `${ARM}/kv-s`, { ...vaultBody({}), tags: { a: 1 } }, 'BadRequest', "The property 'tags.a' must be a string."],
    ['a secret expiry as text', `${ARM}/kv-s/secrets/s`, { properties: { value: 'x', attributes: { exp: 'soon' } } }, 'BadRequest', "The property 'properties.attributes.exp' must be an integer."],
    ['a key type ARM does not create', `${ARM}/kv-s/keys/k`, { properties: { kty: 'oct' } }, 'BadRequest', "The property 'properties.kty' is not valid. Valid values: EC, EC-HSM, RSA, RSA-HSM."],
  ])('%s', async (_label, path, body, code, message) => {
    const res = await put(path, body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({ error: { code, message } });
  });

  it('keeps the sentences of the rules beyond the shape', async () => {
    expect((await put(`${ARM}/kv-s`, vaultBody({ sku: { name: 'gold' } }))).json().error.message).toBe(
      "The sku name 'gold' is not valid. Valid sku names: standard, premium.",
    );
    const named = await put(`/subscriptions/${SUB}/providers/Microsoft.KeyVault/checkNameAvailability`, { type: 'x' }, 'POST');
    expect(named.json().error).toEqual({ code: 'BadRequest', message: "The property 'name' is required." });
  });

  it('lets through what clients echo back: read-only and unknown fields, nulls for what they leave unset', async () => {
    const res = await put(`${ARM}/kv-echo`, {
      ...vaultBody({ vaultUri: 'https://kv-echo.vault.azure.net/', provisioningState: 'Succeeded', enablePurgeProtection: null, publicNetworkAccess: 'Enabled' }),
      tags: null,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().properties).toMatchObject({ publicNetworkAccess: 'Enabled', vaultUri: 'https://kv-echo.vault.localhost:8443/' });
  });
});
