import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CertificateClient } from '@azure/keyvault-certificates';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createPfx, createSelfSigned, toPemBundle } from '../../src/crypto/certificates/index.js';
import type { PrivateJwk } from '../../src/crypto/jwk.js';
import type { Config } from '../../src/server/config.js';
import { startServer, type RunningKyanite } from '../../src/server/kyanite.js';
import { loopbackLookup, staticCredential } from '../helpers/server.js';

/**
 * --seed and export end to end: a seed file (JSON and YAML) applied at start and read back through the SDKs,
 * restarts with the same file adding nothing, and an export seeded into a fresh Kyanite reproducing the same values,
 * key material and certificates. In-process servers for the round trips; the built command for the CLI paths.
 */
const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist/server/main.js');
const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-seed-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const TENANT = '00000000-0000-0000-0000-000000000000';
const READER = '11111111-2222-3333-4444-555555555555';

/** Key and certificate material made outside Kyanite, as a user's seed would bring it. */
async function outsideMaterial() {
  const ecJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as PrivateJwk;
  const certKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as PrivateJwk;
  const cert = await createSelfSigned({ privateJwk: { ...certKey, kty: 'EC' }, subject: 'CN=imported.example', validityMonths: 12 });
  const bundle = { privateJwk: { ...certKey, kty: 'EC' }, certDer: cert.der, chainDers: [] };
  const pfx = (await createPfx({ ...bundle, password: 's3cret' })).toString('base64');
  return { ecJwk: { ...ecJwk, kty: 'EC' }, certDer: cert.der, pfx, pem: toPemBundle(bundle) };
}

type Material = Awaited<ReturnType<typeof outsideMaterial>>;

function seedDocument(m: Material, dbPassword: string) {
  return {
    vaults: [
      {
        name: 'app',
        softDeleteRetentionInDays: 7,
        accessPolicies: [{ tenantId: TENANT, objectId: READER, permissions: { secrets: ['get', 'list'] } }],
        secrets: [
          { name: 'db-password', value: dbPassword, contentType: 'text/plain', tags: { env: 'dev' } },
          { name: 'switched-off', value: 'hidden', enabled: false },
        ],
        keys: [
          { name: 'signing', kty: 'RSA', size: 2048, key_ops: ['sign', 'verify'] },
          { name: 'ec-made', kty: 'EC', curve: 'P-384' },
          { name: 'ec-brought', jwk: m.ecJwk, tags: { origin: 'outside' } },
        ],
        certificates: [
          { name: 'web', policy: { x509_props: { subject: 'CN=web.example', sans: { dns_names: ['web.example'] } }, key_props: { kty: 'EC', crv: 'P-256' } } },
          { name: 'locked', policy: { x509_props: { subject: 'CN=locked.example' }, key_props: { kty: 'EC', exportable: false } } },
          { name: 'from-pfx', pfx: m.pfx, password: 's3cret' },
          { name: 'from-pem', pem: m.pem },
        ],
      },
    ],
  };
}

interface Running {
  k: RunningKyanite;
  secrets(vault?: string): SecretClient;
  keys(vault?: string): KeyClient;
  certificates(vault?: string): CertificateClient;
  cryptography(keyId: string): CryptographyClient;
  stop(): Promise<void>;
}

async function boot(overrides: Partial<Config>): Promise<Running> {
  const config: Config = { port: 0, host: '127.0.0.1', dataDir: tmp(), inMemory: true, vaults: ['default'], auth: 'any', logLevel: 'silent', ...overrides };
  const k = await startServer(config, { ephemeralTls: true });
  const agent = new https.Agent({ ca: k.caPem!, lookup: loopbackLookup, keepAlive: true });
  const url = (vault: string) => `https://${vault}.vault.localhost:${k.port}`;
  const options = { agent, retryOptions: { maxRetries: 0 } };
  return {
    k,
    secrets: (vault = 'app') => new SecretClient(url(vault), staticCredential, options),
    keys: (vault = 'app') => new KeyClient(url(vault), staticCredential, options),
    certificates: (vault = 'app') => new CertificateClient(url(vault), staticCredential, options),
    cryptography: (keyId) => new CryptographyClient(keyId, staticCredential, options),
    async stop() {
      agent.destroy();
      await k.stop();
    },
  };
}

