import { createHash, createPublicKey, constants, publicEncrypt, randomBytes, verify as nodeVerify, type JsonWebKey as NodeJwk } from 'node:crypto';
import { CryptographyClient, KeyClient, type KeyVaultKey } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, staticCredential, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

const options = () => ({ agent: server.agent, retryOptions: { maxRetries: 0 } });
const keyClient = () => new KeyClient(server.vaultUrl('kv1'), staticCredential, options());
/** A CryptographyClient built from a key id: sign, decrypt and unwrap go to Kyanite, the rest runs locally. */
const cryptoClient = (key: KeyVaultKey) => new CryptographyClient(key.id!, staticCredential, options());

function nodeKey(key: KeyVaultKey) {
  const jwk = key.key!;
  const b = (u?: Uint8Array) => (u ? Buffer.from(u).toString('base64url') : undefined);
  const kty = String(jwk.kty).replace('-HSM', '');
  const node: Record<string, unknown> = { kty };
  if (kty === 'RSA') Object.assign(node, { n: b(jwk.n), e: b(jwk.e) });
  else Object.assign(node, { crv: jwk.crv === 'P-256K' ? 'secp256k1' : jwk.crv, x: b(jwk.x), y: b(jwk.y) });
  return createPublicKey({ key: node as NodeJwk, format: 'jwk' });
}

