import https from 'node:https';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../../src/domain/vaults.js';
import { clientOptions, SUB } from '../helpers/arm-sdk.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * @azure/arm-keyvault with stock @azure/identity credentials against --auth strict: the management plane's RBAC as
 * an SDK user meets it (RestError AuthorizationFailed), with tokens from Kyanite's own token service.
 */

const RG = 'rg-strict-sdk';
const ADMIN = { clientId: 'sdk-admin', secret: 'sdk-admin-secret' };
const READER = { clientId: 'sdk-reader', secret: 'sdk-reader-secret', objectId: '7d1e4a52-3c1b-4e8f-9a0d-5b6c7d8e9f01' };
const READER_ROLE = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

let server: TestServer;
const clientAs = (who: { clientId: string; secret: string }) =>
  new KeyVaultManagementClient(
    new ClientSecretCredential('adfs', who.clientId, who.secret, { authorityHost: server.k.url, tlsOptions: { ca: server.caPem } }),
    SUB,
    { endpoint: server.k.url, ...clientOptions(server) },
  );

const vaultBody = {
  location: 'westeurope',
  properties: { tenantId: DEFAULT_TENANT_ID, sku: { family: 'A' as const, name: 'standard' as const }, accessPolicies: [] },
};

beforeAll(async () => {
  server = await startTestServer({ auth: 'strict', principals: [ADMIN, READER], adminPrincipals: [ADMIN.clientId] });
});
afterAll(async () => server?.stop());

describe('@azure/arm-keyvault against --auth strict', () => {
  it('the admin principal creates; a Reader at the group reads and is refused writes with AuthorizationFailed', async () => {
    const admin = clientAs(ADMIN);
    // The group through the generic resource API would need @azure/arm-resources; the admin's token makes it directly.
    const token = await new ClientSecretCredential('adfs', ADMIN.clientId, ADMIN.secret, {
      authorityHost: server.k.url,
      tlsOptions: { ca: server.caPem },
    }).getToken(`${server.k.url}/.default`);
    const put = (path: string, body: unknown) => armPut(`${server.k.url}${path}`, token!.token, body);
    expect((await put(`/subscriptions/${SUB}/resourcegroups/${RG}?api-version=2022-09-01`, { location: 'westeurope' })).status).toBe(201);
    const created = await admin.vaults.beginCreateOrUpdateAndWait(RG, 'kv-strict-sdk', vaultBody);
    expect(created.name).toBe('kv-strict-sdk');
    const assignment = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Authorization/roleAssignments/2b3c4d5e-0000-4000-8000-000000000001`;
    const assigned = await put(`${assignment}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER_ROLE}`, principalId: READER.objectId },
    });
    expect(assigned.status).toBe(201);

    const reader = clientAs(READER);
    expect((await reader.vaults.get(RG, 'kv-strict-sdk')).name).toBe('kv-strict-sdk');
    await expect(reader.vaults.beginCreateOrUpdateAndWait(RG, 'kv-reader-made', vaultBody)).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
      message: expect.stringContaining(`does not have authorization to perform action 'Microsoft.KeyVault/vaults/write'`),
    });
    await expect(
      reader.vaults.updateAccessPolicy(RG, 'kv-strict-sdk', 'add', {
        properties: { accessPolicies: [{ tenantId: DEFAULT_TENANT_ID, objectId: READER.objectId, permissions: { secrets: ['all'] } }] },
      }),
    ).rejects.toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
  });
});

/** A PUT through the test server's agent (trusts its CA), for the calls this SDK has no method for. */
function armPut(url: string, token: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'PUT', agent: server.agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