const writeSeed = (doc: unknown, format: 'json' | 'yaml' = 'json') => {
  const file = path.join(tmp(), `seed.${format}`);
  fs.writeFileSync(file, format === 'yaml' ? YAML.stringify(doc) : JSON.stringify(doc));
  return file;
};

/** How many versions each object of vault `app` has, by kind and name. */
async function versionCounts(r: Running): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = async (label: string, versions: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of versions) n++;
    counts[label] = n;
  };
  for await (const s of r.secrets().listPropertiesOfSecrets()) await count(`secret/${s.name}`, r.secrets().listPropertiesOfSecretVersions(s.name));
  for await (const k of r.keys().listPropertiesOfKeys()) await count(`key/${k.name}`, r.keys().listPropertiesOfKeyVersions(k.name));
  for await (const c of r.certificates().listPropertiesOfCertificates()) await count(`certificate/${c.name}`, r.certificates().listPropertiesOfCertificateVersions(c.name!));
  return counts;
}

const exportOf = async (r: Running, format = 'json') => {
  const res = await r.k.app.inject({ method: 'GET', url: `/_kyanite/export?format=${format}` });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.body;
};

describe('--seed', () => {
  let material: Material;
  const dataDir = tmp();
  let seedFile: string;
  let first: Running | undefined;

  beforeAll(async () => {
    material = await outsideMaterial();
    seedFile = writeSeed(seedDocument(material, 'hunter2'));
    first = await boot({ inMemory: false, dataDir, seed: seedFile });
  });
  afterAll(async () => first?.stop());

  it('creates the vault with its settings and access policies', async () => {
    const vault = first!.k.domain.vaults.find('app')!;
    expect(vault.properties.softDeleteRetentionInDays).toBe(7);
    expect(vault.properties['accessPolicies']).toEqual([{ tenantId: TENANT, objectId: READER, permissions: { secrets: ['get', 'list'] } }]);
    const secret = await first!.secrets().getSecret('db-password');
    expect(secret.properties.recoveryLevel).toBe('CustomizedRecoverable+Purgeable');
    expect(secret.properties.recoverableDays).toBe(7);
  });

  it('sets the secrets with their content type, tags and enabled flag', async () => {
    const secret = await first!.secrets().getSecret('db-password');
    expect(secret.value).toBe('hunter2');
    expect(secret.properties.contentType).toBe('text/plain');
    expect(secret.properties.tags).toEqual({ env: 'dev' });
    const off = await first!.secrets().listPropertiesOfSecretVersions('switched-off').next();
    expect(off.value.enabled).toBe(false);
  });

  it('generates and imports the keys', async () => {
    const signing = await first!.keys().getKey('signing');
    expect(signing.keyType).toBe('RSA');
    expect(signing.key?.n?.length).toBe(256);
    expect(signing.keyOperations).toEqual(['sign', 'verify']);
    expect((await first!.keys().getKey('ec-made')).key?.crv).toBe('P-384');
    const brought = await first!.keys().getKey('ec-brought');
    expect(Buffer.from(brought.key!.x!).toString('base64url')).toBe(material.ecJwk.x);
    expect(Buffer.from(brought.key!.y!).toString('base64url')).toBe(material.ecJwk.y);
    expect(brought.properties.tags).toEqual({ origin: 'outside' });
  });

  it('issues the self-signed certificates and imports the PFX and PEM ones', async () => {
    const web = await first!.certificates().getCertificate('web');
    expect(new X509Certificate(web.cer!).subject).toBe('CN=web.example');
    expect((await first!.certificates().getCertificatePolicy('web')).subjectAlternativeNames?.dnsNames).toEqual(['web.example']);
    for (const name of ['from-pfx', 'from-pem']) {
      expect(Buffer.from((await first!.certificates().getCertificate(name)).cer!)).toEqual(material.certDer);
    }
  });

  it('adds nothing on a restart with the same file, and one version for a changed secret value', async () => {
    const before = await versionCounts(first!);
    // 2 secrets, 3 keys, 4 certificates, and the key and secret behind each certificate.
    expect(Object.keys(before)).toHaveLength(17);
    await first!.stop();
    first = await boot({ inMemory: false, dataDir, seed: seedFile });
    expect(await versionCounts(first)).toEqual(before);

    await first.stop();
    first = await boot({ inMemory: false, dataDir, seed: writeSeed(seedDocument(material, 'hunter3')) });
    expect(await versionCounts(first)).toEqual({ ...before, 'secret/db-password': before['secret/db-password']! + 1 });
    expect((await first.secrets().getSecret('db-password')).value).toBe('hunter3');
  });

  it('reads YAML seeds too', async () => {
    const yaml = [
      'vaults:',
      '  - name: from-yaml',
      '    enablePurgeProtection: true',
      '    secrets:',
      '      - name: greeting',
      '        value: "hello: world"',
      '        tags: { lang: en }',
      '    keys:',
      '      - name: wrapping',
      '        kty: oct',
      '        size: 256',
      '',
    ].join('\n');
    const file = path.join(tmp(), 'seed.yml');
    fs.writeFileSync(file, yaml);
    const r = await boot({ seed: file });
    try {
      const secret = await r.secrets('from-yaml').getSecret('greeting');
      expect(secret.value).toBe('hello: world');
      expect(secret.properties.recoveryLevel).toBe('Recoverable');
      expect((await r.keys('from-yaml').getKey('wrapping')).keyType).toBe('oct');
    } finally {
      await r.stop();
    }
  });

  it('exports a sensitive document that reproduces the state in an empty Kyanite', async () => {
    const doc = JSON.parse(await exportOf(first!));
    expect(doc.sensitive).toBe(true);
    expect(doc.warning).toMatch(/private/);
    expect(YAML.parse(await exportOf(first!, 'yaml'))).toEqual(doc);
    const app = doc.vaults.find((v: { name: string }) => v.name === 'app');
    expect(app.softDeleteRetentionInDays).toBe(7);
    expect(app.accessPolicies).toHaveLength(1);

    const copy = await boot({ seed: writeSeed(doc, 'yaml') });
    try {
      /** The same read on the original and on the copy. */
      const both = async <T>(read: (r: Running) => Promise<T>) => ({ original: await read(first!), copied: await read(copy) });
      for (const name of ['db-password', 'switched-off']) {
        const { original, copied } = await both(async (r) => {
          const latest = (await r.secrets().listPropertiesOfSecretVersions(name).next()).value;
          return { enabled: latest.enabled, value: latest.enabled ? (await r.secrets().getSecret(name)).value : undefined, tags: latest.tags };
        });
        expect(copied).toEqual(original);
      }
      for (const name of ['signing', 'ec-made', 'ec-brought']) {
        const { original, copied } = await both((r) => r.keys().getKey(name));
        expect(copied.key?.n ?? copied.key?.x).toEqual(original.key?.n ?? original.key?.x);
        expect(copied.keyOperations).toEqual(original.keyOperations);
      }
      // The material is the same, not only the public half: a signature made by the copy verifies with the original.
      const digest = Buffer.alloc(32, 7);
      const signature = await copy.cryptography((await copy.keys().getKey('signing')).id!).sign('RS256', digest);
      const check = await first!.cryptography((await first!.keys().getKey('signing')).id!).verify('RS256', digest, signature.result);
      expect(check.result).toBe(true);
      for (const name of ['web', 'locked', 'from-pfx', 'from-pem']) {
        const { original, copied } = await both((r) => r.certificates().getCertificate(name));
        expect(Buffer.from(copied.cer!)).toEqual(Buffer.from(original.cer!));
      }
      expect((await copy.certificates().getCertificatePolicy('locked')).exportable).toBe(false);
    } finally {
      await copy.stop();
    }
  });

  it('`kyanite export` writes the document the admin route serves', async () => {
    const viaRoute = JSON.parse(await exportOf(first!));
    const out = path.join(tmp(), 'export.yaml');
    const res = spawnSync(process.execPath, [main, 'export', '--data-dir', dataDir, '--out', out], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const viaCommand = YAML.parse(fs.readFileSync(out, 'utf8'));
    expect(viaCommand).toEqual(viaRoute);
  });
});

describe('the kyanite command with --seed', () => {
  it('starts with a YAML seed and serves what it declares', async () => {
    const dir = tmp();
    const file = path.join(dir, 'seed.yaml');
    fs.writeFileSync(file, YAML.stringify({ vaults: [{ name: 'cli-vault', secrets: [{ name: 'token', value: 'abc' }] }] }));
    const child = spawn(process.execPath, [main, '--port', '0', '--in-memory', '--data-dir', dir, '--seed', file, '--log-level', 'warn'], { cwd: root });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const m = /https:\/\/localhost:(\d+) \(listening/.exec(text);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`kyanite exited with ${code}`)));
      });
      const agent = new https.Agent({ ca: fs.readFileSync(path.join(dir, 'tls', 'ca.pem')), lookup: loopbackLookup });
      const client = new SecretClient(`https://cli-vault.vault.localhost:${port}`, staticCredential, { agent, retryOptions: { maxRetries: 0 } });
      expect((await client.getSecret('token')).value).toBe('abc');
      agent.destroy();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses a seed that turns off purge protection the vault has, as an ARM PUT would, and leaves it on', async () => {
    const dataDir = tmp();
    const protectedVault = { vaults: [{ name: 'locked', enablePurgeProtection: true, secrets: [{ name: 's', value: 'v' }] }] };
    const running = await boot({ inMemory: false, dataDir, seed: writeSeed(protectedVault) });
    await running.stop();
    const weaker = writeSeed({ vaults: [{ name: 'locked', enablePurgeProtection: false }] });
    const refused = boot({ inMemory: false, dataDir, seed: weaker });
    await expect(refused).rejects.toThrow(
      `Invalid --seed file ${weaker}: vaults[0] (locked): The property "enablePurgeProtection" cannot be set to false. ` +
        'Enabling purge protection for a vault is an irreversible action.',
    );
    // The vault still has purge protection: a deleted secret cannot be purged.
    const again = await boot({ inMemory: false, dataDir, seed: writeSeed(protectedVault) });
    try {
      await (await again.secrets('locked').beginDeleteSecret('s')).pollUntilDone();
      await expect(again.secrets('locked').purgeDeletedSecret('s')).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      await again.stop();
    }
  });

  it('refuses a bad seed with a message naming the file and the entry', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ vaults: [{ name: 'app', secrets: [{ name: 'ok', value: 'x' }, { name: 'broken', value: 42 }] }] }));
    const res = spawnSync(process.execPath, [main, '--port', '0', '--in-memory', '--data-dir', dir, '--seed', file], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(file);
    expect(res.stderr).toContain('vaults[0] (app).secrets[1] (broken)');
    expect(res.stderr).toContain("'value' must be a string");
  });

  it('refuses a domain rule broken by an entry (a bad key size), naming the entry', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, YAML.stringify({ vaults: [{ name: 'app', keys: [{ name: 'odd', kty: 'RSA', size: 1000 }] }] }));
    const res = spawnSync(process.execPath, [main, '--port', '0', '--in-memory', '--data-dir', dir, '--seed', file], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${file}: vaults[0] (app).keys[0] (odd): Unsupported key size (1000). Supported sizes are [2048, 3072, 4096]`);
  });
});
