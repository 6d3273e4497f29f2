import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { startChild, tempDir, type Child } from './child.js';

/**
 * What Kyanite keeps and says about its users' secrets: file modes of the data dir, the default bind address, the
 * debug log of a whole SDK session (no value, private JWK member, token or client secret may appear), and backups
 * that refuse tampering.
 */
const dataDir = tempDir('kyanite-rest-');
let child: Child;
beforeAll(async () => {
  child = await startChild(dataDir, [], 'debug');
});
afterAll(async () => {
  await child.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('secrets at rest', () => {
  it('keeps the data dir 0700 and its files 0600 after a real start and writes', async () => {
    expect((await child.request('PUT', '/secrets/mode-check', { value: 'x' })).status).toBe(200);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'tls'))).toBe(0o700);
    const files = ['kyanite.db', 'kyanite.db-wal', 'kyanite.db-shm', 'tls/ca-key.pem', 'tls/leaf-key.pem'];
    for (const f of files) expect(mode(path.join(dataDir, f)).toString(8), f).toBe('600');
    console.log(`[at-rest] modes: data dir and tls/ 0700; ${files.join(', ')} 0600`);
  });

  it('listens on 127.0.0.1 unless told otherwise', () => {
    expect(loadConfig([], {}).host).toBe('127.0.0.1');
    expect(child.stdout()).toContain(`listening on 127.0.0.1:${child.port}`);
  });
});

describe('secrets in transit: a debug-logged SDK session leaks nothing', () => {
  it('logs no secret value, private JWK member, token or client secret', async () => {
    const agent = new https.Agent({ ca: fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem')), keepAlive: true });
    const url = `https://localhost:${child.port}`;
    const clientSecret = `client-secret-${randomBytes(12).toString('hex')}`;
    const credential = new ClientSecretCredential('72f988bf-86f1-41af-91ab-2d7cd011db47', 'leak-app', clientSecret, {
      authorityHost: url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem'), 'utf8') },
    });
    const token = (await credential.getToken(`${url}/.default`)).token;
    const options = { agent, disableChallengeResourceVerification: true };

    const secrets = new SecretClient(url, credential, options);
    const values = [`secret-value-${randomBytes(16).toString('hex')}`, `second-${randomBytes(16).toString('hex')}`];
    await secrets.setSecret('leak-a', values[0]!);
    await secrets.setSecret('leak-a', values[1]!);
    expect((await secrets.getSecret('leak-a')).value).toBe(values[1]);

    const keys = new KeyClient(url, credential, options);
    const rsa = await keys.createRsaKey('leak-rsa');
    const digest = createHash('sha256').update('leak').digest();
    const crypto = new CryptographyClient(rsa, credential, options);
    expect((await crypto.sign('RS256', digest)).result.length).toBe(256);

    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const octKey = randomBytes(32);
    const b = (s: string) => Buffer.from(s, 'base64url');
    await keys.importKey('leak-imported', { kty: 'RSA', n: b(jwk.n!), e: b(jwk.e!), d: b(jwk.d!), p: b(jwk.p!), q: b(jwk.q!), dp: b(jwk.dp!), dq: b(jwk.dq!), qi: b(jwk.qi!) });
    await keys.importKey('leak-oct', { kty: 'oct', k: octKey, keyOps: ['encrypt', 'decrypt'] });
    agent.destroy();

    await new Promise((r) => setTimeout(r, 300)); // let the child flush its last lines
    const log = child.stdout() + child.stderr();
    const forbidden: Record<string, string> = {
      'secret value 1': values[0]!,
      'secret value 2': values[1]!,
      'client secret': clientSecret,
      'bearer token': token,
      'token signature': token.split('.')[2]!,
      'oct k': octKey.toString('base64url'),
    };
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) forbidden[`RSA ${m}`] = jwk[m]!;
    const leaks = Object.entries(forbidden).filter(([, v]) => log.includes(v));
    expect(leaks.map(([k]) => k)).toEqual([]);
    const lines = log.split('\n').filter((l) => l.startsWith('{')).length;
    expect(lines).toBeGreaterThan(10); // the debug log did record the session
    console.log(`[at-rest] debug log: ${lines} lines, ${(log.length / 1024).toFixed(1)} KiB searched for ${Object.keys(forbidden).length} secrets: none found`);
  });
});

describe('backup blobs', () => {
  it('refuses a tampered blob with 400', async () => {
    await child.request('PUT', '/secrets/backed-up', { value: 'precious' });
    const blob = (await child.request('POST', '/secrets/backed-up/backup')).json().value as string;
    const bytes = Buffer.from(blob, 'base64url');
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await child.request('DELETE', '/secrets/backed-up');
    await child.request('DELETE', '/deletedsecrets/backed-up');
    const res = await child.request('POST', '/secrets/restore', { value: bytes.toString('base64url') });
    expect(res.status).toBe(400);
    expect(res.json().error.code).toBe('Malformed backup blob');
    expect((await child.request('POST', '/secrets/restore', { value: blob })).status).toBe(200);
  });
});
