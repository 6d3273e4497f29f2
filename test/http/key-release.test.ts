import { constants, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes, verify, type KeyObject } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aesKeyWrapPad } from '../../src/crypto/key-release.js';
import { RELEASE_SIGNING_KEY_SETTING } from '../../src/domain/key-release.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

/**
 * Secure key release and key attestation over HTTP. Every released key is unwrapped here with node:crypto alone
 * (RSA-OAEP with the target's private key, then OpenSSL's id-aes256-wrap-pad), and every signed result is verified
 * against the release signing key kept in the settings store.
 */

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
});
afterEach(async () => t.close());

const AUTHORITY = 'https://sharedeus.eus.attest.azure.net';
const b64uJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const fromB64uJson = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

const target = generateKeyPairSync('rsa', { modulusLength: 2048 });
const targetJwk = target.publicKey.export({ format: 'jwk' });

/** An attestation token as an authority would issue it; the signature is junk, which Kyanite cannot check offline. */
function attestationToken(claims: Record<string, unknown> = {}, runtimeKeys: unknown[] = [{ ...targetJwk, kid: 'target-key', key_ops: ['encrypt'] }]): string {
  const payload = { iss: `${AUTHORITY}/`, 'x-ms-attestation-type': 'sevsnpvm', 'x-ms-runtime': { keys: runtimeKeys }, ...claims };
  return `${b64uJson({ alg: 'RS256', typ: 'JWT', kid: 'maa' })}.${b64uJson(payload)}.${randomBytes(256).toString('base64url')}`;
}

const policyOf = (anyOf: unknown[]) => ({ contentType: 'application/json; charset=utf-8', data: b64uJson({ version: '1.0.0', anyOf }) });
const SEV_SNP = policyOf([{ authority: AUTHORITY, allOf: [{ claim: 'x-ms-attestation-type', equals: 'sevsnpvm' }] }]);

async function exportableKey(name: string, body: Record<string, unknown> = { kty: 'RSA' }, policy: unknown = SEV_SNP) {
  const res = await t.call('POST', `/keys/${name}/create`, { ...body, attributes: { exportable: true }, release_policy: policy });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { key: Record<string, string> & { kid: string } };
}

interface Released {
  header: Record<string, unknown>;
  payload: {
    request: Record<string, unknown>;
    response: { key: { key: Record<string, unknown> & { key_hsm: string }; attributes: Record<string, unknown>; release_policy: unknown } };
  };
}

