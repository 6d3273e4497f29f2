import crypto from 'node:crypto';
import fs from 'node:fs';
import { expect } from 'vitest';
import { file, vaultUrl, type CliContext } from './context.js';

/** Base64 or base64url (az prints JWK bytes as base64url, results as base64) to bytes. */
const bytes = (b64: string): Buffer => Buffer.from(b64, 'base64');
const digestOf = (message: string): string => crypto.createHash('sha256').update(message).digest('base64');

/** The public key az downloads (PEM), checked against the JWK that `key show` prints. */
async function downloadedPublicKey(ctx: CliContext, kid: string, jwk: { n: string; e: string }): Promise<crypto.KeyObject> {
  const pem = file(ctx, `${kid.split('/').slice(-2).join('-')}.pub.pem`);
  await ctx.az.raw('keyvault', 'key', 'download', '--id', kid, '-f', pem, '-e', 'PEM');
  const key = crypto.createPublicKey(fs.readFileSync(pem));
  const exported = key.export({ format: 'jwk' });
  expect(bytes(exported.n!).equals(bytes(jwk.n))).toBe(true);
  expect(bytes(exported.e!).equals(bytes(jwk.e))).toBe(true);
  return key;
}

/**
 * `az keyvault key create/list/rotate/sign/verify/backup` (plus delete, purge and restore around the backup) on an
 * RSA key made by Kyanite: signatures are checked with node:crypto against the downloaded public key.
 */
