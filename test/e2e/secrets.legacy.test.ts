import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The legacy client is CommonJS without types: the old API surface the Python docs describe (api-version 7.0).
const require = createRequire(import.meta.url);
const { KeyVaultClient, KeyVaultCredentials } = require('azure-keyvault') as {
  KeyVaultClient: new (credentials: unknown, options?: unknown) => LegacyClient;
  KeyVaultCredentials: new (authenticator: (challenge: { authorization: string; resource: string }, cb: (err: Error | null, header?: string) => void) => void) => unknown;
};

interface LegacyBundle {
  id: string;
  value: string;
  attributes: { enabled: boolean };
}
interface LegacyClient {
  setSecret(vaultUri: string, name: string, value: string, options?: unknown): Promise<LegacyBundle>;
  getSecret(vaultUri: string, name: string, version: string): Promise<LegacyBundle>;
  getSecretVersions(vaultUri: string, name: string): Promise<Array<{ id: string }>>;
}

let server: TestServer;
const challenges: Array<{ authorization: string; resource: string }> = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

describe('legacy azure-keyvault 3.x KeyVaultClient (api-version 7.0)', () => {
  const client = () => {
    const credentials = new KeyVaultCredentials((challenge, cb) => {
      challenges.push(challenge);
      cb(null, 'Bearer legacy-token');
    });
    return new KeyVaultClient(credentials, { requestOptions: { ca: server.caPem, agent: server.agent } });
  };

  it('sets a secret, gets it latest and by version, and lists its versions', async () => {
    const c = client();
    const vaultUri = server.vaultUrl('kv1');
    const first = await c.setSecret(vaultUri, 'legacy', 'one');
    expect(first.value).toBe('one');
    expect(first.id).toMatch(new RegExp(`^${vaultUri}/secrets/legacy/[0-9a-f]{32}$`));
    await c.setSecret(vaultUri, 'legacy', 'two');

    expect((await c.getSecret(vaultUri, 'legacy', '')).value).toBe('two');
    const version = first.id.split('/').pop()!;
    expect((await c.getSecret(vaultUri, 'legacy', version)).value).toBe('one');

    const versions = await c.getSecretVersions(vaultUri, 'legacy');
    expect(versions).toHaveLength(2);
    // The client answered the challenge the vault host sent.
    expect(challenges[0]).toMatchObject({ authorization: `https://localhost:${server.port}/`, resource: `https://vault.localhost:${server.port}` });
  });

  it('surfaces the service error code', async () => {
    await expect(client().getSecret(server.vaultUrl('kv1'), 'nope', '')).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });
});