/** Splits the JWS and checks its RS256 signature against the public half of the stored release signing key. */
function openRelease(value: string): Released {
  const [h, p, s] = value.split('.') as [string, string, string];
  const stored = t.store.settings.get(RELEASE_SIGNING_KEY_SETTING);
  expect(stored, 'the release signing key is kept in the settings store').toBeDefined();
  const publicKey = createPublicKey(createPrivateKey({ key: JSON.parse(stored!), format: 'jwk' }));
  expect(verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
  return { header: fromB64uJson(h), payload: fromB64uJson(p) };
}

/** The independent unwrap: RSA-OAEP (hash by enc) with the target's private key, then AES-KWP by OpenSSL. */
function unwrapKeyHsm(keyHsm: string, targetKey: KeyObject, oaepHash = 'sha1') {
  const blob = fromB64uJson(keyHsm) as { schema_version: string; header: Record<string, unknown>; ciphertext: string };
  const ciphertext = Buffer.from(blob.ciphertext, 'base64url');
  const rsaBytes = (targetKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const aesKey = privateDecrypt({ key: targetKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, ciphertext.subarray(0, rsaBytes));
  expect(aesKey).toHaveLength(32);
  const kwp = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return { blob, material: Buffer.concat([kwp.update(ciphertext.subarray(rsaBytes)), kwp.final()]) };
}

describe('CKM_RSA_AES_KEY_WRAP building blocks', () => {
  it('wraps with padding exactly as RFC 5649 and OpenSSL do', () => {
    const kek = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
    expect(aesKeyWrapPad(kek, Buffer.from('c37b7e6492584340bed12207808941155068f738', 'hex')).toString('hex')).toBe(
      '138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a',
    );
    expect(aesKeyWrapPad(kek, Buffer.from('466f7250617369', 'hex')).toString('hex')).toBe('afbeb0f07dfbf5419200f2ccb50bb24f');
    for (const length of [1, 8, 9, 32, 1217]) {
      const key = randomBytes(32);
      const data = randomBytes(length);
      const openssl = createCipheriv('id-aes256-wrap-pad', key, Buffer.from('a65959a6', 'hex'));
      expect(aesKeyWrapPad(key, data).equals(Buffer.concat([openssl.update(data), openssl.final()]))).toBe(true);
    }
  });
});

describe('POST /keys/{name}[/{version}]/release', () => {
  it('releases an exportable RSA key to the attested target, signed, and the target can unwrap it', async () => {
    const created = await exportableKey('rel');
    const res = await t.call('POST', '/keys/rel/release', { target: attestationToken(), nonce: 'n-123' });
    expect(res.statusCode, res.body).toBe(200);
    const { header, payload } = openRelease(res.json().value);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(payload.request).toEqual({ 'api-version': '7.5', enc: 'CKM_RSA_AES_KEY_WRAP', kid: 'https://localhost:8443/keys/rel', nonce: 'n-123' });

    const released = payload.response.key;
    expect(released.key).toMatchObject({ kid: created.key.kid, kty: 'RSA', key_ops: created.key['key_ops'], n: created.key['n'], e: created.key['e'] });
    expect(released.key['d']).toBeUndefined();
    expect(released.attributes).toMatchObject({ enabled: true, exportable: true });
    expect(released.release_policy).toMatchObject({ data: SEV_SNP.data });

    const { blob, material } = unwrapKeyHsm(released.key.key_hsm, target.privateKey);
    expect(blob).toMatchObject({ schema_version: '1.0', header: { kid: 'target-key', alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' } });
    const unwrapped = createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
    expect({ n: unwrapped.n, e: unwrapped.e }).toEqual({ n: created.key['n'], e: created.key['e'] });
  });

  it.each([
    ['RSA_AES_KEY_WRAP_256', 'sha256', { kty: 'EC-HSM', crv: 'P-384' }],
    ['RSA_AES_KEY_WRAP_384', 'sha384', { kty: 'oct-HSM', key_size: 256 }],
  ])('releases a version with enc %s (OAEP %s): %j', async (enc, oaepHash, body) => {
    const created = await exportableKey('v', body);
    const version = created.key.kid.split('/').pop()!;
    await exportableKey('v', body); // a newer version, so the path's version is the one that counts
    const res = await t.call('POST', `/keys/v/${version}/release`, { target: attestationToken(), enc });
    expect(res.statusCode, res.body).toBe(200);
    const { payload } = openRelease(res.json().value);
    expect(payload.request).toEqual({ 'api-version': '7.5', enc, kid: created.key.kid });
    expect(payload.response.key.key['kid']).toBe(created.key.kid);
    const { material } = unwrapKeyHsm(payload.response.key.key.key_hsm, target.privateKey, oaepHash);
    if (body.kty === 'oct-HSM') {
      expect(material).toHaveLength(32);
    } else {
      const ec = createPublicKey(createPrivateKey({ key: material, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
      expect({ crv: ec.crv, x: ec.x, y: ec.y }).toEqual({ crv: 'P-384', x: created.key['x'], y: created.key['y'] });
    }
  });

  it.each([
    ['authority case and trailing slash', [{ authority: `${AUTHORITY.toUpperCase()}/`, allOf: [{ claim: 'x-ms-attestation-type', equals: 'SEVSNPVM' }] }], {}],
    ['a boolean claim against a string value', [{ authority: AUTHORITY, allOf: [{ claim: 'sdk-test', equals: 'true' }] }], { 'sdk-test': true }],
    ['exists', [{ authority: AUTHORITY, allOf: [{ claim: 'x-ms-ver', exists: true }] }], { 'x-ms-ver': '1.0' }],
    ['a nested anyOf', [{ authority: AUTHORITY, allOf: [{ anyOf: [{ claim: 'a', equals: 1 }, { claim: 'b', equals: 2 }] }] }], { b: 2 }],
    ['a dotted claim path', [{ authority: AUTHORITY, anyOf: [{ claim: 'x-ms-isolation-tee.x-ms-compliance-status', equals: 'azure-compliant-cvm' }] }], { 'x-ms-isolation-tee': { 'x-ms-compliance-status': 'azure-compliant-cvm' } }],
    ['the second authority of two', [{ authority: 'https://other.attest.azure.net', allOf: [{ claim: 'x', exists: true }] }, { authority: AUTHORITY, allOf: [{ claim: 'svn', greaterOrEquals: 3 }] }], { svn: 4 }],
  ])('evaluates the release policy: %s', async (_what, anyOf, claims) => {
    await exportableKey('p', { kty: 'RSA' }, policyOf(anyOf));
    const res = await t.call('POST', '/keys/p/release', { target: attestationToken(claims) });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('refuses with 403 when no clause of the policy matches the token', async () => {
    await exportableKey('nomatch');
    const wrongClaim = await t.call('POST', '/keys/nomatch/release', { target: attestationToken({ 'x-ms-attestation-type': 'tdxvm' }) });
    expect(wrongClaim.statusCode).toBe(403);
    expect(wrongClaim.json().error).toMatchObject({ code: 'Forbidden', message: expect.stringContaining('does not meet the key release policy'), innererror: { code: 'AccessDenied' } });
    const wrongIssuer = await t.call('POST', '/keys/nomatch/release', { target: attestationToken({ iss: 'https://evil.example' }) });
    expect(wrongIssuer.statusCode).toBe(403);
    expect(wrongIssuer.json().error.message).toContain("names no authority 'https://evil.example'");
    const expired = await t.call('POST', '/keys/nomatch/release', { target: attestationToken({ exp: Math.floor(t.clock.now() / 1000) - 3600 }) });
    expect(expired.statusCode).toBe(403);
    expect(expired.json().error.message).toContain('expired');
  });

  it('refuses keys that are not exportable or cannot be used', async () => {
    await t.call('POST', '/keys/plain/create', { kty: 'RSA' });
    const plain = await t.call('POST', '/keys/plain/release', { target: attestationToken() });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error).toMatchObject({ code: 'BadParameter', message: expect.stringContaining('not exportable') });

    const created = await exportableKey('off');
    await t.call('PATCH', `/keys/off/${created.key.kid.split('/').pop()}`, { attributes: { enabled: false } });
    const disabled = await t.call('POST', '/keys/off/release', { target: attestationToken() });
    expect(disabled.statusCode).toBe(403);
    expect(disabled.json().error.innererror).toEqual({ code: 'KeyDisabled' });

    expect((await t.call('POST', '/keys/missing/release', { target: attestationToken() })).statusCode).toBe(404);
  });

  it.each([
    ['no target', {}],
    ['a target that is not a JWT', { target: 'not-a-token' }],
    ['a target with junk in its payload', { target: `${b64uJson({ alg: 'RS256' })}.%%%.${b64uJson('x')}` }],
    ['a target without iss', { target: attestationToken({ iss: undefined }) }],
    ['a target without an RSA runtime key', { target: attestationToken({}, [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }]) }],
    ['a target whose runtime key is not a key', { target: attestationToken({}, [{ kty: 'RSA', n: 'AQAB', e: '' }]) }],
    ['an unknown enc', { target: attestationToken(), enc: 'RSA-OAEP' }],
  ])('answers 400 BadParameter for %s', async (_what, body) => {
    await exportableKey('bad');
    const res = await t.call('POST', '/keys/bad/release', body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('BadParameter');
  });
});

describe('GET /keys/{name}[/{version}]/attestation', () => {
  it('answers an HSM key type with its bundle and no attestation blob, and refuses software keys', async () => {
    const hsm = (await t.call('POST', '/keys/h/create', { kty: 'RSA-HSM' })).json();
    for (const path of ['/keys/h/attestation', `/keys/h/${hsm.key.kid.split('/').pop()}/attestation`]) {
      const res = await t.call('GET', `${path}?api-version=7.6`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().key).toMatchObject({ kid: hsm.key.kid, kty: 'RSA-HSM', n: hsm.key.n });
      expect(res.json().attributes.attestation).toBeUndefined();
    }
    await t.call('POST', '/keys/soft/create', { kty: 'EC' });
    const soft = await t.call('GET', '/keys/soft/attestation?api-version=7.6');
    expect(soft.statusCode).toBe(400);
    expect(soft.json().error).toEqual({ code: 'BadParameter', message: 'Key attestation is only available for HSM-protected keys.' });
    expect((await t.call('GET', '/keys/nothing/attestation?api-version=7.6')).statusCode).toBe(404);
  });
});
