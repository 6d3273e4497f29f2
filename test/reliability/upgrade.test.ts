import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createClock } from '../../src/domain/clock.js';
import { createDomain } from '../../src/domain/index.js';
import { buildApp } from '../../src/server/app.js';
import { rootPlanes } from '../../src/server/planes.js';
import { openStore } from '../../src/store/index.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import { tempDir } from './child.js';

/**
 * Upgrades: a data dir written at schema 1 (before resource groups) is opened by today's Kyanite, which migrates it
 * and must serve everything in it: vaults, live and deleted secrets with all versions, keys that still sign.
 */
const dir = tempDir('kyanite-upgrade-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Version rows as today's domain writes them (the versions table is unchanged since schema 1), from a scratch store. */
async function sampleRows() {
  const scratch = openStore();
  const domain = createDomain(scratch, createClock());
  domain.vaults.ensure('default');
  const ctx = domain.vaults.context('default', 'https://localhost:8443');
  domain.secrets.set(ctx, 'old-secret', { value: 'one' });
  domain.secrets.set(ctx, 'old-secret', { value: 'two', contentType: 'text/plain' });
  domain.secrets.set(ctx, 'old-deleted', { value: 'gone' });
  await domain.keys.create(ctx, 'old-key', { kty: 'EC', crv: 'P-256' } as Parameters<typeof domain.keys.create>[2]);
  const rows = scratch.db.prepare('SELECT * FROM versions ORDER BY id').all() as Array<Record<string, unknown>>;
  await domain.close();
  scratch.close();
  return rows;
}

describe('upgrade from schema 1', () => {
  it('opens a schema-1 database with every migration and reads everything back', async () => {
    const rows = await sampleRows();
    const schema1 = migrations.filter((m) => m.version === 1);
    const file = path.join(dir, 'kyanite.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    expect(migrate(old, schema1)).toBe(1);
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    // Schema 1's vault rows carried only the soft-delete settings; placement came with schema 2.
    const insertVault = old.prepare('INSERT INTO vaults (name, created, properties, deleted_at, purge_at) VALUES (?, ?, ?, NULL, NULL)');
    insertVault.run('default', 1_700_000_000, JSON.stringify({ enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: false }));
    insertVault.run('kv-old', 1_700_000_000, JSON.stringify({ enableSoftDelete: true, softDeleteRetentionInDays: 7, enablePurgeProtection: false }));
    const insertName = old.prepare('INSERT OR IGNORE INTO objects (vault, kind, name, deleted_at, purge_at, meta) VALUES (?, ?, ?, NULL, NULL, NULL)');
    const insertVersion = old.prepare(
      'INSERT INTO versions (vault, kind, name, version, created, updated, enabled, nbf, exp, tags, body) ' +
        'VALUES (@vault, @kind, @name, @version, @created, @updated, @enabled, @nbf, @exp, @tags, @body)',
    );
    for (const vault of ['default', 'kv-old']) {
      for (const r of rows) {
        insertName.run(vault, r['kind'], r['name']);
        const { id: _id, ...rest } = r;
        insertVersion.run({ ...rest, vault });
      }
    }
    const now = Math.floor(Date.now() / 1000);
    old.prepare("UPDATE objects SET deleted_at = ?, purge_at = ? WHERE name = 'old-deleted'").run(now, now + 7 * 86400);
    old.close();

    const store = openStore({ dataDir: dir });
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const domain = createDomain(store, createClock());
    const app = await buildApp({ domain, plugins: rootPlanes({ domain, store, auth: 'any' }) });
    const get = (host: string, url: string, method: 'GET' | 'POST' = 'GET', payload?: object) =>
      app.inject({ method, url: `${url}?api-version=7.5`, headers: { authorization: 'Bearer t', host }, ...(payload && { payload }) });
    let checks = 0;
    try {
      for (const host of ['localhost:8443', 'kv-old.vault.localhost:8443']) {
        const latest = await get(host, '/secrets/old-secret');
        expect(latest.statusCode, latest.body).toBe(200);
        expect(latest.json()).toMatchObject({ value: 'two', contentType: 'text/plain' });
        const versions = (await get(host, '/secrets/old-secret/versions')).json().value as Array<{ id: string }>;
        expect(versions).toHaveLength(2);
        for (const v of versions) expect((await get(host, new URL(v.id).pathname)).statusCode).toBe(200);
        const deleted = await get(host, '/deletedsecrets/old-deleted');
        expect(deleted.statusCode).toBe(200);
        expect((await get(host, '/secrets/old-deleted')).statusCode).toBe(404);
        const key = await get(host, '/keys/old-key');
        expect(key.json().key).toMatchObject({ kty: 'EC', crv: 'P-256' });
        expect(key.json().key.d).toBeUndefined();
        const digest = createHash('sha256').update('upgrade').digest('base64url');
        const signed = await get(host, '/keys/old-key/sign', 'POST', { alg: 'ES256', value: digest });
        expect(signed.statusCode, signed.body).toBe(200);
        const verified = await get(host, '/keys/old-key/verify', 'POST', { alg: 'ES256', digest, value: signed.json().value });
        expect(verified.json().value).toBe(true);
        checks += 7;
      }
      // Schema 2's resource group shows the schema-1 vaults on the management plane.
      const listed = await app.inject({
        method: 'GET',
        url: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kyanite/providers/Microsoft.KeyVault/vaults?api-version=2026-02-01',
        headers: { authorization: 'Bearer t', host: 'localhost:8443' },
      });
      expect(listed.statusCode, listed.body).toBe(200);
      expect((listed.json().value as Array<{ name: string }>).map((v) => v.name).sort()).toEqual(['default', 'kv-old']);
      // Writing after the upgrade works too.
      expect((await app.inject({ method: 'PUT', url: '/secrets/old-secret?api-version=7.5', headers: { authorization: 'Bearer t', host: 'localhost:8443' }, payload: { value: 'three' } })).statusCode).toBe(200);
      console.log(`[upgrade] schema 1 → ${migrations.length}: 2 vaults, ${rows.length} versions each; ${checks + 2} reads/ops back through the app, all as written`);
    } finally {
      await app.close();
      await domain.close();
      store.close();
    }
  });
});

describe('upgrade from schema 3', () => {
  it('moves certificate issuers and contacts from the settings table to their vaults, dropping those of purged vaults', async () => {
    const dataDir = path.join(dir, 'schema3');
    fs.mkdirSync(dataDir);
    const old = new Database(path.join(dataDir, 'kyanite.db'));
    old.pragma('journal_mode = WAL');
    expect(migrate(old, migrations.filter((m) => m.version <= 3))).toBe(3);
    const insertVault = old.prepare('INSERT INTO vaults (name, created, properties, deleted_at, purge_at) VALUES (?, ?, ?, ?, ?)');
    const props = JSON.stringify({ enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: false });
    insertVault.run('default', 1_700_000_000, props, null, null);
    insertVault.run('KV-Old', 1_700_000_000, props, null, null);
    insertVault.run('kv-deleted', 1_700_000_000, props, 1_700_000_100, 4_000_000_000);
    const issuer = (name: string) => ({ name, provider: 'Test', attributes: { enabled: true, created: 1_700_000_000, updated: 1_700_000_000 } });
    const setting = old.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    // The keys schema 3 wrote: vault and issuer names in lower case.
    setting.run('vault/kv-old/issuers/digicert', JSON.stringify(issuer('DigiCert')));
    setting.run('vault/kv-old/issuers/mine', JSON.stringify(issuer('mine')));
    setting.run('vault/kv-old/contacts', JSON.stringify([{ email: 'old@example.com' }]));
    setting.run('vault/kv-deleted/contacts', JSON.stringify([{ email: 'deleted@example.com' }]));
    setting.run('vault/default/issuers/self-ca', JSON.stringify(issuer('self-ca')));
    // A vault purged under schema 3 left these behind: they must not come back with a new vault of that name.
    setting.run('vault/kv-purged/issuers/stale', JSON.stringify(issuer('stale')));
    setting.run('vault/kv-purged/contacts', JSON.stringify([{ email: 'stale@example.com' }]));
    setting.run('backup-key', 'kept');
    old.close();

    const store = openStore({ dataDir });
    const domain = createDomain(store, createClock());
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
      const ctx = (name: string) => domain.vaults.context(name, `https://${name}.vault.localhost`);
      const issuers = domain.certificates.issuers;
      expect(issuers.list(ctx('kv-old'))).toEqual([issuer('DigiCert'), issuer('mine')]);
      expect(issuers.get(ctx('KV-OLD'), 'digicert').name).toBe('DigiCert');
      expect(issuers.getContacts(ctx('kv-old'))).toEqual([{ email: 'old@example.com' }]);
      expect(issuers.list(ctx('default'))).toEqual([issuer('self-ca')]);
      expect(() => issuers.getContacts(ctx('default'))).toThrow(expect.objectContaining({ status: 404 }));
      // A soft-deleted vault keeps its contacts for a recover.
      domain.vaults.recover('kv-deleted', { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'kyanite', location: 'local' });
      expect(issuers.getContacts(ctx('kv-deleted'))).toEqual([{ email: 'deleted@example.com' }]);
      // Nothing vault-held is left in the settings table, and a new vault named like the purged one starts empty.
      expect(store.db.prepare('SELECT key, value FROM settings').all()).toEqual([{ key: 'backup-key', value: 'kept' }]);
      domain.vaults.ensure('kv-purged');
      expect(issuers.list(ctx('kv-purged'))).toEqual([]);
      expect(() => issuers.getContacts(ctx('kv-purged'))).toThrow(expect.objectContaining({ status: 404 }));
    } finally {
      await domain.close();
      store.close();
    }
  });
});
