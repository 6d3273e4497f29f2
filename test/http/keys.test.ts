import { createHash, createPublicKey, generateKeyPairSync, publicEncrypt, constants, verify as nodeVerify, randomBytes, createCipheriv, type JsonWebKey } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => t.close());

const b64u = (b: Buffer) => b.toString('base64url');
const versionOf = (kid: string) => kid.split('/').pop()!;
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** node:crypto key from the public JWK a response carries (Key Vault's curve name P-256K is Node's secp256k1). */
function nodePublicKey(key: Record<string, string>) {
  const { kid: _k, key_ops: _o, ...jwk } = key as Record<string, unknown>;
  const kty = String(jwk['kty']).replace('-HSM', '');
  const crv = jwk['crv'] === 'P-256K' ? 'secp256k1' : jwk['crv'];
  return createPublicKey({ key: { ...jwk, kty, ...(crv ? { crv } : {}) } as JsonWebKey, format: 'jwk' });
}

describe('key lifecycle over HTTP', () => {
  it.each([
    [{ kty: 'RSA' }, 'RSA', ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']],
    [{ kty: 'RSA-HSM', key_size: 3072 }, 'RSA-HSM', ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']],
    [{ kty: 'EC', crv: 'P-384' }, 'EC', ['sign', 'verify']],
    [{ kty: 'EC-HSM', crv: 'P-256K' }, 'EC-HSM', ['sign', 'verify']],
    [{ kty: 'oct', key_size: 128 }, 'oct', ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']],
  ] as Array<[{ kty: string; key_size?: number; crv?: string }, string, string[]]>)('creates %j and returns public parts only', async (body, kty, ops) => {
    const res = await t.call('POST', '/keys/k1/create', body);
    expect(res.statusCode).toBe(200);
    const { key, attributes } = res.json();
    expect(key.kid).toMatch(/^https:\/\/localhost:8443\/keys\/k1\/[0-9a-f]{32}$/);
    expect(key.kty).toBe(kty);
    expect(key.key_ops).toEqual(ops);
    for (const p of PRIVATE) expect(key[p]).toBeUndefined();
    if (kty.startsWith('RSA')) expect(Buffer.from(key.n, 'base64url').length * 8).toBe(body.key_size ?? 2048);
    if (kty.startsWith('EC')) expect(key.crv).toBe(body.crv);
    expect(attributes).toMatchObject({ enabled: true, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90, exportable: false });
    // hsmPlatform "0" for software keys from 7.5 (recorded); not before, and not for HSM keys (not recorded).
    if (kty.endsWith('-HSM')) expect(attributes).not.toHaveProperty('hsmPlatform');
    else expect(attributes.hsmPlatform).toBe('0');
    expect((await t.call('GET', '/keys/k1?api-version=7.4')).json().attributes).not.toHaveProperty('hsmPlatform');
  });

  it('answers exportable from 7.3 on (the service added it to 7.3 answers in 2022: C++ recording, Sept 2022), not before', async () => {
    await t.call('POST', '/keys/ex/create?api-version=7.3', { kty: 'EC', crv: 'P-256' });
    expect((await t.call('GET', '/keys/ex?api-version=7.3')).json().attributes.exportable).toBe(false);
    expect((await t.call('GET', '/keys?api-version=7.3')).json().value[0].attributes.exportable).toBe(false);
    expect((await t.call('GET', '/keys/ex?api-version=7.2')).json().attributes).not.toHaveProperty('exportable');
  });

  it('imports JWKs, with the Hsm flag, and never returns their private parts', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const res = await t.call('PUT', '/keys/imported', { key: { ...rsa, key_ops: ['sign', 'verify'] }, Hsm: true, tags: { a: 'b' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().key).toMatchObject({ kty: 'RSA-HSM', key_ops: ['sign', 'verify'], n: rsa.n, e: rsa.e });
    expect(res.json().key.d).toBeUndefined();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect((await t.call('PUT', '/keys/ec', { key: ec })).json().key).toMatchObject({ kty: 'EC', crv: 'P-256', x: ec.x });
    const oct = { kty: 'oct', k: b64u(randomBytes(32)) };
    const octRes = (await t.call('PUT', '/keys/oct', { key: oct })).json();
    expect(octRes.key.k).toBeUndefined();
    expect(octRes.key.kty).toBe('oct');
  });

  it('gets, lists, updates, deletes, recovers, purges, backs up and restores', async () => {
    const first = (await t.call('POST', '/keys/life/create', { kty: 'EC' })).json();
    await t.call('POST', '/keys/life/create', { kty: 'EC', crv: 'P-521' });
    expect((await t.call('GET', '/keys/life/')).json().key.crv).toBe('P-521');
    expect((await t.call('GET', `/keys/life/${versionOf(first.key.kid)}`)).json().key.crv).toBe('P-256');
    expect((await t.call('GET', '/keys/life/versions')).json().value).toHaveLength(2);
    const list = (await t.call('GET', '/keys')).json();
    expect(list.value[0]).toMatchObject({ kid: 'https://localhost:8443/keys/life' });

    const upd = await t.call('PATCH', `/keys/life/${versionOf(first.key.kid)}`, { key_ops: ['verify'], tags: { x: '1' }, attributes: { enabled: false } });
    expect(upd.json()).toMatchObject({ key: { key_ops: ['verify'] }, tags: { x: '1' }, attributes: { enabled: false } });

    const blob = (await t.call('POST', '/keys/life/backup')).json().value;
    const del = (await t.call('DELETE', '/keys/life')).json();
    expect(del.recoveryId).toBe('https://localhost:8443/deletedkeys/life');
    expect((await t.call('GET', '/deletedkeys/life')).statusCode).toBe(200);
    expect((await t.call('GET', '/deletedkeys')).json().value).toHaveLength(1);
    expect((await t.call('POST', '/keys/life/create', { kty: 'EC' })).statusCode).toBe(409);
    expect((await t.call('POST', '/deletedkeys/life/recover')).statusCode).toBe(200);
    expect((await t.call('POST', '/keys/restore', { value: blob })).statusCode).toBe(409);
    await t.call('DELETE', '/keys/life');
    expect((await t.call('DELETE', '/deletedkeys/life')).statusCode).toBe(204);
    const restored = await t.call('POST', '/keys/restore', { value: blob });
    expect(restored.statusCode).toBe(200);
    expect((await t.call('GET', '/keys/life/versions')).json().value).toHaveLength(2);
  });

  it('rotates, reports the default rotation policy, and rotates by policy when the clock moves', async () => {
    const created = (await t.call('POST', '/keys/rot/create', { kty: 'RSA', key_size: 2048 })).json();
    const rotated = (await t.call('POST', '/keys/rot/rotate')).json();
    expect(rotated.key.kid).not.toBe(created.key.kid);
    expect(rotated.key.kty).toBe('RSA');
    expect(Buffer.from(rotated.key.n, 'base64url').length).toBe(256);
    expect((await t.call('GET', '/keys/rot/rotationpolicy')).json()).toEqual({
      lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }],
      attributes: null,
    });
    const set = await t.call('PUT', '/keys/rot/rotationpolicy', {
      lifetimeActions: [{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'rotate' } }],
      attributes: { expiryTime: 'P90D' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      id: 'https://localhost:8443/keys/rot/rotationpolicy',
      lifetimeActions: [{ trigger: { timeAfterCreate: 'P30D' }, action: { type: 'Rotate' } }],
      attributes: { expiryTime: 'P90D' },
    });
    t.clock.advance(29 * 86400);
    await t.domain.sweep();
    expect((await t.call('GET', '/keys/rot/versions')).json().value).toHaveLength(2);
    t.clock.advance(2 * 86400);
    await t.domain.sweep();
    const versions = (await t.call('GET', '/keys/rot/versions')).json().value;
    expect(versions).toHaveLength(3);
    const latest = (await t.call('GET', '/keys/rot')).json();
    expect(latest.attributes.exp - latest.attributes.created).toBe(90 * 86400);
    expect((await t.call('GET', '/keys/missing/rotationpolicy')).json().error.code).toBe('KeyNotFound');
  });

  it('returns random bytes', async () => {
    const res = await t.call('POST', '/rng', { count: 33 });
    expect(Buffer.from(res.json().value, 'base64url')).toHaveLength(33);
    expect((await t.call('POST', '/rng', { count: 129 })).statusCode).toBe(400);
  });
});

const message = Buffer.from('the message Kyanite signs a digest of');
const SIGN_CASES: Array<[string, Record<string, unknown>, string]> = [
  ['RS256', { kty: 'RSA' }, 'sha256'],
  ['RS384', { kty: 'RSA' }, 'sha384'],
  ['RS512', { kty: 'RSA' }, 'sha512'],
  ['PS256', { kty: 'RSA' }, 'sha256'],
  ['PS384', { kty: 'RSA' }, 'sha384'],
  ['PS512', { kty: 'RSA' }, 'sha512'],
  ['ES256', { kty: 'EC', crv: 'P-256' }, 'sha256'],
  ['ES384', { kty: 'EC', crv: 'P-384' }, 'sha384'],
  ['ES512', { kty: 'EC', crv: 'P-521' }, 'sha512'],
  ['ES256K', { kty: 'EC', crv: 'P-256K' }, 'sha256'],
];

describe('signatures over HTTP, checked by node:crypto', () => {
  it.each(SIGN_CASES)('%s signs a digest that node:crypto verifies, and verifies its own signature', async (alg, create, hash) => {
    const { key } = (await t.call('POST', '/keys/s/create', create)).json();
    const digest = createHash(hash).update(message).digest();
    const res = await t.call('POST', `/keys/s/${versionOf(key.kid)}/sign`, { alg, value: b64u(digest) });
    expect(res.statusCode).toBe(200);
    expect(res.json().kid).toBe(key.kid);
    const signature = Buffer.from(res.json().value, 'base64url');
    const publicKey = nodePublicKey(key);
    const options = alg.startsWith('PS')
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length }
      : alg.startsWith('ES')
        ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const }
        : publicKey;
    expect(nodeVerify(hash, message, options, signature)).toBe(true);
    const ok = await t.call('POST', '/keys/s/verify', { alg, digest: b64u(digest), value: b64u(signature) });
    expect(ok.json()).toEqual({ value: true });
    signature[5] = signature[5]! ^ 0xff;
    expect((await t.call('POST', '/keys/s/verify', { alg, digest: b64u(digest), value: b64u(signature) })).json()).toEqual({ value: false });
  });

  it.each([['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']])('%s signs and verifies with an oct key', async (alg, hash) => {
    await t.call('POST', '/keys/h/create', { kty: 'oct', key_size: 256 });
    const digest = createHash(hash).update(message).digest();
    const sig = (await t.call('POST', '/keys/h/sign', { alg, value: b64u(digest) })).json().value;
    expect((await t.call('POST', '/keys/h/verify', { alg, digest: b64u(digest), value: sig })).json().value).toBe(true);
  });
});

