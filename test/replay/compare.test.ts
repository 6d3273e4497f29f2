import { describe, expect, it } from 'vitest';
import { compareAnswer, type Answer } from './compare.js';
import { SessionMap } from './mapping.js';
import { interactionHosts, planSession, vaultHosts, vaultSettings, type Interaction, type Json, type Session } from './recordings.js';

/** The replay's judge must bite: these cases keep its checks from passing everything by accident. */

const HOST = 'rec.vault.azure.net';
const V1 = 'a'.repeat(32);
const K1 = '1'.repeat(32);
const K2 = '2'.repeat(32);

function setup() {
  const map = new SessionMap([HOST], 'replay1.vault.localhost:8443', 'rtest');
  map.collectNames([{ method: 'PUT', path: '/secrets/s1', query: {}, requestBody: null, status: 200, responseBody: null, responseHeaders: {} }]);
  return map;
}

const interaction = (path: string, status: number, responseBody: Json): Interaction => ({
  method: 'GET',
  path,
  query: { 'api-version': '7.4' },
  requestBody: null,
  status,
  responseBody,
  responseHeaders: { 'content-type': 'application/json; charset=utf-8' },
});

const answer = (status: number, body: Json): Answer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  text: JSON.stringify(body),
  body,
});

const secret = (id: string, extra: Record<string, Json> = {}): Json => ({
  value: 'v',
  id,
  attributes: { enabled: true, created: 1, updated: 1, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
  ...extra,
});

describe('replay comparison', () => {
  it('accepts an answer that differs only in generated values, and learns the version', () => {
    const map = setup();
    const rec = interaction('/secrets/s1', 200, secret(`https://${HOST}/secrets/s1/${V1}`));
    const verdict = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(200, secret(`https://replay1.vault.localhost:8443/secrets/s1-rtest/${K1}`)));
    expect(verdict.problems).toEqual([]);
    expect(map.versions.get(V1)).toBe(K1);
  });

  it('flags a version that differs from the one Kyanite gave earlier', () => {
    const map = setup();
    map.versions.set(V1, K1);
    const rec = interaction('/secrets/s1', 200, secret(`https://${HOST}/secrets/s1/${V1}`));
    const verdict = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(200, secret(`https://replay1.vault.localhost:8443/secrets/s1-rtest/${K2}`)));
    expect(verdict.problems.join()).toMatch(/^id: expected .*1111/);
  });

  it('flags missing keys, extra keys, other types and other deterministic values', () => {
    const map = setup();
    const rec = interaction('/secrets/s1', 200, secret(`https://${HOST}/secrets/s1/${V1}`, { contentType: 'text', tags: { a: '1' } }));
    const got = secret(`https://replay1.vault.localhost:8443/secrets/s1-rtest/${K1}`, { contentType: 'json', managed: true }) as Record<string, Json>;
    (got.attributes as Record<string, Json>).recoveryLevel = 'Purgeable';
    (got.attributes as Record<string, Json>).recoverableDays = '90';
    const problems = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(200, got)).problems.join('\n');
    expect(problems).toMatch(/^contentType: expected "text", got "json"/m);
    expect(problems).toMatch(/^tags: missing/m);
    expect(problems).toMatch(/^managed: unexpected key/m);
    expect(problems).toMatch(/^attributes.recoveryLevel: expected "Recoverable\+Purgeable"/m);
    expect(problems).toMatch(/^attributes.recoverableDays: expected number/m);
  });

  it('checks the status code and the error code, and only notes the message', () => {
    const map = setup();
    const rec = interaction('/secrets/s1', 404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) s1 was not found' } });
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(400, { error: { code: 'BadParameter', message: 'x' } })).problems).toEqual([
      'status: expected 404, got 400 (BadParameter: x)',
    ]);
    const same = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(404, { error: { code: 'SecretNotFound', message: 'A secret with (name/id) s1-rtest was not found' } }));
    expect(same).toEqual({ problems: [], notes: [] });
    const other = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(404, { error: { code: 'NotFound', message: 'nope' } }));
    expect(other.problems).toEqual(['error.code: expected "SecretNotFound", got "NotFound"']);
    expect(other.notes).toHaveLength(1);
  });

  it('allows nextLink to be null or a link, and reports a list in another order once', () => {
    const map = setup();
    map.versions.set(V1, K1);
    map.versions.set('b'.repeat(32), K2);
    const item = (id: string) => ({ id, attributes: { enabled: true } });
    const rec = interaction('/secrets/s1/versions', 200, { value: [item(`https://${HOST}/secrets/s1/${'b'.repeat(32)}`), item(`https://${HOST}/secrets/s1/${V1}`)], nextLink: null });
    const base = 'https://replay1.vault.localhost:8443/secrets/s1-rtest/';
    const got = { value: [item(base + K1), item(base + K2)], nextLink: 'https://replay1.vault.localhost:8443/secrets/s1-rtest/versions?api-version=7.4&$skiptoken=x' };
    const problems = compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(200, got)).problems;
    expect(problems).toEqual([`value: the same ids in another order: recorded [${K2}, ${K1}], Kyanite [${K1}, ${K2}]`]);
  });

  it('pairs a version made before the session (not yet seen) with the id no known version claims', () => {
    const map = setup();
    const B = 'b'.repeat(32);
    const C = 'c'.repeat(32);
    map.versions.set(V1, K2);
    map.versions.set(B, K1);
    const item = (id: string) => ({ id, attributes: { enabled: true } });
    const rec = interaction('/secrets/s1/versions', 200, { value: [item(`https://${HOST}/secrets/s1/${V1}`), item(`https://${HOST}/secrets/s1/${B}`), item(`https://${HOST}/secrets/s1/${C}`)], nextLink: null });
    const base = 'https://replay1.vault.localhost:8443/secrets/s1-rtest/';
    const K0 = '0'.repeat(32);
    const got = { value: [item(base + K0), item(base + K1), item(base + K2)], nextLink: null };
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, answer(200, got)).problems).toEqual([]);
    expect(map.versions.get(C)).toBe(K0);
    // Not a licence for anything: a list with an id of another object still fails.
    const other = { value: [item(base + K0), item(base + K1), item('https://replay1.vault.localhost:8443/secrets/other/' + K2)], nextLink: null };
    expect(compareAnswer({ map: setup(), interaction: rec, setTimes: new Set() }, answer(200, other)).problems).not.toEqual([]);
  });

  it('accepts a completed certificate where the recording caught issuance in progress, and nothing more', () => {
    const map = setup();
    const rec = interaction('/certificates/c1/pending', 200, { id: `https://${HOST}/certificates/c1/pending`, status: 'inProgress', status_details: 'wait', csr: 'MII' });
    map.collectNames([rec]);
    const ok = compareAnswer(
      { map, interaction: rec, setTimes: new Set() },
      answer(200, { id: 'https://replay1.vault.localhost:8443/certificates/c1-rtest/pending', status: 'completed', target: 'https://replay1.vault.localhost:8443/certificates/c1-rtest', csr: 'MIJ' }),
    );
    expect(ok.problems).toEqual([]);
    const bad = compareAnswer(
      { map, interaction: rec, setTimes: new Set() },
      answer(200, { id: 'https://replay1.vault.localhost:8443/certificates/c1-rtest/pending', status: 'failed', csr: 'MIJ' }),
    );
    expect(bad.problems).toEqual(['status: expected "inProgress", got "failed"']);
  });
});

