import { SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startTestServer, staticCredential, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

/** The same suite on bare localhost (verification off) and on a vault host (the SDK's verification on). */
const cases = [
  { label: 'localhost, challenge verification off', vault: 'default', verify: false },
  { label: 'kv1.vault.localhost, challenge verification on', vault: 'kv1', verify: true },
];

describe.each(cases)('@azure/keyvault-secrets on $label', ({ vault, verify }) => {
  const client = () =>
    new SecretClient(server.vaultUrl(vault), staticCredential, {
      agent: server.agent,
      disableChallengeResourceVerification: !verify,
      retryOptions: { maxRetries: 0 },
    });
  const name = (s: string) => `${s}-${vault}`;

  it('sets, gets (latest and by version) and updates properties', async () => {
    const c = client();
    const first = await c.setSecret(name('alpha'), 'v1', { contentType: 'text/plain', tags: { env: 'test' } });
    expect(first.value).toBe('v1');
    expect(first.properties.vaultUrl).toBe(server.vaultUrl(vault));
    expect(first.properties.recoveryLevel).toBe('Recoverable+Purgeable');
    const second = await c.setSecret(name('alpha'), 'v2');
    expect((await c.getSecret(name('alpha'))).value).toBe('v2');
    expect((await c.getSecret(name('alpha'), { version: first.properties.version! })).value).toBe('v1');

    const expiresOn = new Date(Date.now() + 86_400_000);
    const updated = await c.updateSecretProperties(name('alpha'), second.properties.version!, {
      enabled: false,
      expiresOn,
      tags: { t: 'u' },
      contentType: 'application/json',
    });
    expect(updated.enabled).toBe(false);
    expect(updated.tags).toEqual({ t: 'u' });
    expect(updated.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    await expect(c.getSecret(name('alpha'))).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
  });

  it('lists secrets and versions through pages', async () => {
    const c = client();
    for (let i = 0; i < 5; i++) await c.setSecret(name(`list${i}`), `v${i}`);
    for (let i = 0; i < 3; i++) await c.setSecret(name('list0'), `again${i}`);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of c.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
      pages++;
      for (const p of page) seen.push(p.name);
    }
    expect(pages).toBeGreaterThan(2);
    for (let i = 0; i < 5; i++) expect(seen).toContain(name(`list${i}`));
    const versions: string[] = [];
    for await (const v of c.listPropertiesOfSecretVersions(name('list0'))) versions.push(v.version!);
    expect(versions).toHaveLength(4);
    expect(new Set(versions).size).toBe(4);
  });

  it('deletes with the poller, reads and lists deleted, recovers with the poller, and purges', async () => {
    const c = client();
    await c.setSecret(name('gone'), 'keep-me');
    const deletePoller = await c.beginDeleteSecret(name('gone'));
    const deleted = await deletePoller.pollUntilDone();
    expect(deleted.recoveryId).toBe(`${server.vaultUrl(vault)}/deletedsecrets/${name('gone')}`);
    expect(deleted.scheduledPurgeDate).toBeInstanceOf(Date);

    expect((await c.getDeletedSecret(name('gone'))).name).toBe(name('gone'));
    const deletedNames: string[] = [];
    for await (const d of c.listDeletedSecrets()) deletedNames.push(d.name);
    expect(deletedNames).toContain(name('gone'));
    await expect(c.setSecret(name('gone'), 'x')).rejects.toMatchObject({ statusCode: 409 });

    const recoverPoller = await c.beginRecoverDeletedSecret(name('gone'));
    const recovered = await recoverPoller.pollUntilDone();
    expect(recovered.name).toBe(name('gone'));
    expect((await c.getSecret(name('gone'))).value).toBe('keep-me');

    await (await c.beginDeleteSecret(name('gone'))).pollUntilDone();
    await c.purgeDeletedSecret(name('gone'));
    await expect(c.getDeletedSecret(name('gone'))).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });

  it('backs up and restores a secret with its versions', async () => {
    const c = client();
    await c.setSecret(name('bk'), 'one');
    await c.setSecret(name('bk'), 'two');
    const blob = await c.backupSecret(name('bk'));
    expect(blob).toBeInstanceOf(Uint8Array);
    await expect(c.restoreSecretBackup(blob!)).rejects.toMatchObject({ statusCode: 409 });
    await (await c.beginDeleteSecret(name('bk'))).pollUntilDone();
    await c.purgeDeletedSecret(name('bk'));
    const restored = await c.restoreSecretBackup(blob!);
    expect(restored.name).toBe(name('bk'));
    expect((await c.getSecret(name('bk'))).value).toBe('two');
    const tampered = Uint8Array.from(blob!);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x01;
    await expect(c.restoreSecretBackup(tampered)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('reports a missing secret with the service error', async () => {
    await expect(client().getSecret(name('missing'))).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });
});

describe('@azure/keyvault-secrets against a durable store (group commit)', () => {
  let durable: TestServer;
  beforeAll(async () => {
    durable = await startTestServer({ inMemory: false });
  });
  afterAll(async () => durable?.stop());

  it('acknowledges every one of concurrent setSecret calls only once it is on disk, and refuses a bad one alone', async () => {
    const c = new SecretClient(durable.vaultUrl('kv1'), staticCredential, { agent: durable.agent, retryOptions: { maxRetries: 0 } });
    const set = await Promise.all(Array.from({ length: 20 }, (_, i) => c.setSecret('burst', `v${i}`)));
    // A name the service refuses, sent in the same burst as good writes: a 400 for it, nothing lost for the others.
    const [refused, ...more] = await Promise.allSettled([c.setSecret('not_a_name', 'x'), c.setSecret('burst', 'last')]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { statusCode: 400, code: 'BadParameter' } });
    expect(more[0]).toMatchObject({ status: 'fulfilled' });

    // Another connection to the database file, as a restarted process would open it, finds every acknowledged version.
    const other = openStore({ dataDir: durable.k.config.dataDir });
    try {
      const onDisk = other.objects.allVersions('kv1', 'secret', 'burst').map((r) => r.version);
      const acknowledged = [...set, (more[0] as PromiseFulfilledResult<KeyVaultSecret>).value].map((s) => s.properties.version!);
      expect(onDisk.sort()).toEqual(acknowledged.sort());
    } finally {
      other.close();
    }
  });
});
