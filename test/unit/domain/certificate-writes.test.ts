import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createPfx, createSelfSigned } from '../../../src/crypto/certificates/index.js';
import type { PrivateJwk } from '../../../src/crypto/jwk.js';
import { createRsaKeyPool } from '../../../src/crypto/rsa-pool.js';
import { createBackupService } from '../../../src/domain/backup.js';
import { createIssuerStore } from '../../../src/domain/certificates/issuers.js';
import { createCertificateService, type CertificateBody, type CertificateService } from '../../../src/domain/certificates/service.js';
import { createClock } from '../../../src/domain/clock.js';
import { createKeyService, type KeyBody } from '../../../src/domain/keys.js';
import { createLifecycle, type Lifecycle } from '../../../src/domain/lifecycle.js';
import { createSecretService, type SecretBody } from '../../../src/domain/secrets.js';
import { createVaultRegistry, DEFAULT_VAULT_PROPERTIES, type VaultContext } from '../../../src/domain/vaults.js';
import { openStore, type Store } from '../../../src/store/index.js';

/**
 * A certificate's key, secret and certificate rows are one unit of work: a write that fails in the middle leaves
 * nothing behind. Faults are injected by wrapping the real lifecycles (the store is real, in memory).
 */
type Fault = { method: string; kind: 'key' | 'secret' | 'certificate'; error: Error } | undefined;
let fault: Fault;
let store: Store;
const pool = createRsaKeyPool({ target: 0 });
afterEach(() => {
  fault = undefined;
  store.close();
});

