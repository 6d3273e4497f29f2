import { SecretClient } from '@azure/keyvault-secrets';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Imported by package name, as a user's test suite would after `npm install kyanite`.
import { startKyanite, type KyaniteFixture } from 'kyanite';

let kv: KyaniteFixture;
beforeAll(async () => {
  kv = await startKyanite({ vaults: ['orders'] });
});
afterAll(async () => kv?.stop());

describe('the in-process fixture, used as a test suite would', () => {
  it('serves a vault that an SDK client reaches with the fixture credential and options only', async () => {
    const client = new SecretClient(kv.vaultUrl('orders'), kv.credential, kv.clientOptions);
    await client.setSecret('db-password', 'hunter2');
    expect((await client.getSecret('db-password')).value).toBe('hunter2');
    expect(kv.vaultUrl('orders')).toBe(`https://orders.vault.localhost:${kv.port}`);
  });

  it('moves time forward: a deleted secret is purged when its retention ends', async () => {
    const client = new SecretClient(kv.vaultUrl('orders'), kv.credential, kv.clientOptions);
    await client.setSecret('temp', 'x');
    await (await client.beginDeleteSecret('temp')).pollUntilDone();
    await kv.advanceClock(91 * 86400);
    await expect(client.getDeletedSecret('temp')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('exposes the endpoints and the CA file clients need', async () => {
    expect(kv.armEndpoint).toBe(kv.url);
    expect(kv.tokenAuthority).toBe(kv.url);
    expect(kv.caPem).toContain('BEGIN CERTIFICATE');
    const keys = new KeyClient(kv.vaultUrl(), kv.credential, kv.clientOptions);
    expect((await keys.createEcKey('fixture-key')).keyType).toBe('EC');
  });
});

describe("the fixture under auth: 'strict'", () => {
  it('its credential is a declared admin principal; a forged token is refused', async () => {
    const strict = await startKyanite({ auth: 'strict', vaults: ['orders'] });
    try {
      const client = new SecretClient(strict.vaultUrl('orders'), strict.credential, strict.clientOptions);
      await client.setSecret('db-password', 'hunter2');
      expect((await client.getSecret('db-password')).value).toBe('hunter2');
      const forged = { getToken: async () => ({ token: 'not-a-kyanite-token', expiresOnTimestamp: Date.now() + 3600_000 }) };
      const stranger = new SecretClient(strict.vaultUrl('orders'), forged, strict.clientOptions);
      await expect(stranger.getSecret('db-password')).rejects.toMatchObject({ statusCode: 401 });
    } finally {
      await strict.stop();
    }
  });
});

describe('the fixture with imds: true', () => {
  it('serves IMDS over plain HTTP at imdsEndpoint, whose managed-identity token the vault takes', async () => {
    const withImds = await startKyanite({ imds: true });
    try {
      expect(kv.imdsEndpoint).toBeUndefined();
      expect(withImds.imdsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${withImds.imdsEndpoint}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net`, {
        headers: { Metadata: 'true' },
      });
      expect(res.status).toBe(200);
      const { access_token: token } = (await res.json()) as { access_token: string };
      const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
      const client = new SecretClient(withImds.vaultUrl(), credential, withImds.clientOptions);
      await client.setSecret('from-imds', 'ok');
      expect((await client.getSecret('from-imds')).value).toBe('ok');
    } finally {
      await withImds.stop();
    }
  });
});
