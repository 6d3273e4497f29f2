import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ vaults: ['kv1'] });
});
afterEach(async () => t.close());

const versionOf = (id: string) => id.split('/').pop()!;

describe('secrets over HTTP', () => {
  it('sets and gets a secret, latest and by version, with ids on the host the client used', async () => {
    const set = await t.call('PUT', '/secrets/alpha', { value: 'v1', contentType: 'text/plain', tags: { a: 'b' } });
    expect(set.statusCode).toBe(200);
    expect(set.headers['content-type']).toBe('application/json; charset=utf-8');
    const s = set.json();
    expect(s.value).toBe('v1');
    expect(s.id).toMatch(/^https:\/\/localhost:8443\/secrets\/alpha\/[0-9a-f]{32}$/);
    expect(s.attributes).toMatchObject({ enabled: true, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 });
    expect(s.tags).toEqual({ a: 'b' });

    const latest = await t.call('GET', '/secrets/alpha/');
    expect(latest.json()).toEqual(s);
    const byVersion = await t.call('GET', `/secrets/ALPHA/${versionOf(s.id)}`);
    expect(byVersion.statusCode).toBe(200);
    expect(byVersion.json().value).toBe('v1');
  });

  it('omits recoverableDays before api-version 7.1, as the service does', async () => {
    const res = await t.call('PUT', '/secrets/old?api-version=7.0', { value: 'x' });
    expect(res.json().attributes.recoverableDays).toBeUndefined();
    expect(res.json().attributes.recoveryLevel).toBe('Recoverable+Purgeable');
  });

  it('serves a vault by host name and 404s a vault that does not exist', async () => {
    const res = await t.call('PUT', '/secrets/s', { value: 'x' }, { host: 'kv1.vault.localhost:8443' });
    expect(res.json().id).toMatch(/^https:\/\/kv1\.vault\.localhost:8443\/secrets\/s\//);
    expect((await t.call('GET', '/secrets/s', undefined, { host: 'localhost:8443' })).statusCode).toBe(404);
    const missing = await t.call('GET', '/secrets/s', undefined, { host: 'nope.vault.localhost:8443' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('VaultNotFound');
    expect(missing.json().error.message).toContain('--vault nope');
  });

  it('lists secrets and versions through every page with absolute nextLinks', async () => {
    for (let i = 0; i < 7; i++) await t.call('PUT', `/secrets/s${i}`, { value: String(i) });
    for (let i = 0; i < 4; i++) await t.call('PUT', '/secrets/s0', { value: `again${i}` });
    const names: string[] = [];
    let url: string | null = '/secrets?maxresults=3';
    while (url) {
      const res = await t.call('GET', url.replace('https://localhost:8443', ''));
      expect(res.statusCode).toBe(200);
      const page = res.json() as { value: Array<{ id: string; value?: string }>; nextLink: string | null };
      for (const item of page.value) {
        expect(item.value).toBeUndefined();
        names.push(item.id.split('/').pop()!);
      }
      if (page.nextLink) expect(page.nextLink).toMatch(/^https:\/\/localhost:8443\/secrets\?api-version=7\.5&/);
      url = page.nextLink;
    }
    expect(names).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);

    const versions = await t.call('GET', '/secrets/s0/versions?maxresults=25');
    expect(versions.json().value).toHaveLength(5);
    expect(versions.json().nextLink).toBeNull();
    expect((await t.call('GET', '/secrets/none/versions')).json()).toEqual({ value: [], nextLink: null });
  });

  it('updates attributes, content type and tags without returning the value', async () => {
    const s = (await t.call('PUT', '/secrets/u', { value: 'v' })).json();
    const res = await t.call('PATCH', `/secrets/u/${versionOf(s.id)}`, {
      contentType: 'application/json',
      attributes: { enabled: false, exp: 2000000000, nbf: 1000000000 },
      tags: { t: '1' },
    });
    expect(res.statusCode).toBe(200);
    const u = res.json();
    expect(u.value).toBeUndefined();
    expect(u).toMatchObject({ contentType: 'application/json', tags: { t: '1' } });
    expect(u.attributes).toMatchObject({ enabled: false, exp: 2000000000, nbf: 1000000000 });

    const denied = await t.call('GET', '/secrets/u');
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({
      error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } },
    });
  });

  it('soft-deletes, lists deleted, refuses to reuse the name, recovers and purges', async () => {
    await t.call('PUT', '/secrets/d', { value: 'keep' });
    const del = await t.call('DELETE', '/secrets/d');
    expect(del.statusCode).toBe(200);
    const body = del.json();
    expect(Object.keys(body).slice(0, 3)).toEqual(['recoveryId', 'deletedDate', 'scheduledPurgeDate']);
    expect(body.recoveryId).toBe('https://localhost:8443/deletedsecrets/d');
    expect(body.scheduledPurgeDate - body.deletedDate).toBe(90 * 86400);
    expect(body.value).toBeUndefined();

    expect((await t.call('GET', '/secrets/d')).statusCode).toBe(404);
    expect((await t.call('GET', '/deletedsecrets/d')).statusCode).toBe(200);
    expect((await t.call('GET', '/deletedsecrets')).json().value.map((i: { recoveryId: string }) => i.recoveryId)).toEqual([
      'https://localhost:8443/deletedsecrets/d',
    ]);

    const reuse = await t.call('PUT', '/secrets/d', { value: 'new' });
    expect(reuse.statusCode).toBe(409);
    expect(reuse.json().error).toMatchObject({ code: 'Conflict', innererror: { code: 'ObjectIsDeletedButRecoverable' } });

    const rec = await t.call('POST', '/deletedsecrets/d/recover');
    expect(rec.statusCode).toBe(200);
    expect(rec.json().value).toBeUndefined();
    expect((await t.call('GET', '/secrets/d')).json().value).toBe('keep');

    await t.call('DELETE', '/secrets/d');
    const purge = await t.call('DELETE', '/deletedsecrets/d');
    expect(purge.statusCode).toBe(204);
    expect(purge.body).toBe('');
    expect((await t.call('GET', '/deletedsecrets/d')).json().error).toEqual({ code: 'SecretNotFound', message: 'Deleted Secret not found: d' });
  });

  it('purges deleted secrets when their scheduled purge date passes', async () => {
    await t.call('PUT', '/secrets/p', { value: 'x' });
    await t.call('DELETE', '/secrets/p');
    t.clock.advance(89 * 86400);
    expect((await t.call('GET', '/deletedsecrets/p')).statusCode).toBe(200);
    t.clock.advance(86400);
    expect((await t.call('GET', '/deletedsecrets/p')).statusCode).toBe(404);
    expect((await t.call('PUT', '/secrets/p', { value: 'fresh' })).statusCode).toBe(200);
  });

  it('backs up and restores with every version, and refuses tampered blobs and names in use', async () => {
    await t.call('PUT', '/secrets/b', { value: 'one' });
    await t.call('PUT', '/secrets/b', { value: 'two' });
    const backup = await t.call('POST', '/secrets/b/backup');
    expect(backup.statusCode).toBe(200);
    const blob = backup.json().value as string;
    expect(blob).toMatch(/^[A-Za-z0-9_-]+$/);

    const inUse = await t.call('POST', '/secrets/restore', { value: blob });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.code).toBe('Conflict');

    await t.call('DELETE', '/secrets/b');
    await t.call('DELETE', '/deletedsecrets/b');
    const tampered = blob.slice(0, -6) + (blob.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const bad = await t.call('POST', '/secrets/restore', { value: tampered });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toEqual({ code: 'Malformed backup blob', message: 'Backup blob is corrupt.' });

    const restored = await t.call('POST', '/secrets/restore', { value: blob });
    expect(restored.statusCode).toBe(200);
    expect((await t.call('GET', '/secrets/b')).json().value).toBe('two');
    expect((await t.call('GET', '/secrets/b/versions')).json().value).toHaveLength(2);
  });
});

