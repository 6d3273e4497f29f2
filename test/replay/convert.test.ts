import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The converter (scripts/recordings/convert.mjs) keeps its rules: bodies rebuilt only where the recording says. */

const here = path.dirname(fileURLToPath(import.meta.url));
const converter = path.resolve(here, '../../scripts/recordings/convert.mjs');
const HOST = 'https://REDACTED.vault.azure.net';
const KID = 'https://cpp-recordings.vault.azure.net/keys/k1/' + 'a'.repeat(32);

function convert(files: Record<string, unknown>, sources: Array<Record<string, string>>) {
  const raw = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-convert-'));
  const out = path.join(raw, 'out');
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(raw, name), JSON.stringify(body));
  fs.writeFileSync(path.join(raw, 'sources.json'), JSON.stringify(sources));
  const log = execFileSync(process.execPath, [converter, raw, out]).toString();
  const sessions = fs.existsSync(out)
    ? fs.readdirSync(out).flatMap((d) => fs.readdirSync(path.join(out, d)).map((f) => JSON.parse(fs.readFileSync(path.join(out, d, f), 'utf8'))))
    : [];
  fs.rmSync(raw, { recursive: true, force: true });
  return { log, sessions };
}

const cppRecord = (method: string, url: string, status: number, body: unknown) => ({
  Method: method,
  Url: url,
  Response: { STATUS_CODE: String(status), BODY: body === null ? '' : JSON.stringify(body), 'content-type': 'application/json; charset=utf-8' },
});

describe('recording converter', () => {
  it('rebuilds a body-less key create from its answer, and cuts the session before a request it cannot rebuild', () => {
    const key = { key: { kid: KID, kty: 'EC', key_ops: ['sign', 'verify'], crv: 'P-384', x: 'x', y: 'y' }, attributes: { enabled: true, created: 1, updated: 1, recoveryLevel: 'Recoverable+Purgeable' } };
    const { sessions } = convert(
      {
        'cpp.json': {
          networkCallRecords: [
            cppRecord('POST', `${HOST}/keys/k1/create?api-version=7.3`, 200, key),
            cppRecord('GET', `${HOST}/keys/k1?api-version=7.3`, 200, key),
            cppRecord('POST', `${HOST}/keys/k1/${'a'.repeat(32)}/sign?api-version=7.3`, 200, { kid: KID, value: 'sig' }),
            cppRecord('DELETE', `${HOST}/keys/k1?api-version=7.3`, 200, key),
          ],
        },
      },
      [{ file: 'cpp.json', language: 'C++', repo: 'o/r', path: 'sdk/keyvault/azure-security-keyvault-keys/test/ut/recordings/KeyVaultKeyClient.K1.json', commit: 'c'.repeat(40) }],
    );
    expect(sessions).toHaveLength(1);
    const [s] = sessions;
    expect(s.source).toMatchObject({ language: 'C++', repo: 'o/r', commit: 'c'.repeat(40) });
    expect(s.source.recordedHosts).toEqual(['redacted.vault.azure.net', 'cpp-recordings.vault.azure.net']);
    expect(s.interactions.map((i: { method: string }) => i.method)).toEqual(['POST', 'GET']);
    expect(s.interactions[0]).toMatchObject({ requestBody: { kty: 'EC', crv: 'P-384', key_ops: ['sign', 'verify'] }, requestBodyReconstructed: true });
    expect(s.interactions[1].requestBody).toBeNull();
    expect(s.notes.join(' ')).toMatch(/Cut before POST \/keys\/k1\/a+\/sign/);
  });

  it('keeps recorded bodies of test-proxy recordings, drops token-service calls, and skips Managed HSM sessions', () => {
    const entry = (uri: string, status: number, req: unknown, res: unknown) => ({ RequestUri: uri, RequestMethod: 'PUT', RequestBody: req, StatusCode: status, ResponseHeaders: {}, ResponseBody: res });
    const { sessions, log } = convert(
      {
        'py.json': {
          Entries: [
            { ...entry('https://login.microsoftonline.com/t/oauth2/v2.0/token', 200, null, {}), RequestMethod: 'POST' },
            entry(`${HOST}/secrets/s1?api-version=7.6`, 200, { value: 'v' }, { value: 'v', id: `${HOST}/secrets/s1/${'b'.repeat(32)}` }),
          ],
        },
        'hsm.json': { Entries: [entry('https://x.managedhsm.azure.net/keys/k?api-version=7.6', 200, null, {})] },
      },
      [
        { file: 'py.json', language: 'Python', repo: 'o/a', path: 'python/sdk/keyvault/azure-keyvault-secrets/tests/recordings/t[7.6].json', commit: 'd'.repeat(40) },
        { file: 'hsm.json', language: 'Python', repo: 'o/a', path: 'python/sdk/keyvault/azure-keyvault-keys/tests/recordings/t[7.6_mhsm].json', commit: 'd'.repeat(40) },
      ],
    );
    expect(log).toMatch(/skip .*mhsm.*Managed HSM/);
    expect(sessions).toHaveLength(1);
    expect(sessions[0].interactions).toHaveLength(1);
    expect(sessions[0].interactions[0]).toMatchObject({ method: 'PUT', path: '/secrets/s1', query: { 'api-version': '7.6' }, requestBody: { value: 'v' } });
    expect(sessions[0].interactions[0]).not.toHaveProperty('requestBodyReconstructed');
  });
});
