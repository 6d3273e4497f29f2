import { constants, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, staticCredential, type TestServer } from '../helpers/server.js';

/** Secure key release and key attestation through @azure/keyvault-keys, checked with node:crypto alone. */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

const keyClient = () => new KeyClient(server.vaultUrl('kv1'), staticCredential, { agent: server.agent, retryOptions: { maxRetries: 0 } });
const b64uJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const fromB64uJson = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

describe('@azure/keyvault-keys secure key release', () => {
  it('creates an exportable key with a release policy, releases it with releaseKey and the target unwraps it', async () => {
    const authority = 'https://kyanite-test.attest.azure.net';
    const target = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = [
      b64uJson({ alg: 'RS256', typ: 'JWT' }),
      b64uJson({ iss: authority, 'x-ms-attestation-type': 'sevsnpvm', 'x-ms-runtime': { keys: [{ ...target.publicKey.export({ format: 'jwk' }), kid: 'tk', key_ops: ['encrypt'] }] } }),
      randomBytes(64).toString('base64url'),
    ].join('.');
    const policy = { version: '1.0.0', anyOf: [{ authority, allOf: [{ claim: 'x-ms-attestation-type', equals: 'sevsnpvm' }] }] };

    const c = keyClient();
    const key = await c.createRsaKey('skr1', { exportable: true, releasePolicy: { encodedPolicy: new TextEncoder().encode(JSON.stringify(policy)) } });
    expect(key.properties.exportable).toBe(true);

    const result = await c.releaseKey('skr1', token, { nonce: 'sdk-nonce' });
    const payload = fromB64uJson(result.value.split('.')[1]!);
    expect(payload.request).toMatchObject({ enc: 'CKM_RSA_AES_KEY_WRAP', nonce: 'sdk-nonce', kid: `${server.vaultUrl('kv1')}/keys/skr1` });
    const released = payload.response.key.key;
    expect(released.kid).toBe(key.id);

    const blob = fromB64uJson(released.key_hsm);
    expect(blob.header).toEqual({ kid: 'tk', alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' });
    const ciphertext = Buffer.from(blob.ciphertext, 'base64url');
    const aesKey = privateDecrypt({ key: target.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ciphertext.subarray(0, 256));
    const kwp = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
    const pkcs8 = Buffer.concat([kwp.update(ciphertext.subarray(256)), kwp.final()]);
    const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
    expect(jwk.n).toBe(Buffer.from(key.key!.n!).toString('base64url'));

    // A claim the policy does not accept: the service's 403.
    const refusedToken = token.replace(/\.[^.]+\./, `.${b64uJson({ iss: authority, 'x-ms-attestation-type': 'tdxvm', 'x-ms-runtime': { keys: [target.publicKey.export({ format: 'jwk' })] } })}.`);
    await expect(c.releaseKey('skr1', refusedToken)).rejects.toMatchObject({ statusCode: 403, code: 'Forbidden' });
  });

  it('gets the attestation of an HSM key (without a blob) and refuses a software key', async () => {
    const c = keyClient();
    const hsm = await c.createRsaKey('att-hsm', { hsm: true });
    const attested = await c.getKeyAttestation('att-hsm');
    expect(attested.id).toBe(hsm.id);
    expect(attested.properties.attestation).toBeUndefined();
    await c.createEcKey('att-soft');
    await expect(c.getKeyAttestation('att-soft')).rejects.toMatchObject({ statusCode: 400, code: 'BadParameter' });
  });
});
