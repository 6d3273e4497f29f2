import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's quick start, run as a user would: the built `kyanite` command as its own process with a data dir,
 * the CA it prints trusted through NODE_EXTRA_CA_CERTS, and the README's JavaScript block run unmodified except for
 * the port (port 0 avoids clashing with anything on 8443).
 */
const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let server: ChildProcess;
let port: number;
let banner = '';

function readSnippet(name: string): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- snippet:${name}[^>]*-->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README has no snippet ${name}`);
  return match[1]!;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-readme-'));
  server = spawn(process.execPath, ['dist/bundle/kyanite.mjs', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { cwd: root });
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${banner}`)), 30_000);
    server.stdout!.on('data', (d) => {
      banner += d;
      const m = /https:\/\/localhost:(\d+) \(listening/.exec(banner);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    server.on('exit', (code) => reject(new Error(`kyanite exited with ${code}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('README quick start', () => {
  it('prints the URL, the CA path and the env lines to trust it', () => {
    const caPath = path.join(dataDir, 'tls', 'ca.pem');
    expect(banner).toContain(`https://localhost:${port}`);
    expect(banner).toContain(`NODE_EXTRA_CA_CERTS=${caPath}`);
    expect(banner).toContain(`REQUESTS_CA_BUNDLE=${caPath}`);
    expect(fs.existsSync(caPath)).toBe(true);
  });

  it('serves health over HTTPS', async () => {
    const res = await run(process.execPath, ['-e', `fetch('https://127.0.0.1:${port}/_kyanite/health').then(r => r.text()).then(console.log)`], {
      ...process.env,
      NODE_EXTRA_CA_CERTS: path.join(dataDir, 'tls', 'ca.pem'),
    });
    expect(res.out.trim()).toBe('{"status":"ok"}');
  });

  it('runs the JavaScript snippet as printed', async () => {
    const snippet = readSnippet('js-secrets').replaceAll('https://localhost:8443', `https://localhost:${port}`);
    const file = path.join(root, 'test', 'e2e', `.readme-snippet-${process.pid}.mjs`);
    fs.writeFileSync(file, snippet);
    try {
      const res = await run(process.execPath, [file], { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dataDir, 'tls', 'ca.pem') });
      expect(res.err).toBe('');
      expect(res.out.trim()).toBe('hello from Kyanite');
      expect(res.code).toBe(0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
