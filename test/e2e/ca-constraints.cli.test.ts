import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { x509 } from '../../src/crypto/x509-lib.js';
import { writeUnconstrainedTlsDir } from '../helpers/local-ca.js';

/**
 * The local CA's constraints through the built `kyanite` command (npm run build first): `--tls-name` reaches the CA
 * and the SNI check, an old unconstrained CA in a data dir is replaced once with a warning in the log (and on stderr
 * from `kyanite trust`), and a restart keeps the new one quietly.
 */
const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist/bundle/kyanite.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map(stop));
  dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
});

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-ca-cli-'));
  dirs.push(dir);
  return dir;
};

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** Starts `kyanite` on port 0 and resolves once its banner is out, with its port and everything it wrote so far. */
async function start(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [main, '--port', '0', '--log-level', 'warn', ...args], { cwd: root });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /https:\/\/localhost:(\d+) \(listening/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`kyanite exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

/** Node's verdict on a handshake with SNI `servername`, trusting only `ca`: undefined when it verified. */
function verdict(port: number, ca: string, servername: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: false }, () => {
      const error = socket.authorizationError as unknown as string | Error | null;
      resolve(socket.authorized ? undefined : typeof error === 'string' ? error : (error?.message ?? 'unauthorized'));
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** The JSON log lines at level warn (40) in `output`. */
const warnings = (output: string): string[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level === 40)
    .map((entry) => entry.msg);

const pathLength = (caPem: string) => new x509.X509Certificate(caPem).getExtension(x509.BasicConstraintsExtension)?.pathLength;

describe('the local CA through the kyanite command', () => {
  it('replaces an unconstrained CA once, logs why, and keeps the new one at the next start', async () => {
    const dataDir = tempDir();
    const old = await writeUnconstrainedTlsDir(dataDir);
    const caPath = path.join(dataDir, 'tls', 'ca.pem');

    const first = await start(['--data-dir', dataDir]);
    const replaced = warnings(first.output()).filter((msg) => msg.startsWith('replaced the local CA'));
    expect(replaced, first.output()).toHaveLength(1);
    expect(replaced[0]).toMatch(/CN=Kyanite Local CA 0ld0ca00\) has no name constraints.*run `kyanite trust` again/);
    const newCa = fs.readFileSync(caPath, 'utf8');
    expect(newCa).not.toBe(old.ca.certPem);
    expect(pathLength(newCa)).toBe(0);
    expect(await verdict(first.port, newCa, 'kv1.vault.localhost')).toBeUndefined();
    // A name the CA may not vouch for gets the localhost leaf, and the log says what to do.
    expect(await verdict(first.port, newCa, 'www.google.com')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await expect.poll(() => warnings(first.output()).some((msg) => msg.includes('--tls-name www.google.com'))).toBe(true);
    await stop(first.child);

    const second = await start(['--data-dir', dataDir]);
    expect(warnings(second.output())).toEqual([]);
    expect(fs.readFileSync(caPath, 'utf8')).toBe(newCa);
    expect(await verdict(second.port, newCa, 'localhost')).toBeUndefined();
    await stop(second.child);
  }, 90_000);

  it('kyanite trust replaces it too (on stderr) with the --tls-name names, which kyanite then keeps and serves', async () => {
    const dataDir = tempDir();
    await writeUnconstrainedTlsDir(dataDir);
    const trust = spawnSync(process.execPath, [main, 'trust', '--data-dir', dataDir, '--tls-name', 'myhost.example'], {
      encoding: 'utf8',
    });
    expect(trust.status, trust.stderr).toBe(0);
    expect(trust.stderr).toMatch(/^kyanite: warning: replaced the local CA: .*has no name constraints.*can vouch only for localhost, 127\.0\.0\.0\/8, ::1, myhost\.example\./);
    const caPath = path.join(dataDir, 'tls', 'ca.pem');
    expect(trust.stdout).toContain(`NODE_EXTRA_CA_CERTS=${caPath}`);
    const ca = fs.readFileSync(caPath, 'utf8');

    const server = await start(['--data-dir', dataDir, '--tls-name', 'myhost.example']);
    expect(warnings(server.output())).toEqual([]);
    expect(fs.readFileSync(caPath, 'utf8')).toBe(ca);
    for (const name of ['myhost.example', 'kv1.myhost.example', 'localhost']) {
      expect(await verdict(server.port, ca, name), name).toBeUndefined();
    }
    expect(pathLength(ca)).toBe(0);
    expect(await verdict(server.port, ca, 'other.example')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    await stop(server.child);
  }, 90_000);
});
