import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTls } from '../../src/server/tls.js';
import { mintLeaf } from '../helpers/local-ca.js';

/**
 * Go's crypto/x509 is the strictest common client about name constraints: it refuses a CA whose constraints it
 * cannot parse (an IP constraint of the wrong length, a mask that is not a prefix) and enforces them on every SAN.
 * This runs ca-constraints-go/main.go (standard library only) against Kyanite's CA, its leaves and leaves minted with
 * its key.
 */
const PROGRAM = path.join(import.meta.dirname, 'ca-constraints-go/main.go');
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const GO_MISSING = 'no `go` on PATH: apt-get install -y --no-install-recommends golang-go';
if (!hasGo && process.env.CI !== 'true') console.warn(`ca-constraints.go.test.ts skipped: ${GO_MISSING}`);

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

// Under CI a missing Go fails the test (below) rather than skipping it.
describe.skipIf(!hasGo && process.env.CI !== 'true')("Go's crypto/x509 and the local CA", () => {
  it('accepts the leaves Kyanite issues and refuses leaves minted with its key for other names', async () => {
    if (!hasGo) throw new Error(GO_MISSING);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-ca-go-'));
    dirs.push(dir);
    const material = await loadTls({ dataDir: dir, tlsNames: ['myhost.example', '192.168.1.20'] });
    const caKeyPem = fs.readFileSync(path.join(dir, 'tls', 'ca-key.pem'), 'utf8');
    const pairs: string[] = [];
    const add = (name: string, certPem: string) => {
      const file = path.join(dir, `leaf-${pairs.length}.pem`);
      fs.writeFileSync(file, certPem);
      pairs.push(`${name}=${file}`);
    };
    // Kyanite's own leaves, checked for each name a client uses (the localhost leaf for clients that send no SNI).
    const localhost = (await material.issue('localhost')).certPem;
    for (const name of ['localhost', '127.0.0.1', '::1', '192.168.1.20']) add(name, localhost);
    const vault = (await material.issue('kv1.vault.localhost')).certPem;
    for (const name of ['kv1.vault.localhost', 'kv2.vault.localhost']) add(name, vault);
    add('kv1.myhost.example', (await material.issue('kv1.myhost.example')).certPem);
    // Leaves minted with the CA key outside Kyanite, complete but for names it may not vouch for.
    add('www.google.com', (await mintLeaf(material.caPem!, caKeyPem, 'www.google.com')).certPem);
    add('foolocalhost', (await mintLeaf(material.caPem!, caKeyPem, 'foolocalhost')).certPem);
    add('8.8.8.8', (await mintLeaf(material.caPem!, caKeyPem, '8.8.8.8', 'ip')).certPem);
    add('::2', (await mintLeaf(material.caPem!, caKeyPem, '::2', 'ip')).certPem);
    // The same minting for a permitted name passes: what Go holds against the others is the name alone.
    add('x.localhost', (await mintLeaf(material.caPem!, caKeyPem, 'x.localhost')).certPem);

    const { stdout } = await promisify(execFile)('go', ['run', PROGRAM, material.caPath!, ...pairs], {
      cwd: dir,
      // Offline: no module, no proxy, no toolchain download; the build cache stays where Go keeps it.
      env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '', GOPROXY: 'off', GOTOOLCHAIN: 'local' },
      timeout: 120_000,
    });
    const verdicts = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => [line.split(' ')[0]!, line.slice(line.indexOf(' ') + 1)]),
    );
    for (const name of ['localhost', '127.0.0.1', '::1', '192.168.1.20', 'kv1.vault.localhost', 'kv2.vault.localhost',
      'kv1.myhost.example', 'x.localhost']) {
      expect(verdicts[name], name).toBe('ok');
    }
    for (const name of ['www.google.com', 'foolocalhost', '8.8.8.8', '::2']) {
      expect(verdicts[name], name).toMatch(/^refused: .*is not permitted by any constraint/);
    }
  }, 150_000);
});