describe('the challenge and the api-version', () => {
  it('answers a request without a token with 401 and a challenge, and never performs it', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/secrets/x?api-version=7.5', headers: { host: 'kv1.vault.localhost:8443', 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/", resource="https://vault.localhost:8443"');
    expect(res.json().error.code).toBe('Unauthorized');
    const local = await t.app.inject({ method: 'GET', url: '/secrets/x?api-version=7.5', headers: { host: 'localhost:8443', authorization: 'Bearer ' } });
    expect(local.statusCode).toBe(401);
    expect(local.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/", resource="https://vault.azure.net"');
    expect((await t.call('GET', '/secrets/x', undefined, { host: 'kv1.vault.localhost:8443' })).statusCode).toBe(404);
  });

  it('names the tenant adfs in the challenge to Azure SDK for Java clients, which need a tenant in the path', async () => {
    const userAgent = 'azsdk-java-azure-security-keyvault-secrets/4.11.1 (17.0.15; Linux; 6.1)';
    for (const url of ['/secrets/x?api-version=7.5', '/nothing-here?api-version=7.5']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { host: 'kv1.vault.localhost:8443', 'user-agent': userAgent } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/adfs", resource="https://vault.localhost:8443"');
    }
    const withAppId = await t.app.inject({ method: 'GET', url: '/secrets/x?api-version=7.5', headers: { host: 'localhost:8443', 'user-agent': `orders-service ${userAgent}` } });
    expect(withAppId.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/adfs", resource="https://vault.azure.net"');
    const js = await t.app.inject({ method: 'GET', url: '/secrets/x?api-version=7.5', headers: { host: 'localhost:8443', 'user-agent': 'azsdk-js-keyvault-secrets/4.10.0' } });
    expect(js.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/", resource="https://vault.azure.net"');
  });

  it('answers HEAD, which Key Vault does not define, like an unknown route: the challenge, then a 404', async () => {
    await t.call('PUT', '/secrets/headless', { value: 'v' });
    const anonymous = await t.app.inject({ method: 'HEAD', url: '/secrets/headless?api-version=7.5', headers: { host: 'localhost:8443' } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer authorization="https://localhost:8443/", resource="https://vault.azure.net"');
    expect((await t.call('HEAD', '/secrets/headless')).statusCode).toBe(404);
  });

  it('requires a known api-version', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/secrets', headers: { authorization: 'Bearer x' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('BadParameter');
    const unknown = await t.call('GET', '/secrets?api-version=9.9');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toBe('The specified version (9.9) is not recognized. Consider using the latest supported version (2026-04-01).');
    for (const v of ['2015-06-01', '2016-10-01', '7.0', '7.4-preview.1', '2025-07-01', '2026-04-01']) {
      expect((await t.call('GET', `/secrets?api-version=${v}`)).statusCode).toBe(200);
    }
  });

  it('answers health on any host without auth, and unknown routes with a Key Vault 404', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/_kyanite/health', headers: { host: 'whatever.vault.localhost' } });
    expect(health.json()).toEqual({ status: 'ok' });
    const unknown = await t.call('GET', '/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NotFound');
  });
});
