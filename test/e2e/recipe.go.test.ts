import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_HEADER } from '../../src/identity/index.js';
import { SYSTEM_MANAGED_IDENTITY, grantSecretsGetSet, withoutIdentityEnv } from '../helpers/identity.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Go recipe (docs/recipes-go.md): examples/go/secrets/main.go, built offline in GOPATH mode against Debian's
 * Azure SDK for Go (track 1, services/keyvault/v7.1 + go-autorest), sets and gets a secret on kv-go.vault.localhost
 * with a token from Kyanite (client credentials from its ADFS token endpoint, or the App Service managed identity
 * endpoint), trusting the CA through SSL_CERT_FILE. Run against --auth strict, so the secret only gets in with a
 * token Kyanite issued to an identity the vault's access policies allow.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROGRAM = path.join(ROOT, 'examples/go/secrets/main.go');
const GOPATH = '/usr/share/gocode';
const SDK = path.join(GOPATH, 'src/github.com/Azure/azure-sdk-for-go/services/keyvault/v7.1/keyvault');
const APP = { clientId: 'e2e-go-app', secret: 'e2e-go-secret' };

const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const skipReason = !hasGo ? 'no `go` on PATH' : !fs.existsSync(SDK) ? `no Azure SDK for Go under ${GOPATH}` : undefined;
if (skipReason) {
  console.warn(
    `recipe.go.test.ts skipped: ${skipReason} (apt-get install -y --no-install-recommends golang-go ` +
      'golang-github-azure-azure-sdk-for-go-dev golang-github-azure-go-autorest-dev)',
  );
}

describe.skipIf(!!skipReason)('Go recipe: Debian Azure SDK for Go (track 1) against --auth strict', () => {
  let server: TestServer;
  let dir: string;
  let binary: string;

  beforeAll(async () => {
    server = await startTestServer({
      auth: 'strict',
      principals: [APP, SYSTEM_MANAGED_IDENTITY],
      vaults: ['default', 'kv-go'],
    });
    grantSecretsGetSet(server, 'kv-go', [APP.clientId]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-recipe-go-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), server.caPem);
    // The token authority for the SDK's AzureStackCloud environment: Kyanite itself.
    fs.writeFileSync(
      path.join(dir, 'kyanite-cloud.json'),
      JSON.stringify({
        name: 'Kyanite',
        activeDirectoryEndpoint: `https://localhost:${server.port}/`,
        resourceIdentifiers: { keyVault: 'https://vault.azure.net' },
      }),
    );
    // Offline and as any user: GOPATH mode over Debian's sources, caches in the temp dir, no module proxy.
    binary = path.join(dir, 'kyanite-go-secrets');
    await promisify(execFile)('go', ['build', '-o', binary, PROGRAM], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        GO111MODULE: 'off',
        GOPATH,
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: path.join(dir, 'gocache'),
        GOTOOLCHAIN: 'local',
      },
      timeout: 120_000,
    });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The recipe's environment: trust, vault URL and the SDK's usual identity variables pointed at Kyanite. */
  const recipeEnv = (secret = APP.secret): NodeJS.ProcessEnv => ({
    ...withoutIdentityEnv(),
    SSL_CERT_FILE: path.join(dir, 'ca.pem'),
    KEYVAULT_URL: server.vaultUrl('kv-go'),
    AZURE_ENVIRONMENT: 'AzureStackCloud',
    AZURE_ENVIRONMENT_FILEPATH: path.join(dir, 'kyanite-cloud.json'),
    AZURE_TENANT_ID: 'adfs',
    AZURE_CLIENT_ID: APP.clientId,
    AZURE_CLIENT_SECRET: secret,
  });

  it('sets and gets a secret on NAME.vault.localhost, and Kyanite has it', async () => {
    const { stdout } = await promisify(execFile)(binary, ['go-greeting', 'hello from go'], {
      env: recipeEnv(),
      timeout: 30_000,
    });
    expect(stdout).toContain(`go-greeting = hello from go (${server.vaultUrl('kv-go')}/secrets/go-greeting/`);

    // Read it back over HTTPS as the same app, with a token from Kyanite's token service.
    const credential = new ClientSecretCredential('adfs', APP.clientId, APP.secret, {
      authorityHost: `https://localhost:${server.port}`,
      tlsOptions: { ca: server.caPem },
    });
    const client = new SecretClient(server.vaultUrl('kv-go'), credential, {
      agent: server.agent,
      retryOptions: { maxRetries: 0 },
    });
    expect((await client.getSecret('go-greeting')).value).toBe('hello from go');
  });

  it('gets its token as a managed identity from MSI_ENDPOINT and MSI_SECRET alone', async () => {
    const { stdout } = await promisify(execFile)(binary, ['go-msi', 'from managed identity'], {
      env: {
        ...withoutIdentityEnv(),
        SSL_CERT_FILE: path.join(dir, 'ca.pem'),
        KEYVAULT_URL: server.vaultUrl('kv-go'),
        MSI_ENDPOINT: `https://localhost:${server.port}/msi/token`,
        MSI_SECRET: DEFAULT_IDENTITY_HEADER,
      },
      timeout: 30_000,
    });
    expect(stdout).toContain(`go-msi = from managed identity (${server.vaultUrl('kv-go')}/secrets/go-msi/`);
  });

  it('fails with the token service error when the client secret is wrong', async () => {
    const run = promisify(execFile)(binary, ['go-denied', 'x'], { env: recipeEnv('wrong'), timeout: 30_000 });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/invalid_client/) });
  });
});
