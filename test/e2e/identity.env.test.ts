import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../../src/domain/vaults.js';
import { SYSTEM_MANAGED_IDENTITY, grantSecretsGetSet, withoutIdentityEnv } from '../helpers/identity.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Stock @azure/identity driven by environment variables only, in a child node process so the variables are real
 * (EnvironmentCredential and ManagedIdentityCredential read them once, at construction). Trust comes from
 * NODE_EXTRA_CA_CERTS, *.localhost names from the --import preload; the server runs --auth strict with one declared
 * principal, and kv1's access policy grants it (and the managed identity) secrets get and set, nothing else.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HELPERS = path.join(ROOT, 'test/helpers');
const APP = { clientId: 'e2e-env-app', secret: 'e2e-env-secret' };
const IDENTITY_HEADER = 'kyanite'; // the strict mode's expected X-IDENTITY-HEADER (DEFAULT_IDENTITY_HEADER)

let server: TestServer;
let dir: string;
let caFile: string;

async function runChild(vars: Record<string, string>, secret: string): Promise<{ value: string; id: string; listDenied: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', path.join(HELPERS, 'localhost-dns.mjs'), path.join(HELPERS, 'identity-child.mjs')],
    {
      cwd: ROOT,
      env: { ...withoutIdentityEnv(), NODE_EXTRA_CA_CERTS: caFile, KEYVAULT_URL: server.vaultUrl('kv1'), KYANITE_E2E_SECRET: secret, ...vars },
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

beforeAll(async () => {
  server = await startTestServer({ auth: 'strict', principals: [APP, SYSTEM_MANAGED_IDENTITY], imdsPort: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-identity-env-'));
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, server.caPem);
  grantSecretsGetSet(server, 'kv1', [APP.clientId]);
});
afterAll(async () => {
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('stock @azure/identity against --auth strict, configured by environment only', () => {
  const expectRoundTrip = (out: { value: string; id: string; listDenied: string }, secret: string) => {
    expect(out.value).toBe(`value of ${secret}`);
    expect(out.id).toMatch(new RegExp(`^https://kv1\\.vault\\.localhost:${server.port}/secrets/${secret}/[0-9a-f]{32}$`));
    // The policy grants get and set only: listing is the service's 403.
    expect(out.listDenied).toBe('403 Forbidden');
  };

  it('DefaultAzureCredential: AZURE_AUTHORITY_HOST + AZURE_TENANT_ID=adfs + client id and secret', async () => {
    const out = await runChild(
      {
        AZURE_AUTHORITY_HOST: `https://localhost:${server.port}`,
        AZURE_TENANT_ID: 'adfs',
        AZURE_CLIENT_ID: APP.clientId,
        AZURE_CLIENT_SECRET: APP.secret,
      },
      'from-env-sp',
    );
    expectRoundTrip(out, 'from-env-sp');
  }, 90_000);

  it('DefaultAzureCredential: IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service managed identity)', async () => {
    const out = await runChild(
      { IDENTITY_ENDPOINT: `https://localhost:${server.port}/msi/token`, IDENTITY_HEADER },
      'from-env-mi',
    );
    expectRoundTrip(out, 'from-env-mi');
  }, 90_000);

  it('DefaultAzureCredential: AZURE_POD_IDENTITY_AUTHORITY_HOST alone (IMDS over plain HTTP, --imds-port)', async () => {
    expect(server.k.imdsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await runChild({ AZURE_POD_IDENTITY_AUTHORITY_HOST: server.k.imdsUrl! }, 'from-env-imds');
    expectRoundTrip(out, 'from-env-imds');
  }, 90_000);

  it('ClientSecretCredential with a GUID tenant and disableInstanceDiscovery', async () => {
    const out = await runChild(
      {
        KYANITE_E2E_CREDENTIAL: 'client-secret',
        KYANITE_E2E_TENANT: DEFAULT_TENANT_ID,
        KYANITE_E2E_CLIENT_ID: APP.clientId,
        KYANITE_E2E_CLIENT_SECRET: APP.secret,
        KYANITE_E2E_AUTHORITY: `https://localhost:${server.port}`,
      },
      'from-guid-tenant',
    );
    expectRoundTrip(out, 'from-guid-tenant');
  }, 90_000);

  it('a wrong secret never reaches the vault', async () => {
    await expect(
      runChild(
        {
          AZURE_AUTHORITY_HOST: `https://localhost:${server.port}`,
          AZURE_TENANT_ID: 'adfs',
          AZURE_CLIENT_ID: APP.clientId,
          AZURE_CLIENT_SECRET: 'wrong',
        },
        'never',
      ),
    ).rejects.toThrow(/AADSTS7000215/);
  }, 90_000);
});
