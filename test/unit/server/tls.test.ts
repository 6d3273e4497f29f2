import { describe, it, expect, afterAll, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SecureContext } from 'node:tls';
import { BoundedCache, loadTls, type TlsMaterial } from '../../../src/server/tls.js';
import {
  CA_VALIDITY_MS,
  createCaCertificate,
  createLeafCertificate,
  generateKeyPair,
  LEAF_VALIDITY_MS,
  loadCertificateAuthority,
  normalizeHostname,
  privateKeyToPem,
  publicKeyFromPem,
} from '../../../src/crypto/x509-tls.js';
import { subjectAltNameText, TlsNamePolicy } from '../../../src/crypto/tls-names.js';

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

const DAY_MS = 24 * 3_600_000;

/**
 * src/server/tls.ts loaded anew, as a fresh process would load it: its tlsLibraryLoads() counts only
 * what that instance asked for, untouched by other loads of this file still running.
 */
async function freshTlsModule(): Promise<typeof import('../../../src/server/tls.js')> {
  vi.resetModules();
  return import('../../../src/server/tls.js');
}

/** The four files of DIR/tls/, as text. */
async function tlsFiles(dataDir: string): Promise<{ ca: string; caKey: string; leaf: string; leafKey: string }> {
  const read = (name: string) => readFile(join(dataDir, 'tls', name), 'utf8');
  const names = ['ca.pem', 'ca-key.pem', 'localhost.pem', 'leaf-key.pem'];
  const [ca, caKey, leaf, leafKey] = await Promise.all(names.map(read));
  return { ca: ca!, caKey: caKey!, leaf: leaf!, leafKey: leafKey! };
}

