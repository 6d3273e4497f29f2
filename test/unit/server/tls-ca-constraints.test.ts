import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { x509 } from '../../../src/crypto/x509-lib.js';
import { mintLeaf, writeUnconstrainedTlsDir } from '../../helpers/local-ca.js';
import { caConstraintsProblem, NAME_CONSTRAINTS_OID, nameConstraintsValue } from '../../../src/crypto/ca-extensions.js';
import { LOCAL_TLS_NAMES, parseTlsName, TlsNamePolicy } from '../../../src/crypto/tls-names.js';
import { generateKeyPair } from '../../../src/crypto/x509-tls.js';
import { ConfigError, loadConfig } from '../../../src/server/config.js';
import { listenAddressWarning, loadTls, type TlsMaterial } from '../../../src/server/tls.js';

/**
 * Issue 14 item 3: the local CA can vouch for local names only. Its basicConstraints forbid sub-CAs (pathLen 0),
 * its name constraints permit localhost, *.localhost, the loopback addresses and the --tls-name names, Kyanite
 * issues leaves for those names only, and a leaf minted with the CA key for any other name is refused by clients
 * (OpenSSL's verify and Node's TLS client here; Go in docs/reliability.md) because of the constraints.
 */

const servers: Server[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kyanite-ca-'));
  tempDirs.push(dir);
  return dir;
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const OPENSSL_MISSING = 'the openssl command is missing: apt-get install -y openssl';
// Under CI a missing openssl fails these tests (below) rather than skipping them.
const skipOpenssl = !hasOpenssl && process.env.CI !== 'true';

function openssl(...args: string[]): { status: number | null; output: string } {
  if (!hasOpenssl) throw new Error(OPENSSL_MISSING);
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function listen(options: { key: string; cert: string; SNICallback?: TlsMaterial['serverOptions']['SNICallback'] }): Promise<number> {
  const server = createServer(options, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A TLS handshake as a client that trusts only `ca` makes it: Node's full check (chain, name constraints, then the
 * host name), whose verdict is `code`, undefined when it passed. Node reports the verdict without ending the
 * handshake when rejectUnauthorized is false, so the certificate it refused can be read too.
 */
function handshake(port: number, ca: string, servername: string): Promise<{ code?: string; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: false }, () => {
      const error = socket.authorizationError as unknown as string | Error | null;
      const code = socket.authorized ? undefined : typeof error === 'string' ? error : (error?.message ?? 'unauthorized');
      resolve({ code, peer: socket.getPeerCertificate() });
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Whether a client that keeps the default rejectUnauthorized: true gets a connection at all. */
function strictClientConnects(port: number, ca: string, servername: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername }, () => {
      resolve(undefined);
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** The CA key of a data dir, as anyone who can read the directory could load it. */
const caKeyPem = (dataDir: string): Promise<string> => readFile(join(dataDir, 'tls', 'ca-key.pem'), 'utf8');

/** src/server/tls.ts loaded anew, as a fresh process loads it, so tlsLibraryLoads() counts only this start. */
async function freshTlsModule(): Promise<typeof import('../../../src/server/tls.js')> {
  vi.resetModules();
  return import('../../../src/server/tls.js');
}

describe('the local CA', () => {
  it('can sign no other CA and vouch only for localhost, *.localhost and loopback (pathLen 0, critical name constraints)', async () => {
    const { caPem } = await loadTls({});
    const ca = new x509.X509Certificate(caPem!);
    const basic = ca.getExtension(x509.BasicConstraintsExtension)!;
    expect(basic.critical).toBe(true);
    expect(basic.ca).toBe(true);
    expect(basic.pathLength).toBe(0);
    const nameConstraints = ca.getExtension('2.5.29.30');
    expect(nameConstraints?.critical).toBe(true);
    expect(new X509Certificate(caPem!).ca).toBe(true);
  });

  it.skipIf(skipOpenssl)('states its limits as openssl reads them', async () => {
    const dir = await tempDir();
    const { caPem } = await loadTls({ tlsNames: ['myhost.example', '.corp.test', '192.168.1.20', '10.1.2.3/16', 'fd00::/8'] });
    await writeFile(join(dir, 'ca.pem'), caPem!);
    const { status, output } = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-text');
    expect(status, output).toBe(0);
    expect(output).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
    const block = /X509v3 Name Constraints: critical\s+Permitted:\n((?:\s+(?:DNS|IP):.*\n)+)/.exec(output);
    expect(block, output).not.toBeNull();
    expect(block![1]!.trim().split(/\s+/)).toEqual([
      'DNS:localhost',
      'IP:127.0.0.0/255.0.0.0',
      'IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
      // The user's names sorted, so the order of the flags does not change the CA; host bits of a range cleared.
      'DNS:.corp.test',
      'IP:10.1.0.0/255.255.0.0',
      'IP:192.168.1.20/255.255.255.255',
      'IP:FD00:0:0:0:0:0:0:0/FF00:0:0:0:0:0:0:0',
      'DNS:myhost.example',
    ]);
  });

  it('serves the localhost leaf to SNI www.google.com, which a client trusting only the CA refuses', async () => {
    const warnings: string[] = [];
    const material = await loadTls({ warn: (message) => warnings.push(message) });
    const port = await listen(material.serverOptions);
    const localhost = new X509Certificate((await material.issue('localhost')).certPem);

    const google = await handshake(port, material.caPem!, 'www.google.com');
    expect(google.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(google.peer.fingerprint256).toBe(localhost.fingerprint256);
    expect(google.peer.subjectaltname).not.toMatch(/google/);
    await expect(material.issue('www.google.com')).rejects.toThrow(/cannot vouch for "www.google.com".*--tls-name www.google.com/);
    expect(warnings).toEqual([expect.stringMatching(/"www\.google\.com" gets the localhost certificate.*--tls-name www\.google\.com/)]);

    // The same server still verifies for the local names.
    for (const name of ['localhost', 'kv1.vault.localhost']) {
      const local = await handshake(port, material.caPem!, name);
      expect(local.code, name).toBeUndefined();
    }
  });

  it.skipIf(skipOpenssl)('makes openssl verify refuse a leaf minted with its key for www.google.com', async () => {
    const dataDir = await tempDir();
    const { caPem, caPath } = await loadTls({ dataDir });
    const caKey = await caKeyPem(dataDir);
    const verify = async (name: string) => {
      const leafPath = join(dataDir, `${name}.pem`);
      await writeFile(leafPath, (await mintLeaf(caPem!, caKey, name)).certPem);
      return openssl('verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caPath!, leafPath);
    };
    // The same minting for a local name verifies: what openssl holds against the other is the name alone.
    const local = await verify('x.vault.localhost');
    expect(local.status, local.output).toBe(0);
    for (const name of ['www.google.com', 'foolocalhost', 'localhost.evil.example']) {
      const foreign = await verify(name);
      expect(foreign.status, name).not.toBe(0);
      expect(foreign.output, name).toMatch(/permitted subtree violation/);
    }
  });

  it("makes Node's TLS client refuse a leaf minted with its key for www.google.com", async () => {
    const dataDir = await tempDir();
    const { caPem } = await loadTls({ dataDir });
    const caKey = await caKeyPem(dataDir);
    const serve = async (name: string) => {
      const { certPem, keyPem } = await mintLeaf(caPem!, caKey, name);
      return listen({ key: keyPem, cert: certPem });
    };
    const local = await handshake(await serve('x.vault.localhost'), caPem!, 'x.vault.localhost');
    expect(local.code).toBeUndefined();
    // Refused by OpenSSL's chain check, before the host name is compared (which would pass). Node 20 has no name for
    // X509_V_ERR_PERMITTED_VIOLATION and reports it as UNSPECIFIED; the leaf minted the same way for a local name
    // above verifies, and openssl verify names the violation (test above).
    const refusal = /^(UNSPECIFIED|PERMITTED_\w+)$/;
    const port = await serve('www.google.com');
    const google = await handshake(port, caPem!, 'www.google.com');
    expect(google.code).toMatch(refusal);
    expect(google.peer.subjectaltname).toBe('DNS:www.google.com');
    expect(await strictClientConnects(port, caPem!, 'www.google.com')).toMatch(refusal);
    expect(await strictClientConnects(await serve('x.vault.localhost'), caPem!, 'x.vault.localhost')).toBeUndefined();
  });

  it('vouches for the names given with --tls-name, and only those', async () => {
    const tlsNames = ['myhost.example', '.corp.test', '192.168.1.20'];
    const material = await loadTls({ tlsNames });
    const port = await listen(material.serverOptions);
    for (const name of ['myhost.example', 'kv1.myhost.example', 'a.corp.test', 'kv1.vault.localhost']) {
      const result = await handshake(port, material.caPem!, name);
      expect(result.code, name).toBeUndefined();
      expect(result.peer.subjectaltname, name).toContain(`DNS:${name}`);
    }
    // `.corp.test` permits the names under corp.test, not corp.test itself; nothing permits other.example.
    for (const name of ['corp.test', 'other.example']) {
      expect((await handshake(port, material.caPem!, name)).code, name).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    }
    // A client that connects to the address sends no SNI and gets the localhost leaf, which names the address.
    const leaf = new X509Certificate((await material.issue('localhost')).certPem);
    expect(leaf.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(leaf.verify(new X509Certificate(material.caPem!).publicKey)).toBe(true);
  });
});

describe('a data dir holding a CA without the constraints', () => {
  /** A data dir as an older Kyanite left it: unconstrained CA, its localhost leaf and the leaf key. */
  async function oldDataDir(): Promise<{ dataDir: string; old: { certPem: string; keyPem: string }; oldLeaf: string }> {
    const dataDir = await tempDir();
    const { ca, leafPem } = await writeUnconstrainedTlsDir(dataDir);
    expect(new X509Certificate(leafPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    return { dataDir, old: ca, oldLeaf: leafPem };
  }

  it('gets a new CA and new leaves once, with a message, and a second start keeps them', async () => {
    const { dataDir, old, oldLeaf } = await oldDataDir();
    const warnings: string[] = [];
    const first = await loadTls({ dataDir, warn: (message) => warnings.push(message) });
    const caPath = join(dataDir, 'tls', 'ca.pem');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`replaced the local CA: ${caPath} (CN=Kyanite Local CA 0ld0ca00) has no name constraints`);
    expect(warnings[0]).toMatch(/has no name constraints.*must trust the new .*ca\.pem: run `kyanite trust` again/);

    const files = async () => ({
      ca: await readFile(caPath, 'utf8'),
      caKey: await readFile(join(dataDir, 'tls', 'ca-key.pem'), 'utf8'),
      leaf: await readFile(join(dataDir, 'tls', 'localhost.pem'), 'utf8'),
    });
    const now = await files();
    expect(now.ca).toBe(first.caPem);
    expect(now.ca).not.toBe(old.certPem);
    // A new key too: whoever read the old one must not be able to sign with the CA clients now trust.
    expect(now.caKey).not.toBe(old.keyPem);
    expect(new x509.X509Certificate(now.ca).getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(0);
    // The kept leaf of the old CA is dropped, and the one served chains to the new CA.
    expect(now.leaf).not.toBe(oldLeaf);
    expect(new X509Certificate(now.leaf).verify(new X509Certificate(now.ca).publicKey)).toBe(true);
    const port = await listen(first.serverOptions);
    expect((await handshake(port, now.ca, 'localhost')).code).toBeUndefined();
    expect((await handshake(port, old.certPem, 'localhost')).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');

    // The second start keeps everything, says nothing, and (as any restart) needs no certificate library.
    const tls = await freshTlsModule();
    const second = await tls.loadTls({ dataDir, warn: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    expect(second.caPem).toBe(now.ca);
    expect(await files()).toEqual(now);
    expect(tls.tlsLibraryLoads()).toBe(0);
  });

  it('gets a new CA when the --tls-name names change, not when only their order does', async () => {
    const dataDir = await tempDir();
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const first = await loadTls({ dataDir, tlsNames: ['b.example', 'a.example'], warn });
    const reordered = await loadTls({ dataDir, tlsNames: ['a.example', 'b.example', 'A.example'], warn });
    expect(reordered.caPem).toBe(first.caPem);
    expect(warnings).toEqual([]);
    const changed = await loadTls({ dataDir, tlsNames: ['a.example'], warn });
    expect(changed.caPem).not.toBe(first.caPem);
    expect(warnings).toEqual([expect.stringMatching(/permits other names than the ones configured now \(localhost, 127\.0\.0\.0\/8, ::1, a\.example\)/)]);
    await expect(changed.issue('b.example')).rejects.toThrow(/cannot vouch/);
  });
});

describe('the check of a CA read from disk (caConstraintsProblem)', () => {
  it('accepts exactly the extensions a new CA gets and names what any other CA lacks', async () => {
    const names = new TlsNamePolicy(['myhost.example']);
    const der = (pem: string) => Buffer.from(new x509.X509Certificate(pem).rawData);
    const { caPem } = await loadTls({ tlsNames: ['myhost.example'] });
    expect(caConstraintsProblem(der(caPem!), names)).toBeUndefined();
    expect(caConstraintsProblem(der(caPem!), LOCAL_TLS_NAMES)).toMatch(/^permits other names than the ones configured now/);
    // The right name constraints, but a CA that may sign sub-CAs.
    const keys = await generateKeyPair();
    const subCaAllowed = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=No path length',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.Extension(NAME_CONSTRAINTS_OID, true, nameConstraintsValue(names)),
      ],
    });
    expect(caConstraintsProblem(Buffer.from(subCaAllowed.rawData), names)).toBe('has no path length limit of 0');
    expect(caConstraintsProblem(Buffer.from([0x30, 0x82, 0xff]), names)).toMatch(/^its extensions cannot be read/);
  });
});

describe('--tls-name', () => {
  it('takes names, .suffixes, addresses and ranges from flags and KYANITE_TLS_NAME, and refuses the rest', () => {
    expect(loadConfig(['--tls-name', 'myhost.example', '--tls-name', '10.0.0.0/8'], {}).tlsNames).toEqual(['myhost.example', '10.0.0.0/8']);
    expect(loadConfig([], { KYANITE_TLS_NAME: 'my_service, .corp.test,192.168.1.20' }).tlsNames).toEqual([
      'my_service',
      '.corp.test',
      '192.168.1.20',
    ]);
    expect(loadConfig([], {}).tlsNames).toBeUndefined();
    for (const bad of ['*.example', 'a b', '10.0.0.0/33', '::1/129', 'host/8', 'example.', 'fe80::1%eth0']) {
      expect(() => loadConfig(['--tls-name', bad], {}), bad).toThrow(ConfigError);
      expect(() => loadConfig(['--tls-name', bad], {}), bad).toThrow(/Invalid --tls-name \(KYANITE_TLS_NAME\)/);
    }
    expect(() => loadConfig(['--tls-name', '*.example'], {})).toThrow(/write '\.example'/);
  });

  it('permits as RFC 5280 name constraints do, the way OpenSSL and Go enforce them', () => {
    const names = new TlsNamePolicy(['myhost.example', '.corp.test', '192.168.1.20', '10.1.2.3/16', 'fd00::/8']);
    const permitted = ['localhost', 'kv1.vault.localhost', '*.vault.localhost', '127.0.0.1', '127.255.0.9', '::1',
      'myhost.example', 'a.myhost.example', 'a.corp.test', '192.168.1.20', '10.1.200.3', 'fd12::1'];
    const refused = ['www.google.com', 'foolocalhost', 'localhost.example', 'xmyhost.example', 'corp.test',
      '192.168.1.21', '10.2.0.1', '::2', 'fe80::1', '8.8.8.8', '::ffff:127.0.0.1'];
    for (const name of permitted) expect(names.permits(name), name).toBe(true);
    for (const name of refused) expect(names.permits(name), name).toBe(false);
    // Names the local constraints already cover add nothing to the CA.
    expect(new TlsNamePolicy(['kv1.localhost', '.localhost', 'LOCALHOST', '127.0.0.1', '127.1.0.0/16', '::1']).extraNames).toEqual([]);
    expect(new TlsNamePolicy(['127.0.0.0/7', '::/0']).extraNames).toEqual(['126.0.0.0/7', '::/0']);
    expect(parseTlsName('10.1.2.3/16')).toEqual({ type: 'ip', address: '10.1.0.0', prefix: 16 });
    expect(parseTlsName('FD00:0:0::1/8')).toEqual({ type: 'ip', address: 'fd00::', prefix: 8 });
    expect(parseTlsName('2001:db8:0:0:1:0:0:1')).toEqual({ type: 'ip', address: '2001:db8::1:0:0:1', prefix: 128 });
  });

  it('is suggested when Kyanite listens on an address the CA cannot vouch for', () => {
    expect(listenAddressWarning('192.168.1.20')).toMatch(/listening on 192\.168\.1\.20.*--tls-name 192\.168\.1\.20/);
    expect(listenAddressWarning('192.168.1.20', ['192.168.1.0/24'])).toBeUndefined();
    for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost', '0.0.0.0', '::']) {
      expect(listenAddressWarning(host), host).toBeUndefined();
    }
  });
});
