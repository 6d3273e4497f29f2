import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from '../../src/identity/index.js';
import { loadConfig } from '../../src/server/config.js';
import { SYSTEM_MANAGED_IDENTITY } from '../helpers/identity.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The plain-HTTP IMDS listener (--imds-port, src/server/imds.ts): IMDS's token route with its Metadata check, the
 * same tokens and strict-mode rules as the HTTPS port, loopback only, and nothing else reachable in clear.
 */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      })
      .on('error', reject);
  });
}

const TOKEN = '/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net';

describe('IMDS over plain HTTP', () => {
  let any: TestServer;
  let strict: TestServer;
  beforeAll(async () => {
    any = await startTestServer({ imdsPort: 0 });
    strict = await startTestServer({ auth: 'strict', imdsPort: 0, principals: [{ clientId: 'app', secret: 's' }, SYSTEM_MANAGED_IDENTITY] });
  });
  afterAll(async () => {
    await any?.stop();
    await strict?.stop();
  });

  it('is off by default, and --imds-port takes a port (0 picks one)', async () => {
    expect(loadConfig([]).imdsPort).toBeUndefined();
    expect(loadConfig(['--imds-port', '0']).imdsPort).toBe(0);
    expect(loadConfig([], { KYANITE_IMDS_PORT: '50342' }).imdsPort).toBe(50342);
    expect(() => loadConfig(['--imds-port', '70000'])).toThrow(/--imds-port \(KYANITE_IMDS_PORT\)/);
    const plain = await startTestServer();
    try {
      expect(plain.k.imdsUrl).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it("issues the managed identity's token with Metadata: true, on loopback", async () => {
    expect(any.k.imdsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${any.k.imdsUrl}${TOKEN}`, { Metadata: 'true' });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.resource).toBe('https://vault.azure.net');
    expect(decodeJwt(res.body.access_token)?.claims.aud).toBe('https://vault.azure.net');
    // The same token the HTTPS port's data plane takes (here --auth any takes anything; strict below).
  });

  it("answers IMDS's 400 without the Metadata header (how the SDKs probe for IMDS)", async () => {
    const res = await get(`${any.k.imdsUrl}${TOKEN}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(/metadata header/i);
  });

  it('serves nothing else in clear: the data plane, the admin routes and the other token routes are 404', async () => {
    for (const p of ['/secrets/x?api-version=7.5', '/_kyanite/export', '/_kyanite/health', '/adfs/.well-known/openid-configuration', '/msi/token']) {
      const res = await get(`${any.k.imdsUrl}${p}`, { Metadata: 'true', authorization: 'Bearer x', 'x-identity-header': 'kyanite' });
      expect(res.status, p).toBe(404);
    }
  });

  it('follows strict mode: a declared managed identity gets a token the vault accepts, an undeclared one none', async () => {
    const ok = await get(`${strict.k.imdsUrl}${TOKEN}`, { Metadata: 'true' });
    expect(ok.status).toBe(200);
    const vault = await strict.k.app.inject({
      method: 'GET',
      url: '/secrets?api-version=7.5',
      headers: { host: `localhost:${strict.port}`, authorization: `Bearer ${ok.body.access_token}` },
    });
    // A valid token: past the 401, judged by the vault's access policies (the identity holds none here).
    expect(vault.statusCode).toBe(403);
    const undeclared = await get(`${strict.k.imdsUrl}${TOKEN}&client_id=someone-else`, { Metadata: 'true' });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error).toBe('invalid_request');
    const principal = await get(`${strict.k.imdsUrl}${TOKEN}&client_id=app`, { Metadata: 'true' });
    expect(principal.status).toBe(400);
  });
});