describe('replay plan', () => {
  it('sends only the last of a run of identical requests, and never folds a 401 challenge into a run', () => {
    const get = (status: number) => interaction('/deletedsecrets/s1', status, null);
    const session = { name: 's', interactions: [get(401), get(404), get(404), get(200), interaction('/secrets/s1', 404, null)] } as unknown as Session;
    expect(planSession(session).map((s) => s.kind)).toEqual(['send', 'skip', 'skip', 'send', 'send']);
  });

  it('sends every repeated write (each is a client call), but folds a retried transient error into its retry', () => {
    const create = { ...interaction('/keys/k/create', 200, null), method: 'POST', requestBody: { kty: 'EC' } as Json };
    const restore = (status: number) => ({ ...interaction('/secrets/restore', status, null), method: 'POST', requestBody: { value: 'b' } as Json });
    const session = { name: 's', interactions: [create, create, create, restore(409), restore(200)] } as unknown as Session;
    expect(planSession(session).map((s) => s.kind)).toEqual(['send', 'send', 'send', 'skip', 'send']);
  });
});

describe('replay plan: a deleted object read before the service listed it', () => {
  const del = (path: string, soft: boolean) => ({ ...interaction(path, 200, soft ? { recoveryId: `https://${HOST}/deletedkeys/k` } : {}), method: 'DELETE' });
  const read = (status: number) => interaction('/deletedkeys/k', status, null);

  it('skips a 404 read of /deletedX/NAME right after the soft DELETE of NAME, as settling', () => {
    const session = { name: 's', interactions: [del('/keys/k', true), read(404)] } as unknown as Session;
    const plan = planSession(session);
    expect(plan.map((s) => s.kind)).toEqual(['send', 'skip']);
    expect(plan[1]).toMatchObject({ settling: true });
  });

  it('sends it when a write came between, when the vault had no soft delete, and sends every write', () => {
    const recover = { ...interaction('/deletedkeys/k/recover', 200, {}), method: 'POST' };
    expect(planSession({ name: 's', interactions: [del('/keys/k', true), recover, read(404)] } as unknown as Session).map((s) => s.kind)).toEqual(['send', 'send', 'send']);
    expect(planSession({ name: 's', interactions: [del('/keys/k', false), read(404)] } as unknown as Session).map((s) => s.kind)).toEqual(['send', 'send']);
    const purge = { ...interaction('/deletedkeys/k', 404, null), method: 'DELETE' };
    expect(planSession({ name: 's', interactions: [del('/keys/k', true), purge] } as unknown as Session).map((s) => s.kind)).toEqual(['send', 'send']);
  });
});