export async function keyLifecycle(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;
  const url = vaultUrl(ctx);
  const name = 'cli-rsa';

  const created = await az.json('keyvault', 'key', 'create', '--vault-name', vault, '-n', name, '--kty', 'RSA', '--size', '2048', '--ops', 'sign', 'verify');
  expect(created.key.kid).toMatch(new RegExp(`^${url}/keys/${name}/[0-9a-f]{32}$`));
  expect(created.key.keyOps).toEqual(['sign', 'verify']);
  expect(bytes(created.key.n)).toHaveLength(256);
  const publicKey = await downloadedPublicKey(ctx, created.key.kid, created.key);

  const digest = digestOf('signed by az');
  const signed = await az.json('keyvault', 'key', 'sign', '--vault-name', vault, '-n', name, '-a', 'RS256', '--digest', digest);
  expect(signed.keyId).toBe(created.key.kid);
  expect(crypto.verify('sha256', Buffer.from('signed by az'), publicKey, bytes(signed.signature))).toBe(true);
  const verified = await az.json('keyvault', 'key', 'verify', '--vault-name', vault, '-n', name, '-a', 'RS256', '--digest', digest, '--signature', signed.signature);
  expect(verified.isValid).toBe(true);
  const forged = await az.json('keyvault', 'key', 'verify', '--id', created.key.kid, '-a', 'RS256', '--digest', digestOf('something else'), '--signature', signed.signature);
  expect(forged.isValid).toBe(false);

  const rotated = await az.json('keyvault', 'key', 'rotate', '--vault-name', vault, '-n', name);
  expect(rotated.key.kid).not.toBe(created.key.kid);
  expect(rotated.key.n).not.toBe(created.key.n);
  expect(rotated.key.keyOps).toEqual(['sign', 'verify']);
  const versions = await az.json<Array<{ kid: string }>>('keyvault', 'key', 'list-versions', '--vault-name', vault, '-n', name);
  expect(versions.map((v) => v.kid).sort()).toEqual([created.key.kid, rotated.key.kid].sort());
  // After the rotation the name signs with the new version; the old version still signs through its id.
  const newSig = await az.json('keyvault', 'key', 'sign', '--vault-name', vault, '-n', name, '-a', 'PS256', '--digest', digest);
  expect(newSig.keyId).toBe(rotated.key.kid);
  const rotatedKey = await downloadedPublicKey(ctx, rotated.key.kid, rotated.key);
  const pss = { key: rotatedKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  expect(crypto.verify('sha256', Buffer.from('signed by az'), pss, bytes(newSig.signature))).toBe(true);
  const oldSig = await az.json('keyvault', 'key', 'sign', '--id', created.key.kid, '-a', 'RS512', '--digest', crypto.createHash('sha512').update('old').digest('base64'));
  expect(crypto.verify('sha512', Buffer.from('old'), publicKey, bytes(oldSig.signature))).toBe(true);

  const listed = await az.json<Array<{ kid: string }>>('keyvault', 'key', 'list', '--vault-name', vault);
  expect(listed.map((k) => k.kid)).toContain(`${url}/keys/${name}`);

  await az.raw('keyvault', 'key', 'backup', '--vault-name', vault, '-n', name, '-f', file(ctx, 'key.bak'));
  const deleted = await az.json('keyvault', 'key', 'delete', '--vault-name', vault, '-n', name);
  expect(deleted.recoveryId).toBe(`${url}/deletedkeys/${name}`);
  await az.raw('keyvault', 'key', 'purge', '--vault-name', vault, '-n', name);
  expect(await az.failure('keyvault', 'key', 'show', '--vault-name', vault, '-n', name)).toContain('KeyNotFound');
  const restored = await az.json('keyvault', 'key', 'restore', '--vault-name', vault, '-f', file(ctx, 'key.bak'));
  expect(restored.key.kid).toBe(rotated.key.kid);
  const again = await az.json('keyvault', 'key', 'sign', '--id', created.key.kid, '-a', 'RS256', '--digest', digest);
  expect(crypto.verify('sha256', Buffer.from('signed by az'), publicKey, bytes(again.signature))).toBe(true);
}

/**
 * `az keyvault key import` of keys made here with node:crypto (RSA from a password-protected PEM, EC P-256), then
 * `encrypt/decrypt/sign` through az checked against the private keys we kept: Kyanite's ciphertexts open with
 * ours and ours with Kyanite's.
 */
export async function keyImportAndCrypto(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;

  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pem-password' });
  fs.writeFileSync(file(ctx, 'rsa.pem'), rsaPem);
  const rsaKey = await az.json('keyvault', 'key', 'import', '--vault-name', vault, '-n', 'cli-imported-rsa', '--pem-file', file(ctx, 'rsa.pem'), '--pem-password', 'pem-password');
  const jwk = rsa.publicKey.export({ format: 'jwk' });
  expect(rsaKey.key.kty).toBe('RSA');
  expect(bytes(rsaKey.key.n).equals(bytes(jwk.n!))).toBe(true);
  expect(rsaKey.key.d ?? null).toBeNull(); // the private half never comes back

  const plaintext = Buffer.from('a data key, wrapped by az');
  for (const [alg, oaepHash] of [['RSA-OAEP-256', 'sha256'], ['RSA-OAEP', 'sha1']] as const) {
    const enc = await az.json('keyvault', 'key', 'encrypt', '--vault-name', vault, '-n', 'cli-imported-rsa', '-a', alg, '--value', plaintext.toString('base64'), '--data-type', 'base64');
    expect(enc.algorithm).toBe(alg);
    const opened = crypto.privateDecrypt({ key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, bytes(enc.result));
    expect(opened.equals(plaintext)).toBe(true);

    const ours = crypto.publicEncrypt({ key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext);
    const dec = await az.json('keyvault', 'key', 'decrypt', '--id', rsaKey.key.kid, '-a', alg, '--value', ours.toString('base64'), '--data-type', 'base64');
    expect(bytes(dec.result).equals(plaintext)).toBe(true);
  }
  // --data-type plaintext: az sends the UTF-8 bytes and prints the decryption as text. RSA1_5 here: node no longer
  // decrypts PKCS#1 v1.5 (CVE-2023-46809), so our public-key encryption goes to az and comes back as the text.
  const ours15 = crypto.publicEncrypt({ key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from('plain text'));
  const dec15 = await az.json('keyvault', 'key', 'decrypt', '--vault-name', vault, '-n', 'cli-imported-rsa', '-a', 'RSA1_5', '--value', ours15.toString('base64'), '--data-type', 'plaintext');
  expect(dec15.result).toBe('plain text');
  const text = await az.json('keyvault', 'key', 'encrypt', '--vault-name', vault, '-n', 'cli-imported-rsa', '-a', 'RSA-OAEP', '--value', 'plain text', '--data-type', 'plaintext');
  const textBack = crypto.privateDecrypt({ key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, bytes(text.result));
  expect(textBack.toString()).toBe('plain text');

  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(file(ctx, 'ec.pem'), ec.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const ecKey = await az.json('keyvault', 'key', 'import', '--vault-name', vault, '-n', 'cli-imported-ec', '--pem-file', file(ctx, 'ec.pem'), '--ops', 'sign', 'verify');
  const ecJwk = ec.publicKey.export({ format: 'jwk' });
  expect(ecKey.key).toMatchObject({ kty: 'EC', crv: 'P-256', keyOps: ['sign', 'verify'] });
  expect(bytes(ecKey.key.x).equals(bytes(ecJwk.x!))).toBe(true);
  expect(bytes(ecKey.key.y).equals(bytes(ecJwk.y!))).toBe(true);
  const es = await az.json('keyvault', 'key', 'sign', '--vault-name', vault, '-n', 'cli-imported-ec', '-a', 'ES256', '--digest', digestOf('ec message'));
  expect(bytes(es.signature)).toHaveLength(64); // raw r||s, as JWS wants
  expect(crypto.verify('sha256', Buffer.from('ec message'), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, bytes(es.signature))).toBe(true);
  const ours = crypto.sign('sha256', Buffer.from('signed here'), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  const check = await az.json('keyvault', 'key', 'verify', '--id', ecKey.key.kid, '-a', 'ES256', '--digest', digestOf('signed here'), '--signature', ours.toString('base64'));
  expect(check.isValid).toBe(true);

  const names = (await az.json<Array<{ name: string }>>('keyvault', 'key', 'list', '--vault-name', vault)).map((k) => k.name);
  expect(names).toEqual(expect.arrayContaining(['cli-imported-rsa', 'cli-imported-ec']));
}