describe('encryption over HTTP', () => {
  it.each(['RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256'])('%s: node:crypto encrypts with the returned public key, Kyanite decrypts', async (alg) => {
    const { key } = (await t.call('POST', '/keys/r/create', { kty: 'RSA' })).json();
    const plaintext = randomBytes(32);
    const padding = alg === 'RSA1_5' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_OAEP_PADDING;
    const ciphertext = publicEncrypt({ key: nodePublicKey(key), padding, ...(alg === 'RSA-OAEP-256' && { oaepHash: 'sha256' }) }, plaintext);
    const res = await t.call('POST', '/keys/r/decrypt', { alg, value: b64u(ciphertext) });
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(res.json().value, 'base64url').equals(plaintext)).toBe(true);
    const wrapped = (await t.call('POST', '/keys/r/wrapkey', { alg, value: b64u(plaintext) })).json().value;
    const unwrapped = (await t.call('POST', '/keys/r/unwrapkey', { alg, value: wrapped })).json().value;
    expect(unwrapped).toBe(b64u(plaintext));
  });

  it.each(['A128GCM', 'A192GCM', 'A256GCM', 'A128CBCPAD', 'A256CBC'])('%s round-trips with an oct key', async (alg) => {
    const bits = Number(alg.slice(1, 4));
    await t.call('POST', '/keys/a/create', { kty: 'oct-HSM', key_size: bits });
    const plaintext = randomBytes(alg.endsWith('CBC') ? 32 : 21);
    const aad = alg.endsWith('GCM') ? b64u(Buffer.from('header')) : undefined;
    const iv = alg.includes('CBC') ? b64u(randomBytes(16)) : undefined;
    const enc = await t.call('POST', '/keys/a/encrypt', { alg, value: b64u(plaintext), ...(aad && { aad }), ...(iv && { iv }) });
    expect(enc.statusCode).toBe(200);
    const e = enc.json();
    const dec = await t.call('POST', '/keys/a/decrypt', { alg, value: e.value, iv: e.iv, ...(e.tag && { tag: e.tag }), ...(aad && { aad }) });
    expect(dec.json().value).toBe(b64u(plaintext));
  });

  it('wraps with A256KW as RFC 3394 does', async () => {
    const k = randomBytes(32);
    await t.call('PUT', '/keys/kw', { key: { kty: 'oct', k: b64u(k) } });
    const cek = randomBytes(16);
    const wrapped = Buffer.from((await t.call('POST', '/keys/kw/wrapkey', { alg: 'A256KW', value: b64u(cek) })).json().value, 'base64url');
    const c = createCipheriv('id-aes256-wrap', k, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
    expect(wrapped.equals(Buffer.concat([c.update(cek), c.final()]))).toBe(true);
  });
});

