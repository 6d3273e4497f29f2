import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_MANAGED_IDENTITY, grantSecretsGetSet, pythonWith, withoutIdentityEnv } from '../helpers/identity.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Debian's python3-azure (azure-identity 1.13.0b2, azure-keyvault-secrets 4.7) against --auth strict: each stock
 * credential gets a token from Kyanite and does a secret round trip on NAME.vault.localhost with challenge resource
 * verification on (the default). Trust: REQUESTS_CA_BUNDLE; names: test/helpers/python/sitecustomize.py on PYTHONPATH.
 */
const SITE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/python');
const APP = { clientId: 'e2e-python-app', secret: 'e2e-python-secret' };
const IDENTITY_HEADER = 'kyanite';

const python = pythonWith('azure.identity, azure.keyvault.secrets');
const skipReason = 'no python3 can import azure.identity and azure.keyvault.secrets (apt-get install python3-azure)';
if (!python) console.warn(`identity.python.test.ts skipped: ${skipReason}`);

/** The user's program: the credential comes from KYANITE_E2E_CREDENTIAL, the rest from the usual variables. */
const SCRIPT = `
import json, os
from azure.identity import ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from azure.core.exceptions import HttpResponseError

kind = os.environ["KYANITE_E2E_CREDENTIAL"]
if kind == "client-secret":
    cred = ClientSecretCredential("adfs", os.environ["KYANITE_E2E_CLIENT_ID"], os.environ["KYANITE_E2E_CLIENT_SECRET"],
                                  authority=os.environ["KYANITE_E2E_AUTHORITY"])
elif kind == "managed-identity":
    cred = ManagedIdentityCredential()
else:
    cred = DefaultAzureCredential()

client = SecretClient(os.environ["KEYVAULT_URL"], cred)
name = os.environ["KYANITE_E2E_SECRET"]
client.set_secret(name, "value of " + name)
got = client.get_secret(name)
try:
    next(iter(client.list_properties_of_secrets()))
    denied = "no"
except HttpResponseError as e:
    denied = "%s %s" % (e.status_code, e.error.code if e.error else "")
print(json.dumps({"value": got.value, "id": got.id, "listDenied": denied}))
`;

describe.skipIf(!python)('Debian python3-azure credentials against --auth strict', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer({ auth: 'strict', principals: [APP, SYSTEM_MANAGED_IDENTITY], vaults: ['default', 'kv-py'], imdsPort: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-identity-py-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), server.caPem);
    grantSecretsGetSet(server, 'kv-py', [APP.clientId]);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(vars: Record<string, string>, secret: string) {
    const { stdout } = await promisify(execFile)(python!, ['-c', SCRIPT], {
      env: {
        ...withoutIdentityEnv(),
        PYTHONPATH: SITE_DIR,
        REQUESTS_CA_BUNDLE: path.join(dir, 'ca.pem'),
        KEYVAULT_URL: server.vaultUrl('kv-py'),
        KYANITE_E2E_SECRET: secret,
        ...vars,
      },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { value: string; id: string; listDenied: string };
    expect(out.value).toBe(`value of ${secret}`);
    expect(out.id).toMatch(new RegExp(`^https://kv-py\\.vault\\.localhost:${server.port}/secrets/${secret}/[0-9a-f]{32}$`));
    expect(out.listDenied).toBe('403 Forbidden');
  }

  it('ClientSecretCredential, tenant adfs, authority=https://localhost:PORT', async () => {
    await run(
      {
        KYANITE_E2E_CREDENTIAL: 'client-secret',
        KYANITE_E2E_CLIENT_ID: APP.clientId,
        KYANITE_E2E_CLIENT_SECRET: APP.secret,
        KYANITE_E2E_AUTHORITY: `https://localhost:${server.port}`,
      },
      'py-client-secret',
    );
  }, 90_000);

  it('ManagedIdentityCredential through IDENTITY_ENDPOINT and IDENTITY_HEADER', async () => {
    await run(
      { KYANITE_E2E_CREDENTIAL: 'managed-identity', IDENTITY_ENDPOINT: `https://localhost:${server.port}/msi/token`, IDENTITY_HEADER },
      'py-managed-identity',
    );
  }, 90_000);

  it('DefaultAzureCredential from AZURE_POD_IDENTITY_AUTHORITY_HOST alone (IMDS over plain HTTP, --imds-port)', async () => {
    await run({ KYANITE_E2E_CREDENTIAL: 'default', AZURE_POD_IDENTITY_AUTHORITY_HOST: server.k.imdsUrl! }, 'py-imds');
  }, 90_000);

  it('DefaultAzureCredential from AZURE_* variables alone', async () => {
    await run(
      {
        KYANITE_E2E_CREDENTIAL: 'default',
        AZURE_AUTHORITY_HOST: `https://localhost:${server.port}`,
        AZURE_TENANT_ID: 'adfs',
        AZURE_CLIENT_ID: APP.clientId,
        AZURE_CLIENT_SECRET: APP.secret,
      },
      'py-default',
    );
  }, 90_000);
});