/** The lifecycle with `fault` applied: the named method throws its error once armed. */
function faulty<B>(lifecycle: Lifecycle<B>): Lifecycle<B> {
  return new Proxy(lifecycle, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (fault && fault.kind === target.kind && fault.method === prop) throw fault.error;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function setup(): { certificates: CertificateService; vault: VaultContext; rows: (name: string) => unknown } {
  store = openStore();
  const clock = createClock();
  const vaults = createVaultRegistry(store, clock);
  vaults.save('v', { ...DEFAULT_VAULT_PROPERTIES });
  const backups = createBackupService(store.settings);
  const keys = createKeyService(faulty(createLifecycle<KeyBody>('key', store.objects, clock)), backups, pool, clock);
  const secrets = createSecretService(faulty(createLifecycle<SecretBody>('secret', store.objects, clock)), backups);
  const certificates = createCertificateService(
    faulty(createLifecycle<CertificateBody>('certificate', store.objects, clock)),
    keys,
    secrets,
    createIssuerStore(store.certificateDocuments, clock),
    backups,
    clock,
  );
  /** Every row the store holds for the name, by table and kind. */
  const rows = (name: string) => ({
    objects: store.db.prepare('SELECT kind, deleted_at IS NOT NULL AS deleted FROM objects WHERE name = ? ORDER BY kind').all(name),
    versions: store.db.prepare('SELECT kind, count(*) AS n FROM versions WHERE name = ? GROUP BY kind ORDER BY kind').all(name),
  });
  return { certificates, vault: vaults.context('v', 'https://v.vault.localhost'), rows };
}

const policy = { key_props: { kty: 'EC', crv: 'P-256' }, x509_props: { subject: 'CN=unit.example' }, issuer: { name: 'Self' } };
const diskFull = () => new Error('SQLITE_FULL: database or disk is full');

async function pfx(): Promise<string> {
  const jwk = { ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as PrivateJwk), kty: 'EC' as const };
  const cert = await createSelfSigned({ privateJwk: jwk, subject: 'CN=imported.example', validityMonths: 12 });
  return (await createPfx({ privateJwk: jwk, certDer: cert.der, chainDers: [] })).toString('base64');
}

describe('certificate writes are one unit of work', () => {
  it('an import whose last write fails leaves no key, secret or certificate behind', async () => {
    const { certificates, vault, rows } = setup();
    const value = await pfx();
    fault = { kind: 'certificate', method: 'setMeta', error: diskFull() };
    await expect(certificates.import(vault, 'imp', { value })).rejects.toThrow('SQLITE_FULL');
    expect(rows('imp')).toEqual({ objects: [], versions: [] });
    fault = undefined;
    await certificates.import(vault, 'imp', { value });
    expect(rows('imp')).toMatchObject({ versions: [{ kind: 'certificate', n: 1 }, { kind: 'key', n: 1 }, { kind: 'secret', n: 1 }] });
  });

  it('a self-signed create whose last write fails leaves nothing behind, a new version of an existing one included', async () => {
    const { certificates, vault, rows } = setup();
    fault = { kind: 'certificate', method: 'setMeta', error: diskFull() };
    await expect(certificates.create(vault, 'self', { policy })).rejects.toThrow('SQLITE_FULL');
    expect(rows('self')).toEqual({ objects: [], versions: [] });

    fault = undefined;
    await certificates.create(vault, 'self', { policy });
    const before = rows('self');
    const first = certificates.lifecycle.get(vault, 'self');
    fault = { kind: 'certificate', method: 'setMeta', error: diskFull() };
    await expect(certificates.create(vault, 'self', { policy })).rejects.toThrow('SQLITE_FULL');
    expect(rows('self')).toEqual(before);
    expect(certificates.lifecycle.get(vault, 'self').version).toBe(first.version);
    expect(certificates.policy(vault, 'self').issuer.name).toBe('Self');
  });

  it('delete, recover and purge move the key, secret and certificate together, or none of them', async () => {
    const { certificates, vault, rows } = setup();
    await certificates.create(vault, 'c', { policy });
    const live = rows('c');
    fault = { kind: 'secret', method: 'delete', error: diskFull() };
    expect(() => certificates.delete(vault, 'c')).toThrow('SQLITE_FULL');
    expect(rows('c')).toEqual(live);

    fault = undefined;
    certificates.delete(vault, 'c');
    const deleted = rows('c');
    expect(deleted).toMatchObject({ objects: [{ deleted: 1 }, { deleted: 1 }, { deleted: 1 }] });
    fault = { kind: 'secret', method: 'recover', error: diskFull() };
    expect(() => certificates.recover(vault, 'c')).toThrow('SQLITE_FULL');
    expect(rows('c')).toEqual(deleted);
    fault = { kind: 'key', method: 'purge', error: diskFull() };
    expect(() => certificates.purge(vault, 'c')).toThrow('SQLITE_FULL');
    expect(rows('c')).toEqual(deleted);

    fault = undefined;
    certificates.purge(vault, 'c');
    expect(rows('c')).toEqual({ objects: [], versions: [] });
  });

  it('two creates of one name at once: one starts the operation, the other is refused with 409 and writes nothing', async () => {
    const { certificates, vault, rows } = setup();
    const unknown = { policy: { ...policy, issuer: { name: 'Unknown' } } };
    const results = await Promise.allSettled([certificates.create(vault, 'twice', unknown), certificates.create(vault, 'twice', unknown)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409, code: 'Conflict' } });
    expect(rows('twice')).toEqual({
      objects: [{ kind: 'certificate', deleted: 0 }, { kind: 'key', deleted: 0 }],
      versions: [{ kind: 'certificate', n: 1 }, { kind: 'key', n: 1 }],
    });
  });

  it('recover and purge still pass over a managed part that was never made (a pending certificate has no secret)', async () => {
    const { certificates, vault, rows } = setup();
    await certificates.create(vault, 'p', { policy: { ...policy, issuer: { name: 'Unknown' } } });
    certificates.delete(vault, 'p');
    expect(certificates.recover(vault, 'p').body.pending).toBe(true);
    certificates.delete(vault, 'p');
    certificates.purge(vault, 'p');
    expect(rows('p')).toEqual({ objects: [], versions: [] });
  });
});