describe('replay vault settings', () => {
  const withLevels = (...levels: string[]) =>
    ({ name: 's', interactions: levels.map((l) => interaction('/secrets/s1', 200, { attributes: { recoveryLevel: l } })) }) as unknown as Session;

  it('reads soft delete, purge protection and retention from the recovery level most answers show', () => {
    expect(vaultSettings(withLevels('Purgeable', 'Purgeable', 'Recoverable+Purgeable'))).toMatchObject({ enableSoftDelete: false });
    expect(vaultSettings(withLevels('Recoverable+Purgeable', 'Recoverable+Purgeable', 'Purgeable'))).toMatchObject({ enableSoftDelete: true, enablePurgeProtection: false });
    expect(vaultSettings(withLevels('Recoverable'))).toMatchObject({ enableSoftDelete: true, enablePurgeProtection: true, softDeleteRetentionInDays: 90 });
    expect(vaultSettings(withLevels('CustomizedRecoverable+Purgeable'))).toMatchObject({ enablePurgeProtection: false, softDeleteRetentionInDays: 7 });
  });
});

describe('replay of a 401 challenge', () => {
  it('compares the challenge header always, and the body only when one was recorded', () => {
    const map = setup();
    const rec: Interaction = { ...interaction('/secrets/s1', 401, null), responseHeaders: { 'www-authenticate': 'Bearer authorization="https://login.windows.net/t", resource="https://vault.azure.net"' } };
    const challenge = 'Bearer authorization="https://login.windows.net/t", resource="https://vault.azure.net"';
    const body = { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } };
    const ok: Answer = { ...answer(401, body), headers: { 'www-authenticate': challenge } };
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, ok).problems).toEqual([]);
    const noHeader = answer(401, body);
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, noHeader).problems).toEqual(['www-authenticate: missing']);
  });
});