/** Checks with node:crypto that `certPem` is a localhost leaf of `caPem` for `keyPem`, valid about a year. */
function expectValidLocalhostLeaf(certPem: string, keyPem: string, caPem: string): void {
  const ca = new X509Certificate(caPem);
  const leaf = new X509Certificate(certPem);
  expect(leaf.checkIssued(ca)).toBe(true);
  expect(leaf.verify(ca.publicKey)).toBe(true);
  expect(leaf.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  expect(leaf.checkHost('localhost')).toBe('localhost');
  expect(Date.parse(leaf.validTo) - Date.now()).toBeGreaterThan(300 * DAY_MS);
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('local CA on disk', () => {
  it.skipIf(process.platform === 'win32')('creates DIR/tls with a 0600 key in a 0700 directory', async () => {
    const dataDir = await tempDir();
    const material = await loadTls({ dataDir });
    const tlsDir = join(dataDir, 'tls');
    expect(material.caPath).toBe(join(tlsDir, 'ca.pem'));
    expect(await readFile(join(tlsDir, 'ca.pem'), 'utf8')).toBe(material.caPem);
    expect((await stat(join(tlsDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(tlsDir, 'leaf-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(tlsDir)).mode & 0o777).toBe(0o700);
    // No temporary files are left behind.
    expect((await readdir(tlsDir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'leaf-key.pem', 'localhost.pem']);
    const files = await tlsFiles(dataDir);
    expect(material.serverOptions.key).toBe(files.leafKey);
    expect(material.serverOptions.cert.startsWith(files.leaf.trimEnd())).toBe(true);
    expectValidLocalhostLeaf(files.leaf, files.leafKey, files.ca);
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

  it('restarts from the kept localhost leaf and key without the certificate library', async () => {
    const dataDir = await tempDir();
    const first = await loadTls({ dataDir });
    const files = await tlsFiles(dataDir);
    const tls = await freshTlsModule();
    const second = await tls.loadTls({ dataDir });
    expect(tls.tlsLibraryLoads()).toBe(0);
    expect(second.caPem).toBe(first.caPem);
    expect(second.serverOptions.key).toBe(files.leafKey);
    expect(second.serverOptions.cert).toBe(first.serverOptions.cert);
    expect(await second.issue('localhost')).toEqual({ certPem: files.leaf, keyPem: files.leafKey });
    expect(tls.tlsLibraryLoads()).toBe(0);
    // Nothing was rewritten.
    expect(await tlsFiles(dataDir)).toEqual(files);

    // Another name needs a signature, so the library, and gets a leaf for the same kept key.
    const other = await second.issue('kv1.vault.localhost');
    expect(tls.tlsLibraryLoads()).toBeGreaterThan(0);
    expect(other.keyPem).toBe(files.leafKey);
    const otherLeaf = new X509Certificate(other.certPem);
    expect(otherLeaf.verify(new X509Certificate(files.ca).publicKey)).toBe(true);
    expect(otherLeaf.checkPrivateKey(createPrivateKey(files.leafKey))).toBe(true);
    expect(otherLeaf.checkHost('kv2.vault.localhost')).toBe('*.vault.localhost');
  });

  it('verifies over real TLS after a restart from the kept leaf', async () => {
    const dataDir = await tempDir();
    await loadTls({ dataDir });
    const tls = await freshTlsModule();
    const { caPem, serverOptions } = await tls.loadTls({ dataDir });
    expect(tls.tlsLibraryLoads()).toBe(0);
    const port = await listen(serverOptions);
    for (const name of ['localhost', 'kv1.vault.localhost']) {
      const result = await handshake(port, caPem!, name);
      expect(result.authorizationError, name).toBeUndefined();
      expect(result.authorized, name).toBe(true);
      expect(sanList(result.subjectaltname), name).toContain(`DNS:${name}`);
    }
    const bare = await handshake(port, caPem!);
    expect(bare.authorized).toBe(true);
    expect(bare.certPem).toBe(new X509Certificate((await tlsFiles(dataDir)).leaf).toString());
  });

  it('replaces a kept leaf that is tampered with, foreign, expiring, misnamed or for another key', async () => {
    const dataDir = await tempDir();
    await loadTls({ dataDir });
    const files = await tlsFiles(dataDir);
    const ca = await loadCertificateAuthority(files.ca, files.caKey);
    const leafPublicKey = await publicKeyFromPem(files.leafKey);
    const caFor = async (keys: webcrypto.CryptoKeyPair, commonName?: string) =>
      loadCertificateAuthority(await createCaCertificate(keys, { commonName }), privateKeyToPem(keys.privateKey));
    const otherCa = await caFor(await generateKeyPair());
    const otherKeys = await generateKeyPair();
    // The kept CA's key under another name: its leaves verify with the kept CA's key, yet that CA did not issue them.
    const keptCaKeys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        createPrivateKey(files.caKey).export({ type: 'pkcs8', format: 'der' }),
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['sign'],
      ),
      publicKey: await publicKeyFromPem(files.caKey),
    };
    const twinCa = await caFor(keptCaKeys, 'Twin CA');
    const localhostLeaf = (by: typeof ca, now?: Date) => createLeafCertificate(by, leafPublicKey, 'localhost', { now });

    // The last byte of the DER ends the signature: the certificate still parses but no longer verifies.
    const der = Buffer.from(new X509Certificate(files.leaf).raw);
    der.writeUInt8(der.readUInt8(der.length - 1) ^ 0x01, der.length - 1);
    const base64Lines = der.toString('base64').match(/.{1,64}/g)!.join('\n');
    const tampered = `-----BEGIN CERTIFICATE-----\n${base64Lines}\n-----END CERTIFICATE-----\n`;
    expect(new X509Certificate(tampered).verify(new X509Certificate(files.ca).publicKey)).toBe(false);
    const cases: Array<{ why: string; leaf: string; leafKey?: string }> = [
      { why: 'tampered', leaf: tampered },
      { why: 'signed by another CA', leaf: await localhostLeaf(otherCa) },
      { why: 'issued by another CA with the same key', leaf: await localhostLeaf(twinCa) },
      { why: 'ends in ten days', leaf: await localhostLeaf(ca, new Date(Date.now() - LEAF_VALIDITY_MS + 10 * DAY_MS)) },
      { why: 'other names', leaf: await createLeafCertificate(ca, leafPublicKey, 'kv1.vault.localhost') },
      { why: 'another key', leaf: files.leaf, leafKey: privateKeyToPem(otherKeys.privateKey) },
      { why: 'not a certificate', leaf: 'garbage' },
    ];
    for (const { why, leaf, leafKey = files.leafKey } of cases) {
      await writeFile(join(dataDir, 'tls', 'localhost.pem'), leaf);
      await writeFile(join(dataDir, 'tls', 'leaf-key.pem'), leafKey);
      const material = await loadTls({ dataDir });
      const now = await tlsFiles(dataDir);
      expect(now.leaf, why).not.toBe(leaf);
      expect(now.ca, why).toBe(files.ca);
      expect(material.serverOptions.key, why).toBe(now.leafKey);
      expect((await material.issue('localhost')).certPem, why).toBe(now.leaf);
      expectValidLocalhostLeaf(now.leaf, now.leafKey, files.ca);
    }
    expect((await stat(join(dataDir, 'tls', 'leaf-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('issues a new leaf when its key file is missing', async () => {
    const dataDir = await tempDir();
    await loadTls({ dataDir });
    const files = await tlsFiles(dataDir);
    await rm(join(dataDir, 'tls', 'leaf-key.pem'));
    const material = await loadTls({ dataDir });
    const now = await tlsFiles(dataDir);
    expect(now.leaf).not.toBe(files.leaf);
    expect(now.leafKey).not.toBe(files.leafKey);
    expect(material.serverOptions.key).toBe(now.leafKey);
    expectValidLocalhostLeaf(now.leaf, now.leafKey, files.ca);
  });

  it('gives a new CA a new leaf', async () => {
    const dataDir = await tempDir();
    await loadTls({ dataDir });
    const files = await tlsFiles(dataDir);
    await rm(join(dataDir, 'tls', 'ca.pem'));
    await rm(join(dataDir, 'tls', 'ca-key.pem'));
    const material = await loadTls({ dataDir });
    const now = await tlsFiles(dataDir);
    expect(now.ca).not.toBe(files.ca);
    expect(material.caPem).toBe(now.ca);
    expect(now.leaf).not.toBe(files.leaf);
    expectValidLocalhostLeaf(now.leaf, now.leafKey, now.ca);
  });

  it('replaces an expired CA, and its leaf with it', async () => {
    const dataDir = await tempDir();
    await loadTls({ dataDir });
    const files = await tlsFiles(dataDir);
    // A CA that ended a day ago, with a leaf it signed while still valid.
    const keys = await generateKeyPair();
    const keyPem = privateKeyToPem(keys.privateKey);
    const then = new Date(Date.now() - CA_VALIDITY_MS - DAY_MS);
    const expiredPem = await createCaCertificate(keys, { now: then });
    const expired = await loadCertificateAuthority(expiredPem, keyPem);
    const oldLeaf = await createLeafCertificate(expired, await publicKeyFromPem(files.leafKey), 'localhost', { now: then });
    await writeFile(join(dataDir, 'tls', 'ca.pem'), expiredPem);
    await writeFile(join(dataDir, 'tls', 'ca-key.pem'), keyPem);
    await writeFile(join(dataDir, 'tls', 'localhost.pem'), oldLeaf);
    const material = await loadTls({ dataDir });
    const now = await tlsFiles(dataDir);
    expect(now.ca).not.toBe(expiredPem);
    expect(material.caPem).toBe(now.ca);
    expect(now.leaf).not.toBe(oldLeaf);
    expectValidLocalhostLeaf(now.leaf, now.leafKey, now.ca);
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

  it('never issues a two-label wildcard such as *.localhost, nor one the CA may not vouch for', () => {
    const names = new TlsNamePolicy(['my-app.example', '.b.example', 'c.d.example']);
    const leafAltNames = (name: string) => names.leafAltNames(name);
    expect(leafAltNames('kv1.localhost').map((n) => n.value)).toEqual(['kv1.localhost', 'localhost', '127.0.0.1', '::1']);
    expect(leafAltNames('my-app.example').some((n) => n.value.startsWith('*'))).toBe(false);
    expect(leafAltNames('a.b.example')).toContainEqual({ type: 'dns', value: '*.b.example' });
    // c.d.example permits itself and its subdomains, not its siblings: no *.d.example.
    expect(leafAltNames('c.d.example').some((n) => n.value.startsWith('*'))).toBe(false);
    expect(leafAltNames('x.c.d.example')).toContainEqual({ type: 'dns', value: '*.c.d.example' });
    // IP literals have dots but no parent domain.
    expect(leafAltNames('10.0.0.7')).toEqual([
      { type: 'ip', value: '10.0.0.7' },
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
    ]);
    expect(leafAltNames('localhost')).toHaveLength(3);
    // Clients that send no SNI get the localhost leaf, so it names the single addresses given with --tls-name.
    expect(new TlsNamePolicy(['192.168.1.20', '10.0.0.0/8']).leafAltNames('localhost').map((n) => n.value)).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      '192.168.1.20',
    ]);
  });

  it('predicts the names Node reads from a leaf, as the kept-leaf check compares them', async () => {
    const tlsNames = ['my_service', '10.0.0.0/8', '2001:db8::/32', '192.168.1.20'];
    const { issue } = await loadTls({ tlsNames });
    const names = new TlsNamePolicy(tlsNames);
    for (const name of ['localhost', 'kv1.vault.localhost', 'my_service', '10.0.0.7', '::1', '2001:db8::a:b']) {
      const leaf = new X509Certificate((await issue(name)).certPem);
      expect(leaf.subjectAltName, name).toBe(subjectAltNameText(names.leafAltNames(name)));
    }
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
    for (const name of ['localhost', 'kv1.vault.localhost', 'default.vault.localhost', 'kv1.localhost']) {
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
    const first = await contextFor('a.localhost');
    expect(await contextFor('a.localhost')).toBe(first);
    for (const name of ['b.localhost', 'c.localhost', 'd.localhost']) await contextFor(name);
    // a.localhost was the least recently used of four names in a cache of three: issued again.
    expect(await contextFor('a.localhost')).not.toBe(first);
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
