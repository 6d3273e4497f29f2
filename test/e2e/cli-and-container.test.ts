import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLAGS, envName } from '../../src/server/config.js';

/**
 * The `kyanite` command and the container's entry points, run as processes. No Docker engine runs here, so the
 * image's CMD, ENV and HEALTHCHECK are read from the Dockerfile and run directly, the way the container would.
 */
const root = path.resolve(import.meta.dirname, '../..');
// What `npm start`, the `kyanite` bin and the container run: the bundle (scripts/bundle.mjs).
const main = path.join(root, 'dist/bundle/kyanite.mjs');
const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-cli-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

describe('kyanite command', () => {
  it('--help lists every flag with its env var and default', () => {
    const res = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    for (const f of FLAGS) {
      expect(res.stdout).toContain(`--${f.flag}`);
      expect(res.stdout).toContain(envName(f.flag));
    }
    expect(res.stdout).toContain('default 8443');
  });

  it('hosts prints /etc/hosts lines for vault names', () => {
    const res = spawnSync(process.execPath, [main, 'hosts', 'kv1', 'Orders'], { encoding: 'utf8' });
    expect(res.stdout).toContain('127.0.0.1 kv1.vault.localhost orders.vault.localhost');
  });

  it('trust makes the CA if needed and prints the env lines for each client', () => {
    const dir = tmp();
    const res = spawnSync(process.execPath, [main, 'trust', '--data-dir', dir], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    const ca = path.join(dir, 'tls', 'ca.pem');
    expect(fs.existsSync(ca)).toBe(true);
    for (const line of [`NODE_EXTRA_CA_CERTS=${ca}`, `REQUESTS_CA_BUNDLE=${ca}`, `SSL_CERT_FILE=${ca}`]) {
      expect(res.stdout).toContain(line);
    }
    // Java: the keytool import of this CA and the JVM flags that use its truststore (test/e2e/lang.java.test.ts runs them).
    const lines = res.stdout.split('\n');
    expect(lines).toContain(`keytool -importcert -noprompt -alias kyanite -file ${ca} -keystore kyanite-truststore.p12 -storetype PKCS12 -storepass changeit`);
    expect(lines).toContain(
      'export JAVA_TOOL_OPTIONS="-Djavax.net.ssl.trustStore=$PWD/kyanite-truststore.p12 -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit"',
    );
  });

  it('refuses a bad flag with a message naming the flag and its variable', () => {
    const res = spawnSync(process.execPath, [main, '--auth', 'maybe'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--auth (KYANITE_AUTH)');
  });
});

describe('the container entry points, run directly', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

  it('has an exec-form CMD and HEALTHCHECK, a non-root user, a data volume and 0.0.0.0:8443', () => {
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/bundle\/kyanite\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["node", "docker\/healthcheck\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
    expect(dockerfile).toContain('KYANITE_HOST=0.0.0.0');
    expect(dockerfile).toContain('KYANITE_PORT=8443');
    // Its clients come from the container network; the compose file publishes the port on the host's loopback only.
    expect(dockerfile).toContain('KYANITE_ALLOW_REMOTE=true');
    expect(fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8')).toMatch(/^\s+- "127\.0\.0\.1:8443:8443"$/m);
    expect(readme).toContain('docker run -p 127.0.0.1:8443:8443');
  });

  it('builds and runs on a supported Node LTS, never an end-of-life one (20 or older), the same in every stage', () => {
    const compose = fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8');
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm), ...compose.matchAll(/^\s+image: (node:\S+)/gm)].map((m) => m[1]!);
    expect(images).toHaveLength(3); // build stage, runtime stage, the compose file's app
    const majors = images.map((image) => Number(/^node:(\d+)-bookworm-slim$/.exec(image)?.[1]));
    for (const [i, major] of majors.entries()) {
      expect(major, images[i]).toBeGreaterThanOrEqual(22);
      expect(major % 2, `${images[i]}: odd majors never become LTS`).toBe(0);
    }
    // better-sqlite3's native module is compiled in the build stage for that Node's ABI and loaded in the runtime one.
    expect(majors[1]).toBe(majors[0]);
    const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toContain(`^${majors[0]}.`);
  });

  it('warns at start on 0.0.0.0: protected mode without --allow-remote, an open door with it', async () => {
    for (const [allow, expected] of [
      ['false', /Protected mode: .*0\.0\.0\.0.*--allow-remote/s],
      ['true', /every client that reaches this address can read every secret/],
    ] as const) {
      const env = { ...process.env, KYANITE_HOST: '0.0.0.0', KYANITE_PORT: '0', KYANITE_DATA_DIR: tmp(), KYANITE_ALLOW_REMOTE: allow, KYANITE_LOG_LEVEL: 'silent' };
      const server = spawn(process.execPath, [main], { cwd: root, env });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (/Vault hosts other than localhost/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
      expect(out).toMatch(expected);
    }
  });

  it('serves, passes its healthcheck, and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      ...process.env,
      KYANITE_HOST: '0.0.0.0',
      KYANITE_PORT: String(port),
      KYANITE_DATA_DIR: tmp(),
      KYANITE_ALLOW_REMOTE: 'true',
      KYANITE_LOG_LEVEL: 'warn',
    };
    const server: ChildProcess = spawn(process.execPath, [main], { cwd: root, env });
    const health = () => spawnSync(process.execPath, [path.join(root, 'docker/healthcheck.mjs')], { env, encoding: 'utf8' }).status;
    let healthy = 1;
    for (let i = 0; i < 100 && healthy !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      healthy = health() ?? 1;
    }
    expect(healthy).toBe(0);
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    const started = Date.now();
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(health()).toBe(1);
  });
});
