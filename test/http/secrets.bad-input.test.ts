import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  await t.call('PUT', '/secrets/exists', { value: 'x' });
});
afterAll(async () => t.close());

const long = 'a'.repeat(128);
const huge = 'x'.repeat(25 * 1024 + 1);

/** [label, method, url, body (string = raw), expected status, expected error code] */
const cases: Array<[string, string, string, unknown, number, string]> = [
  ['broken JSON', 'PUT', '/secrets/s', '{"value": ', 400, 'BadParameter'],
  ['JSON that is not an object', 'PUT', '/secrets/s', '"just a string"', 400, 'BadParameter'],
  ['JSON array body', 'PUT', '/secrets/s', '[1,2]', 400, 'BadParameter'],
  ['missing value', 'PUT', '/secrets/s', {}, 400, 'BadParameter'],
  ['empty body on set', 'PUT', '/secrets/s', '', 400, 'BadParameter'],
  ['value of the wrong type', 'PUT', '/secrets/s', { value: 42 }, 400, 'BadParameter'],
  ['value null', 'PUT', '/secrets/s', { value: null }, 400, 'BadParameter'],
  ['contentType of the wrong type', 'PUT', '/secrets/s', { value: 'v', contentType: 7 }, 400, 'BadParameter'],
  ['attributes of the wrong type', 'PUT', '/secrets/s', { value: 'v', attributes: 'yes' }, 400, 'BadParameter'],
  ['enabled of the wrong type', 'PUT', '/secrets/s', { value: 'v', attributes: { enabled: 'true' } }, 400, 'BadParameter'],
  ['exp as a date string', 'PUT', '/secrets/s', { value: 'v', attributes: { exp: '2030-01-01' } }, 400, 'BadParameter'],
  ['nbf as a fraction', 'PUT', '/secrets/s', { value: 'v', attributes: { nbf: 1.5 } }, 400, 'BadParameter'],
  ['tags of the wrong type', 'PUT', '/secrets/s', { value: 'v', tags: ['a'] }, 400, 'BadParameter'],
  ['tag value of the wrong type', 'PUT', '/secrets/s', { value: 'v', tags: { a: 1 } }, 400, 'BadParameter'],
  ['too many tags', 'PUT', '/secrets/s', { value: 'v', tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, 'v'])) }, 400, 'BadParameter'],
  ['oversized value', 'PUT', '/secrets/s', { value: huge }, 400, 'BadParameter'],
  ['body over the request limit', 'PUT', '/secrets/s', { value: 'x'.repeat(1100 * 1024) }, 413, 'RequestEntityTooLarge'],
  ['name with an underscore', 'PUT', '/secrets/a_b', { value: 'v' }, 400, 'BadParameter'],
  ['name of 128 characters', 'PUT', `/secrets/${long}`, { value: 'v' }, 400, 'BadParameter'],
  ['name with a space', 'PUT', '/secrets/a%20b', { value: 'v' }, 400, 'BadParameter'],
  ['name with a dot', 'GET', '/secrets/a.b', undefined, 400, 'BadParameter'],
  ['name with unicode', 'GET', '/secrets/caf%C3%A9', undefined, 400, 'BadParameter'],
  ['invalid version id (short)', 'GET', '/secrets/exists/abc', undefined, 400, 'BadParameter'],
  ['invalid version id (not hex)', 'GET', `/secrets/exists/${'z'.repeat(32)}`, undefined, 400, 'BadParameter'],
  ['unknown version id', 'GET', `/secrets/exists/${'0'.repeat(32)}`, undefined, 404, 'SecretNotFound'],
  ['update with an invalid version', 'PATCH', '/secrets/exists/nothex', { attributes: {} }, 400, 'BadParameter'],
  ['update with wrong types', 'PATCH', '/secrets/exists', { attributes: { enabled: 1 } }, 400, 'BadParameter'],
  ['update of a missing secret', 'PATCH', '/secrets/missing', { tags: {} }, 404, 'SecretNotFound'],
  ['maxresults 0', 'GET', '/secrets?maxresults=0', undefined, 400, 'BadParameter'],
  ['maxresults 26', 'GET', '/secrets?maxresults=26', undefined, 400, 'BadParameter'],
  ['maxresults not a number', 'GET', '/secrets?maxresults=ten', undefined, 400, 'BadParameter'],
  ['maxresults negative', 'GET', '/secrets/exists/versions?maxresults=-1', undefined, 400, 'BadParameter'],
  ['garbage skiptoken', 'GET', '/secrets?$skiptoken=%%%', undefined, 400, 'BadParameter'],
  ['skiptoken of the wrong kind', 'GET', `/secrets/exists/versions?$skiptoken=${Buffer.from('{"p":7}').toString('base64url')}`, undefined, 400, 'BadParameter'],
  ['unknown collection', 'GET', '/secretz', undefined, 404, 'NotFound'],
  ['unknown sub-resource', 'POST', '/secrets/exists/unknownop', {}, 404, 'NotFound'],
  ['restore without a value', 'POST', '/secrets/restore', {}, 400, 'BadParameter'],
  ['restore with an empty value', 'POST', '/secrets/restore', { value: '' }, 400, 'BadParameter'],
  ['restore of garbage', 'POST', '/secrets/restore', { value: 'bm9uLWV4aXN0aW5n' }, 400, 'Malformed backup blob'],
  ['restore with a number', 'POST', '/secrets/restore', { value: 5 }, 400, 'BadParameter'],
  ['backup of a missing secret', 'POST', '/secrets/missing/backup', undefined, 404, 'SecretNotFound'],
  ['delete of a missing secret', 'DELETE', '/secrets/missing', undefined, 404, 'SecretNotFound'],
  ['recover of a live secret', 'POST', '/deletedsecrets/exists/recover', undefined, 404, 'SecretNotFound'],
  ['purge of a live secret', 'DELETE', '/deletedsecrets/exists', undefined, 404, 'SecretNotFound'],
  ['deleted get with an invalid name', 'GET', '/deletedsecrets/a_b', undefined, 400, 'BadParameter'],
  ['wrong method on a collection', 'DELETE', '/secrets', undefined, 404, 'NotFound'],
  ['form body', 'PUT', '/secrets/s', 'value=x', 415, 'UnsupportedMediaType'],
];

describe('malformed requests on the secrets routes', () => {
  it.each(cases)('%s → %s %s', async (_label, method, url, body, status, code) => {
    const headers: Record<string, string> = {};
    let payload: unknown = body;
    if (typeof body === 'string') {
      headers['content-type'] = _label === 'form body' ? 'application/x-www-form-urlencoded' : 'application/json';
    }
    if (body === undefined) payload = undefined;
    const res = await t.call(method as 'GET', url, payload, headers);
    expect(res.statusCode).toBe(status);
    const err = res.json().error;
    expect(err.code).toBe(code);
    expect(typeof err.message).toBe('string');
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('is still up and serving afterwards', async () => {
    expect((await t.call('GET', '/secrets/exists')).json().value).toBe('x');
  });
});