describe('@azure/keyvault-keys KeyClient on kv1.vault.localhost (challenge verification on)', () => {
  it('creates RSA, EC and oct keys, gets them and lists them with versions', async () => {
    const c = keyClient();
    const rsa = await c.createRsaKey('rsa1', { keySize: 3072, tags: { a: 'b' } });
    expect(rsa.keyType).toBe('RSA');
    expect(rsa.key!.n!.length).toBe(384);
    expect(rsa.key!.d).toBeUndefined();
    const hsm = await c.createRsaKey('rsa1', { hsm: true });
    expect(hsm.keyType).toBe('RSA-HSM');
    const ec = await c.createEcKey('ec1', { curve: 'P-384' });
    expect(ec.key!.crv).toBe('P-384');
    const oct = await c.createOctKey('oct1', { hsm: true, keySize: 256 });
    expect(oct.keyType).toBe('oct-HSM');
    expect((await c.getKey('rsa1', { version: rsa.properties.version! })).properties.tags).toEqual({ a: 'b' });
    const names: string[] = [];
    for await (const p of c.listPropertiesOfKeys()) names.push(p.name);
    expect(names).toEqual(expect.arrayContaining(['rsa1', 'ec1', 'oct1']));
    const versions: string[] = [];
    for await (const v of c.listPropertiesOfKeyVersions('rsa1')) versions.push(v.version!);
    expect(versions).toHaveLength(2);
  });

  it('imports, updates, rotates, sets a rotation policy and gets random bytes', async () => {
    const c = keyClient();
    const imported = await c.importKey('imp1', { kty: 'oct', k: randomBytes(32), keyOps: ['encrypt', 'decrypt'] });
    expect(imported.keyOperations).toEqual(['encrypt', 'decrypt']);
    const updated = await c.updateKeyProperties('imp1', imported.properties.version!, { enabled: false, tags: { u: '1' } });
    expect(updated.properties.enabled).toBe(false);
    const k = await c.createEcKey('rot1');
    const rotated = await c.rotateKey('rot1');
    expect(rotated.properties.version).not.toBe(k.properties.version);
    const policy = await c.updateKeyRotationPolicy('rot1', {
      lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P30D' }],
      expiresIn: 'P90D',
    });
    expect(policy.expiresIn).toBe('P90D');
    expect((await c.getKeyRotationPolicy('rot1')).lifetimeActions?.[0]).toMatchObject({ action: 'Rotate', timeAfterCreate: 'P30D' });
    expect(await c.getRandomBytes(16)).toHaveLength(16);
  });

  it('deletes and recovers with pollers, purges, backs up and restores', async () => {
    const c = keyClient();
    await c.createEcKey('del1');
    const deleted = await (await c.beginDeleteKey('del1')).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${server.vaultUrl('kv1')}/deletedkeys/del1`);
    expect((await c.getDeletedKey('del1')).name).toBe('del1');
    const deletedNames: string[] = [];
    for await (const d of c.listDeletedKeys()) deletedNames.push(d.name);
    expect(deletedNames).toContain('del1');
    await (await c.beginRecoverDeletedKey('del1')).pollUntilDone();
    const blob = await c.backupKey('del1');
    await (await c.beginDeleteKey('del1')).pollUntilDone();
    await c.purgeDeletedKey('del1');
    const restored = await c.restoreKeyBackup(blob!);
    expect(restored.name).toBe('del1');
  });
});

const SIGN_CASES = [
  ['RS256', 'RSA', undefined, 'sha256'],
  ['PS384', 'RSA', undefined, 'sha384'],
  ['ES256', 'EC', 'P-256', 'sha256'],
  ['ES384', 'EC', 'P-384', 'sha384'],
  ['ES512', 'EC', 'P-521', 'sha512'],
  ['ES256K', 'EC', 'P-256K', 'sha256'],
] as const;

describe('CryptographyClient from a key id, checked by node:crypto', () => {
  it.each(SIGN_CASES)('%s: the service signs, node:crypto verifies', async (alg, kty, crv, hash) => {
    const c = keyClient();
    const key = kty === 'RSA' ? await c.createRsaKey(`sig-${alg}`) : await c.createEcKey(`sig-${alg}`, { curve: crv! });
    const message = Buffer.from(`message for ${alg}`);
    const digest = createHash(hash).update(message).digest();
    const signed = await cryptoClient(key).sign(alg, digest);
    const verifyKey = nodeKey(key);
    const opts = alg.startsWith('PS')
      ? { key: verifyKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
      : alg.startsWith('ES') ? { key: verifyKey, dsaEncoding: 'ieee-p1363' as const } : verifyKey;
    expect(nodeVerify(hash, message, opts, signed.result)).toBe(true);
    expect((await cryptoClient(key).verify(alg, digest, signed.result)).result).toBe(true);
  });

  it.each(['RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256'] as const)('%s: node:crypto encrypts, the service decrypts and unwraps', async (alg) => {
    const key = await keyClient().createRsaKey(`enc-${alg.replace('_', '-')}`);
    const plaintext = randomBytes(32);
    const padding = alg === 'RSA1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING;
    const ciphertext = publicEncrypt({ key: nodeKey(key), padding, ...(alg === 'RSA-OAEP-256' && { oaepHash: 'sha256' }) }, plaintext);
    const client = cryptoClient(key);
    expect(Buffer.from((await client.decrypt({ algorithm: alg, ciphertext })).result).equals(plaintext)).toBe(true);
    expect(Buffer.from((await client.unwrapKey(alg, ciphertext)).result).equals(plaintext)).toBe(true);
    // The SDK encrypts locally with the public key; the service decrypts it.
    const local = await client.encrypt({ algorithm: alg, plaintext });
    expect(Buffer.from((await client.decrypt({ algorithm: alg, ciphertext: local.result })).result).equals(plaintext)).toBe(true);
  });

  it('encrypts and decrypts with AES-GCM and AES-CBC on an oct-HSM key, remotely', async () => {
    const key = await keyClient().createOctKey('aes1', { hsm: true, keySize: 256 });
    const client = cryptoClient(key);
    const plaintext = randomBytes(40);
    const gcm = await client.encrypt({ algorithm: 'A256GCM', plaintext, additionalAuthenticatedData: Buffer.from('aad') });
    const back = await client.decrypt({ algorithm: 'A256GCM', ciphertext: gcm.result, iv: gcm.iv!, authenticationTag: gcm.authenticationTag!, additionalAuthenticatedData: Buffer.from('aad') });
    expect(Buffer.from(back.result).equals(plaintext)).toBe(true);
    const iv = randomBytes(16);
    const cbc = await client.encrypt({ algorithm: 'A256CBCPAD', plaintext, iv });
    expect(Buffer.from((await client.decrypt({ algorithm: 'A256CBCPAD', ciphertext: cbc.result, iv })).result).equals(plaintext)).toBe(true);
    const wrapped = await client.wrapKey('A256KW', randomBytes(32));
    expect((await client.unwrapKey('A256KW', wrapped.result)).result).toHaveLength(32);
  });

  it('reports key_ops violations with the service error', async () => {
    const key = await keyClient().createRsaKey('ops1', { keyOps: ['verify'] });
    const digest = createHash('sha256').update('x').digest();
    await expect(cryptoClient(key).sign('RS256', digest)).rejects.toThrow();
  });
});