describe('replay of an answer recorded without its body', () => {
  it('compares the content type of a non-JSON answer, and that it has a body', () => {
    const map = setup();
    const rec: Interaction = { ...interaction('/certificates/c1/pending', 200, null), responseHeaders: { 'content-type': 'application/pkcs10; charset=utf-8' } };
    const csr: Answer = { status: 200, headers: { 'content-type': 'application/pkcs10; charset=utf-8' }, text: 'MIIC', body: undefined };
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, csr).problems).toEqual([]);
    const json = answer(200, { id: 'x' });
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, json).problems).toEqual(['content-type: expected application/pkcs10, got application/json']);
    const empty: Answer = { ...csr, text: '' };
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, empty).problems).toEqual(['body: expected a application/pkcs10 body, got none']);
  });
});

describe('fields the service added to an api-version later', () => {
  it('accepts Kyanite sending one only where the recording predates it, at that api-version', () => {
    const map = setup();
    const key = (attributes: Record<string, Json>) => ({ key: { kid: `https://${HOST}/keys/k/${V1}`, kty: 'EC' }, attributes });
    const rec = { ...interaction('/keys/k', 200, key({ enabled: true })), query: { 'api-version': '7.3' } };
    const got = answer(200, { key: { kid: `https://replay1.vault.localhost:8443/keys/k/${K1}`, kty: 'EC' }, attributes: { enabled: true, exportable: false } });
    const before = Date.UTC(2022, 4, 27) / 1000;
    const after = Date.UTC(2022, 9, 1) / 1000;
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set(), recordedAt: before }, got).problems).toEqual([]);
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set(), recordedAt: after }, got).problems).toEqual(['attributes.exportable: unexpected key (Kyanite sent false)']);
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set() }, got).problems).toHaveLength(1);
    const at72 = { ...rec, query: { 'api-version': '7.2' } };
    expect(compareAnswer({ map, interaction: at72, setTimes: new Set(), recordedAt: before }, got).problems).toHaveLength(1);
  });
});

describe('fields the service stopped sending', () => {
  it('does not require them of a recording made before the first recording without them, and only on a certificate bundle', () => {
    const map = setup();
    const rec = { ...interaction('/certificates/c1/' + V1, 200, { id: `https://${HOST}/certificates/c1/${V1}`, cer: 'MII', subject: 'CN=x', serialnumber: '01' }), query: { 'api-version': '7.3' } };
    map.collectNames([rec]);
    const got = answer(200, { id: `https://replay1.vault.localhost:8443/certificates/c1-rtest/${K1}`, cer: 'MIJ' });
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set(), recordedAt: Date.UTC(2021, 10, 4) / 1000 }, got).problems).toEqual([]);
    expect(compareAnswer({ map, interaction: rec, setTimes: new Set(), recordedAt: Date.UTC(2024, 5, 1) / 1000 }, got).problems).toEqual([
      'subject: missing (recorded "CN=x")',
      'serialnumber: missing (recorded "01")',
    ]);
  });
});

describe('replay vaults of a session', () => {
  it('counts one vault per host its answers name, and sends each interaction to the vault its answer (or the next) names', () => {
    const on = (host: string | undefined, status = 200) => interaction('/keys/k/create', status, host ? { key: { kid: `https://${host}/keys/k/${V1}` } } : null);
    const two = { name: 's', interactions: [on(undefined, 401), on('a.vault.azure.net'), on(undefined, 401), on('b.vault.azure.net')] } as unknown as Session;
    expect(vaultHosts(two)).toEqual(['a.vault.azure.net', 'b.vault.azure.net']);
    expect(interactionHosts(two)).toEqual(['a.vault.azure.net', 'a.vault.azure.net', 'b.vault.azure.net', 'b.vault.azure.net']);
    expect(vaultHosts({ name: 's', interactions: [on('a.vault.azure.net'), on('A.vault.azure.net')] } as unknown as Session)).toEqual(['a.vault.azure.net']);
  });
});