describe('what a key version allows', () => {
  const digest = b64u(createHash('sha256').update('x').digest());

  it('enforces key_ops with the service 403', async () => {
    await t.call('POST', '/keys/ops/create', { kty: 'RSA', key_ops: ['verify'] });
    const res = await t.call('POST', '/keys/ops/sign', { alg: 'RS256', value: digest });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toEqual({ code: 'Forbidden', message: 'Operation sign is not permitted on this key.', innererror: { code: 'KeyOperationForbidden' } });
  });

  it('refuses disabled keys, and expired keys for sign but not verify', async () => {
    await t.call('POST', '/keys/off/create', { kty: 'EC', attributes: { enabled: false } });
    expect((await t.call('POST', '/keys/off/sign', { alg: 'ES256', value: digest })).json().error.innererror.code).toBe('KeyDisabled');
    // Reading a disabled key is allowed (the service answers 200 with enabled: false).
    const read = await t.call('GET', '/keys/off');
    expect(read.statusCode).toBe(200);
    expect(read.json().attributes.enabled).toBe(false);
    await t.call('POST', '/keys/old/create', { kty: 'EC', attributes: { exp: 1000 } });
    const signed = await t.call('POST', '/keys/old/sign', { alg: 'ES256', value: digest });
    expect(signed.statusCode).toBe(403);
    expect(signed.json().error.innererror.code).toBe('KeyExpired');
    expect((await t.call('POST', '/keys/old/verify', { alg: 'ES256', digest, value: b64u(Buffer.alloc(64, 1)) })).json()).toEqual({ value: false });
  });

  it('checks the algorithm against the key and the digest length against the algorithm', async () => {
    await t.call('POST', '/keys/ec/create', { kty: 'EC', crv: 'P-256' });
    expect((await t.call('POST', '/keys/ec/sign', { alg: 'RS256', value: digest })).statusCode).toBe(400);
    expect((await t.call('POST', '/keys/ec/sign', { alg: 'ES384', value: digest })).statusCode).toBe(400);
    const short = await t.call('POST', '/keys/ec/sign', { alg: 'ES256', value: b64u(Buffer.alloc(20)) });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('BadParameter');
  });
});
