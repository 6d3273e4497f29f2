import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { inProtectedMode, isLoopbackAddress, isLoopbackHost, remoteAccessWarning } from '../../src/server/remote-access.js';
import { createClock } from '../../src/domain/clock.js';
import { createDomain } from '../../src/domain/index.js';
import { buildApp } from '../../src/server/app.js';
import { createPlanes } from '../../src/server/planes.js';
import { openStore } from '../../src/store/index.js';

/**
 * Who may reach Kyanite from where (src/server/remote-access.ts): protected mode under --auth any beyond loopback,
 * the admin routes for loopback clients only, and under --auth strict for an admin principal's token only. Requests
 * are injected with the remote address each case needs (192.0.2.x is a documentation range, never a real peer).
 */
const REMOTE = '192.0.2.10';

describe('addresses', () => {
  it('tells loopback peers and listen addresses from the rest', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of [undefined, '', '10.0.0.2', '192.0.2.10', '::ffff:192.0.2.10', 'fe80::1', '0.0.0.0', '::']) expect(isLoopbackAddress(a), String(a)).toBe(false);
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.0.2.1', 'myhost']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('is in protected mode only with --auth any beyond loopback and without --allow-remote, and warns otherwise too', () => {
    expect(inProtectedMode({ host: '0.0.0.0', auth: 'any' })).toBe(true);
    expect(inProtectedMode({ host: '0.0.0.0', auth: 'any', allowRemote: true })).toBe(false);
    expect(inProtectedMode({ host: '0.0.0.0', auth: 'strict' })).toBe(false);
    expect(inProtectedMode({ host: '127.0.0.1', auth: 'any' })).toBe(false);
    expect(remoteAccessWarning({ host: '0.0.0.0', auth: 'any' })).toMatch(/--allow-remote/);
    expect(remoteAccessWarning({ host: '0.0.0.0', auth: 'any', allowRemote: true })).toMatch(/every client that reaches/);
    expect(remoteAccessWarning({ host: '127.0.0.1', auth: 'any' })).toBeUndefined();
    expect(remoteAccessWarning({ host: '0.0.0.0', auth: 'strict' })).toBeUndefined();
  });
});

describe('protected mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ loopbackOnly: '0.0.0.0' });
    await t.call('PUT', '/secrets/s1', { value: 'secret value' });
  });
  afterAll(async () => t.close());

  const from = (remoteAddress: string, opts: InjectOptions): Promise<LightMyRequestResponse> =>
    t.app.inject({ ...opts, remoteAddress, headers: { authorization: 'Bearer any', host: 'localhost:8443', ...opts.headers } });

  it('refuses every plane to a remote client with 403 and the way out, and serves loopback clients', async () => {
    const probes: InjectOptions[] = [
      { method: 'GET', url: '/secrets/s1?api-version=7.5' },
      { method: 'GET', url: '/_kyanite/export' },
      { method: 'GET', url: '/_kyanite/health' },
      { method: 'GET', url: '/subscriptions?api-version=2022-12-01' },
      { method: 'GET', url: '/metadata/identity/oauth2/token?resource=https://vault.azure.net', headers: { metadata: 'true' } },
    ];
    for (const probe of probes) {
      const res = await from(REMOTE, probe);
      expect(res.statusCode, `${probe.url}: ${res.body}`).toBe(403);
      expect(res.json().error.code).toBe('Forbidden');
      expect(res.json().error.message).toMatch(/protected mode.*--allow-remote/s);
      expect(res.body).not.toContain('secret value');
    }
    const local = await from('127.0.0.1', { method: 'GET', url: '/secrets/s1?api-version=7.5' });
    expect(local.statusCode).toBe(200);
    expect(local.json().value).toBe('secret value');
  });
});

describe('admin routes', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answer loopback clients only, even where every other route is open to all (--allow-remote)', async () => {
    t = await buildTestApp();
    for (const [method, url, payload] of [
      ['GET', '/_kyanite/export', undefined],
      ['GET', '/_kyanite/clock', undefined],
      ['POST', '/_kyanite/clock/advance', { seconds: 86400 * 120 }],
    ] as const) {
      const res = await t.app.inject({ method, url, remoteAddress: REMOTE, ...(payload && { payload }) });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.message).toMatch(/loopback/);
    }
    expect(t.clock.offsetSeconds()).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/_kyanite/health', remoteAddress: REMOTE })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/_kyanite/clock' })).statusCode).toBe(200);
  });
});

describe('admin routes under --auth strict', () => {
  let server: TestServer;
  const ADMIN = { clientId: 'admin-app', secret: 'admin-secret' };
  const OTHER = { clientId: 'other-app', secret: 'other-secret' };
  beforeAll(async () => {
    server = await startTestServer({ auth: 'strict', principals: [ADMIN, OTHER], adminPrincipals: [ADMIN.clientId] });
  });
  afterAll(async () => server.stop());

  const token = async (who: { clientId: string; secret: string }, resource: string): Promise<string> => {
    const res = await server.k.app.inject({
      method: 'POST',
      url: '/adfs/oauth2/token',
      headers: { host: 'localhost:8443', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: who.clientId, client_secret: who.secret, resource }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };
  const advance = (authorization?: string) =>
    server.k.app.inject({
      method: 'POST',
      url: '/_kyanite/clock/advance',
      headers: { host: 'localhost:8443', ...(authorization && { authorization }) },
      payload: { seconds: 3600 },
    });

  it('take no request without a token, nor a forged or wrong-audience one, nor a non-admin principal', async () => {
    const none = await advance();
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    expect((await advance('Bearer not-a-jwt')).statusCode).toBe(401);
    // A data-plane token is for the vaults, not for Kyanite's own management resource.
    expect((await advance(`Bearer ${await token(ADMIN, 'https://vault.azure.net')}`)).statusCode).toBe(401);
    const other = await advance(`Bearer ${await token(OTHER, 'https://localhost:8443')}`);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toMatch(/not an admin principal/);
    expect(server.k.clock.offsetSeconds()).toBe(0);
    const exported = await server.k.app.inject({ method: 'GET', url: '/_kyanite/export', headers: { host: 'localhost:8443' } });
    expect(exported.statusCode).toBe(401);
  });

  it("serve an admin principal's token for Kyanite's management resource", async () => {
    const bearer = `Bearer ${await token(ADMIN, 'https://localhost:8443')}`;
    const moved = await advance(bearer);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(server.k.clock.offsetSeconds()).toBe(3600);
    const exported = await server.k.app.inject({ method: 'GET', url: '/_kyanite/export', headers: { host: 'localhost:8443', authorization: bearer } });
    expect(exported.statusCode).toBe(200);
    expect(exported.json().vaults).toBeDefined();
  });
});

describe('without a token check (the default --auth any), buildApp keeps admin routes open to loopback', () => {
  it('exports', async () => {
    const store = openStore();
    const domain = createDomain(store, createClock());
    domain.vaults.ensure('default');
    const app = await buildApp({ domain, ...createPlanes({ domain, store, auth: 'any' }) });
    try {
      expect((await app.inject({ method: 'GET', url: '/_kyanite/export' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await domain.close();
      store.close();
    }
  });
});
