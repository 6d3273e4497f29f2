import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SecureContext } from 'node:tls';
import { BoundedCache, loadTls, type TlsMaterial } from '../../../src/server/tls.js';
import {
  createCaCertificate,
  createLeafCertificate,
  generateKeyPair,
  leafAltNames,
  loadCertificateAuthority,
  normalizeHostname,
  privateKeyToPem,
} from '../../../src/crypto/x509-tls.js';

const servers: Server[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kyanite-tls-'));
  tempDirs.push(dir);
  return dir;
}

async function listen(options: TlsMaterial['serverOptions']): Promise<number> {
  const server = createServer(options, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Handshake {
  authorized: boolean;
  authorizationError: string | undefined;
  subjectaltname: string | undefined;
  certPem: string;
}

/** One TLS handshake against 127.0.0.1; `servername` undefined sends no SNI (as for an IP URL). */
function handshake(port: number, ca: string, servername?: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca, rejectUnauthorized: false, ...(servername ? { servername } : {}) },
      () => {
        const peer = socket.getPeerCertificate();
        const der = peer.raw;
        resolve({
          authorized: socket.authorized,
          authorizationError: socket.authorizationError?.message,
          subjectaltname: peer.subjectaltname,
          certPem: new X509Certificate(der).toString(),
        });
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

const sanList = (subjectaltname: string | undefined): string[] => (subjectaltname ?? '').split(', ');

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('local CA on disk', () => {
  it.skipIf(process.platform === 'win32')('creates DIR/tls with a 0600 key in a 0700 directory', async () => {
    const dataDir = await tempDir();
    const material = await loadTls({ dataDir });
    const tlsDir = join(dataDir, 'tls');
    expect(material.caPath).toBe(join(tlsDir, 'ca.pem'));
    expect(await readFile(join(tlsDir, 'ca.pem'), 'utf8')).toBe(material.caPem);
    expect((await stat(join(tlsDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(tlsDir)).mode & 0o777).toBe(0o700);
    // No temporary files are left behind.
    expect((await readdir(tlsDir)).sort()).toEqual(['ca-key.pem', 'ca.pem']);
  });

  it('reuses the CA on the next start', async () => {
    const dataDir = await tempDir();
    const first = await loadTls({ dataDir });
    const second = await loadTls({ dataDir });
    expect(second.caPem).toBe(first.caPem);
    expect(new X509Certificate(first.caPem!).subject).toMatch(/^CN=Kyanite Local CA [0-9a-f]{8}$/);
  });

  it('refuses a CA whose key does not match rather than overwriting it', async () => {
    const dataDir = await tempDir();
    const material = await loadTls({ dataDir });
    const keyPath = join(dataDir, 'tls', 'ca-key.pem');
    const otherKey = privateKeyToPem((await generateKeyPair()).privateKey);
    await writeFile(keyPath, otherKey);
    await expect(loadTls({ dataDir })).rejects.toThrow(/do not match.*Remove that directory/);
    expect(await readFile(material.caPath!, 'utf8')).toBe(material.caPem);
    expect(await readFile(keyPath, 'utf8')).toBe(otherKey);
  });

  it('makes a new CA when only the certificate survived', async () => {
    const dataDir = await tempDir();
    const first = await loadTls({ dataDir });
    await rm(join(dataDir, 'tls', 'ca-key.pem'));
    const second = await loadTls({ dataDir });
    expect(second.caPem).not.toBe(first.caPem);
  });

  it('keeps the CA in memory without a data dir', async () => {
    const material = await loadTls({});
    expect(material.caPath).toBeUndefined();
    expect(material.caPem).toContain('BEGIN CERTIFICATE');
  });
});

describe('certificates issued by the local CA', () => {
  const material = loadTls({});

  it('signs leaves with the CA and gives them the names clients use', async () => {
    const { caPem, issue } = await material;
    const ca = new X509Certificate(caPem!);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);

    const leaf = new X509Certificate((await issue('kv1.vault.localhost')).certPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.subject).toBe('CN=kv1.vault.localhost');
    for (const host of ['kv1.vault.localhost', 'kv2.vault.localhost', 'localhost']) {
      // checkHost answers with the SAN that matched, so kv2 gets *.vault.localhost.
      expect(leaf.checkHost(host), host).toBeDefined();
    }
    expect(leaf.checkHost('kv1.localhost')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    // A random, positive serial of at least 64 bits (Node prints the integer's value in hex,
    // with a minus sign if it were negative).
    expect(leaf.serialNumber).toMatch(/^[0-9A-F]{16,40}$/);
    const sibling = new X509Certificate((await issue('kv9.vault.localhost')).certPem);
    expect(sibling.serialNumber).not.toBe(leaf.serialNumber);
    const validFrom = Date.parse(leaf.validFrom);
    const validTo = Date.parse(leaf.validTo);
    expect(Date.now() - validFrom).toBeGreaterThan(55 * 60_000);
    expect(validTo - validFrom).toBeGreaterThanOrEqual(365 * 24 * 3_600_000);
  });

  it('never issues a two-label wildcard such as *.localhost', () => {
    expect(leafAltNames('kv1.localhost').map((n) => n.value)).toEqual(['kv1.localhost', 'localhost', '127.0.0.1', '::1']);
    expect(leafAltNames('my-app.example').some((n) => n.value.startsWith('*'))).toBe(false);
    expect(leafAltNames('a.b.example')).toContainEqual({ type: 'dns', value: '*.b.example' });
    // IP literals have dots but no parent domain.
    expect(leafAltNames('10.0.0.7')).toEqual([
      { type: 'ip', value: '10.0.0.7' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    expect(leafAltNames('localhost')).toHaveLength(3);
  });

  it('accepts host names and IPs and refuses anything else', () => {
    expect(normalizeHostname('KV1.Vault.LocalHost.')).toBe('kv1.vault.localhost');
    expect(normalizeHostname('my_service')).toBe('my_service');
    expect(normalizeHostname('::1')).toBe('::1');
    for (const bad of ['', '.', 'a..b', '*.vault.localhost', 'x y', '-a.example', 'a-.example', `${'a'.repeat(64)}.x`,
      'fe80::1%eth0', 'a/b', `${'a.'.repeat(127)}a`]) {
      expect(normalizeHostname(bad), bad).toBeUndefined();
    }
  });

  it.skipIf(!hasOpenssl)('passes openssl verify (strict, server purpose, host and IP checks)', async () => {
    // Skipped when the openssl command is not installed: Node's own checks above still run.
    const { caPem, issue } = await material;
    const dir = await tempDir();
    await writeFile(join(dir, 'ca.pem'), caPem!);
    await writeFile(join(dir, 'leaf.pem'), (await issue('kv1.vault.localhost')).certPem);
    await writeFile(join(dir, 'ip.pem'), (await issue('::1')).certPem);
    const verify = (...args: string[]) =>
      spawnSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), ...args], {
        encoding: 'utf8',
      });
    for (const run of [
      verify(join(dir, 'leaf.pem')),
      verify('-verify_hostname', 'other.vault.localhost', join(dir, 'leaf.pem')),
      verify('-verify_ip', '::1', join(dir, 'ip.pem')),
    ]) {
      expect(run.status, run.stdout + run.stderr).toBe(0);
    }
    expect(verify('-verify_hostname', 'other.localhost', join(dir, 'leaf.pem')).status).not.toBe(0);
  });

  it('verifies over real TLS for every name a client uses', async () => {
    const { caPem, serverOptions } = await material;
    const port = await listen(serverOptions);
    for (const name of ['localhost', 'kv1.vault.localhost', 'default.vault.localhost', 'my-app.example']) {
      const result = await handshake(port, caPem!, name);
      expect(result.authorizationError, name).toBeUndefined();
      expect(result.authorized, name).toBe(true);
      expect(sanList(result.subjectaltname), name).toContain(`DNS:${name}`);
      expect(new X509Certificate(result.certPem).verify(new X509Certificate(caPem!).publicKey)).toBe(true);
    }
    // No SNI (an IP URL): the localhost leaf, checked by Node against its IP SANs.
    const bare = await handshake(port, caPem!);
    expect(bare.authorizationError).toBeUndefined();
    expect(bare.authorized).toBe(true);
    expect(sanList(bare.subjectaltname)).toContain('IP Address:127.0.0.1');
  });

  it('fails the handshake for a server name that is not a host name', async () => {
    const { serverOptions, issue } = await material;
    const error = await new Promise<Error | null>((resolve) => serverOptions.SNICallback('bad name!', resolve));
    expect(error?.message).toMatch(/refusing TLS/);
    await expect(issue('*.vault.localhost')).rejects.toThrow(/not a host name/);
  });

  it('bounds the per-name cache', async () => {
    const { serverOptions } = await loadTls({ cacheLimit: 3 });
    const contextFor = (name: string) =>
      new Promise<SecureContext | undefined>((resolve, reject) =>
        serverOptions.SNICallback(name, (err, ctx) => (err ? reject(err) : resolve(ctx))),
      );
    const first = await contextFor('a.example');
    expect(await contextFor('a.example')).toBe(first);
    for (const name of ['b.example', 'c.example', 'd.example']) await contextFor(name);
    // a.example was the least recently used of four names in a cache of three: issued again.
    expect(await contextFor('a.example')).not.toBe(first);
  });
});

describe('BoundedCache', () => {
  const counting = (options: ConstructorParameters<typeof BoundedCache>[1] = {}) => {
    const builds: string[] = [];
    const cache = new BoundedCache(async (key) => {
      builds.push(key);
      if (key === 'fail') throw new Error('boom');
      return `${key}#${builds.length}`;
    }, options);
    return { cache, builds };
  };

  it('keeps at most `limit` entries and evicts the least recently used', async () => {
    const { cache, builds } = counting({ limit: 3 });
    for (const key of ['a', 'b', 'c']) await cache.get(key);
    await cache.get('a'); // now b is the oldest
    await cache.get('d');
    expect(cache.size).toBe(3);
    await cache.get('a');
    await cache.get('b');
    expect(builds).toEqual(['a', 'b', 'c', 'd', 'b']);
    for (let i = 0; i < 100; i++) await cache.get(`x${i}`);
    expect(cache.size).toBe(3);
  });

  it('shares one build between concurrent callers, forgets failures, expires entries', async () => {
    let now = 0;
    const { cache, builds } = counting({ ttlMs: 1000, now: () => now });
    const [one, two] = await Promise.all([cache.get('a'), cache.get('a')]);
    expect(one).toBe(two);
    await expect(cache.get('fail')).rejects.toThrow('boom');
    await expect(cache.get('fail')).rejects.toThrow('boom');
    now = 1000;
    expect(await cache.get('a')).not.toBe(one);
    expect(builds).toEqual(['a', 'fail', 'fail', 'a']);
  });
});

describe('--cert/--key', () => {
  it('serves the given certificate for every name and issues nothing', async () => {
    const dir = await tempDir();
    const caKeys = await generateKeyPair();
    const caPem = await createCaCertificate(caKeys, { commonName: 'Test CA' });
    const ca = await loadCertificateAuthority(caPem, privateKeyToPem(caKeys.privateKey));
    const serverKeys = await generateKeyPair();
    const certPem = await createLeafCertificate(ca, serverKeys.publicKey, 'localhost');
    const certFile = join(dir, 'server.pem');
    const keyFile = join(dir, 'server-key.pem');
    await writeFile(certFile, certPem);
    await writeFile(keyFile, privateKeyToPem(serverKeys.privateKey));

    const material = await loadTls({ certFile, keyFile, dataDir: dir });
    expect(material.caPem).toBeUndefined();
    expect(material.caPath).toBeUndefined();
    expect(material.serverOptions.cert).toBe(certPem);
    await expect(material.issue('localhost')).rejects.toThrow(/--cert/);
    // No CA was made in the data dir.
    expect(await readdir(dir)).not.toContain('tls');

    const port = await listen(material.serverOptions);
    const served = new X509Certificate(certPem).fingerprint256;
    const local = await handshake(port, caPem, 'localhost');
    expect(local.authorized).toBe(true);
    expect(new X509Certificate(local.certPem).fingerprint256).toBe(served);
    const other = await handshake(port, caPem, 'kv1.vault.localhost');
    expect(new X509Certificate(other.certPem).fingerprint256).toBe(served);
  });

  it('rejects a lone --cert and a key that does not fit the certificate', async () => {
    const dir = await tempDir();
    const keys = await generateKeyPair();
    const certFile = join(dir, 'ca.pem');
    const keyFile = join(dir, 'other-key.pem');
    await writeFile(certFile, await createCaCertificate(keys));
    await writeFile(keyFile, privateKeyToPem((await generateKeyPair()).privateKey));
    await expect(loadTls({ certFile })).rejects.toThrow(/together/);
    await expect(loadTls({ certFile, keyFile })).rejects.toThrow(/cannot use --cert/);
  });
});
