import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const require = createRequire(import.meta.url);
const { KeyVaultClient, KeyVaultCredentials } = require('azure-keyvault') as {
  KeyVaultClient: new (credentials: unknown, options?: unknown) => LegacyKeys;
  KeyVaultCredentials: new (authenticator: (challenge: unknown, cb: (err: Error | null, header?: string) => void) => void) => unknown;
};
interface LegacyKeyBundle {
  key: { kid: string; kty: string; n?: Buffer; e?: Buffer; d?: unknown };
}
interface LegacyKeys {
  createKey(vaultUri: string, name: string, kty: string, options?: unknown): Promise<LegacyKeyBundle>;
  getKey(vaultUri: string, name: string, version: string): Promise<LegacyKeyBundle>;
  getKeyVersions(vaultUri: string, name: string): Promise<Array<{ kid: string }>>;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

describe('legacy azure-keyvault 3.x keys (api-version 7.0)', () => {
  it('creates a key, gets it by version and lists its versions', async () => {
    const credentials = new KeyVaultCredentials((_challenge, cb) => cb(null, 'Bearer legacy'));
    const c = new KeyVaultClient(credentials, { requestOptions: { ca: server.caPem, agent: server.agent } });
    const vaultUri = server.vaultUrl('kv1');
    const created = await c.createKey(vaultUri, 'legacykey', 'RSA', { keySize: 2048 });
    expect(created.key.kty).toBe('RSA');
    await c.createKey(vaultUri, 'legacykey', 'RSA');
    const version = created.key.kid.split('/').pop()!;
    const fetched = await c.getKey(vaultUri, 'legacykey', version);
    expect(fetched.key.kid).toBe(created.key.kid);
    expect(Buffer.from(fetched.key.n!).length).toBe(256);
    expect(fetched.key.d).toBeUndefined();
    expect(await c.getKeyVersions(vaultUri, 'legacykey')).toHaveLength(2);
  });
});
