import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, tempDir, type Child } from '../reliability/child.js';

/**
 * `npm start`, the bin and the container run dist/bundle/kyanite.mjs (scripts/bundle.mjs), where everything that
 * start-up does not need sits in chunks loaded on first use. This drives each of those first uses in the bundle
 * itself: X.509 and PKCS#12 (a certificate), JWE (a backup), YAML (an export), a TLS leaf for a new name, the RSA
 * worker and the schema compilers fastify loads at run time.
 */
let child: Child;
beforeAll(async () => {
  child = await startChild(tempDir('kyanite-bundle-'), ['--vault', 'kv1']);
}, 60_000);
afterAll(async () => {
  await child?.kill();
});

describe('the bundled kyanite command', () => {
  it('issues a self-signed certificate and its PKCS#12 secret', async () => {
    const created = await child.request('POST', '/certificates/c1/create', { policy: { issuer: { name: 'Self' }, x509_props: { subject: 'CN=bundle.test' } } });
    expect(created.status).toBe(202);
    let status = '';
    for (let i = 0; i < 50 && status !== 'completed'; i++) {
      status = (await child.request('GET', '/certificates/c1/pending')).json().status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('completed');
    const cer = (await child.request('GET', '/certificates/c1')).json().cer as string;
    expect(new crypto.X509Certificate(Buffer.from(cer, 'base64')).subject).toBe('CN=bundle.test');
    const secret = await child.request('GET', '/secrets/c1');
    expect(secret.status).toBe(200);
    expect(secret.json().contentType).toBe('application/x-pkcs12');
  });

  it('backs up and restores a secret, signs with a new RSA key and validates bodies', async () => {
    expect((await child.request('PUT', '/secrets/s1', { value: 'bundled' })).status).toBe(200);
    const backup = await child.request('POST', '/secrets/s1/backup');
    expect(backup.status).toBe(200);
    expect((await child.request('DELETE', '/secrets/s1')).status).toBe(200);
    expect((await child.request('DELETE', '/deletedsecrets/s1')).status).toBe(204);
    expect((await child.request('POST', '/secrets/restore', { value: backup.json().value })).status).toBe(200);
    expect((await child.request('GET', '/secrets/s1')).json().value).toBe('bundled');
    const key = await child.request('POST', '/keys/k1/create', { kty: 'RSA', key_size: 2048 });
    expect(key.status).toBe(200);
    const digest = crypto.createHash('sha256').update('bundle').digest();
    const signed = await child.request('POST', `/keys/k1/sign`, { alg: 'RS256', value: digest.toString('base64url') });
    expect(signed.status).toBe(200);
    const jwk = key.json().key;
    const publicKey = crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    expect(crypto.verify('sha256', Buffer.from('bundle'), publicKey, Buffer.from(signed.json().value, 'base64url'))).toBe(true);
    expect((await child.request('PUT', '/secrets/s2', { value: 7 })).status).toBe(400);
  }, 30_000);

  it('exports YAML', async () => {
    const exported = await child.request('GET', '/_kyanite/export?format=yaml');
    expect(exported.status).toBe(200);
    expect(exported.text).toMatch(/^vaults:/m);
  });

  it('signs a TLS leaf for a vault host name it has not served yet', async () => {
    const ca = fs.readFileSync(`${child.dataDir}/tls/ca.pem`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: child.port, servername: 'kv1.vault.localhost', ca, path: '/secrets/nothing?api-version=7.5', headers: { host: `kv1.vault.localhost:${child.port}`, authorization: 'Bearer x' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
    expect(child.stderr()).toBe('');
  });
});
