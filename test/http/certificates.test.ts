import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const selfPolicy = (extra: Record<string, unknown> = {}) => ({ policy: { issuer: { name: 'Self' }, x509_props: { subject: 'CN=http.test' }, ...extra } });

describe('certificates over HTTP', () => {
  it('answers create with 202, a Location to poll and a completed operation for Self', async () => {
    t = await buildTestApp();
    const res = await t.call('POST', '/certificates/c1/create', selfPolicy());
    expect(res.statusCode).toBe(202);
    expect(res.headers['location']).toMatch(/^https:\/\/localhost:8443\/certificates\/c1\/pending\?api-version=7\.5&request_id=[0-9a-f]{32}$/);
    const op = (await t.call('GET', '/certificates/c1/pending')).json();
    expect(op).toMatchObject({ id: 'https://localhost:8443/certificates/c1/pending', status: 'completed', target: 'https://localhost:8443/certificates/c1', cancellation_requested: false });
    const cert = (await t.call('GET', '/certificates/c1/')).json();
    expect(cert.kid).toBe(cert.id.replace('/certificates/', '/keys/'));
    expect(cert.sid).toBe(cert.id.replace('/certificates/', '/secrets/'));
    expect(cert.policy).toMatchObject({
      key_props: { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false },
      secret_props: { contentType: 'application/x-pkcs12' },
      x509_props: { subject: 'CN=http.test', ekus: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], key_usage: ['digitalSignature', 'keyEncipherment'], validity_months: 12 },
      lifetime_actions: [{ trigger: { lifetime_percentage: 80 }, action: { action_type: 'AutoRenew' } }],
      issuer: { name: 'Self' },
    });
    const x509 = new X509Certificate(Buffer.from(cert.cer, 'base64'));
    expect(cert.attributes.exp).toBe(Math.floor(new Date(x509.validTo).getTime() / 1000));
  });

  it('keeps Self operations inProgress for the configured delay', async () => {
    t = await buildTestApp({ domain: { selfSignedDelayMs: 60_000 } });
    await t.call('POST', '/certificates/slow/create', selfPolicy());
    expect((await t.call('GET', '/certificates/slow/pending')).json().status).toBe('inProgress');
    const pendingCert = (await t.call('GET', '/certificates/slow/')).json();
    expect(pendingCert).toMatchObject({ attributes: { enabled: false }, pending: { id: 'https://localhost:8443/certificates/slow/pending' } });
    expect(pendingCert.cer).toBeUndefined();
    expect((await t.call('GET', '/certificates')).json().value).toHaveLength(0);
    expect((await t.call('GET', '/certificates?includePending=true')).json().value).toHaveLength(1);
    t.clock.advance(61);
    expect((await t.call('GET', '/certificates/slow/pending')).json().status).toBe('completed');
    expect((await t.call('GET', '/certificates/slow/')).json().attributes.enabled).toBe(true);
  });

  it('renews a self-signed certificate when its AutoRenew action falls due', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/renew/create', selfPolicy({ lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: 'AutoRenew' } }], x509_props: { subject: 'CN=r', validity_months: 3 } }));
    await t.domain.sweep();
    expect((await t.call('GET', '/certificates/renew/versions')).json().value).toHaveLength(1);
    t.clock.advance(70 * 86400);
    await t.domain.sweep();
    const versions = (await t.call('GET', '/certificates/renew/versions')).json().value;
    expect(versions).toHaveLength(2);
    const latest = (await t.call('GET', '/certificates/renew')).json();
    expect(latest.attributes.exp - latest.attributes.nbf).toBeGreaterThan(80 * 86400);
    expect((await t.call('GET', '/secrets/renew')).json().kid).toBe(latest.kid);
  });

  it('stores EmailContacts actions and reports them', async () => {
    t = await buildTestApp();
    const actions = [{ trigger: { lifetime_percentage: 90 }, action: { action_type: 'EmailContacts' } }];
    await t.call('POST', '/certificates/mail/create', selfPolicy({ lifetime_actions: actions }));
    expect((await t.call('GET', '/certificates/mail/policy')).json().lifetime_actions).toEqual(actions);
  });

  it('answers the service errors for missing issuers, contacts, operations and deleted certificates', async () => {
    t = await buildTestApp();
    expect((await t.call('GET', '/certificates/issuers/none')).json().error).toEqual({ code: 'CertificateIssuerNotFound', message: 'Issuer not found' });
    expect((await t.call('GET', '/certificates/contacts')).json().error).toEqual({ code: 'ContactsNotFound', message: 'Contacts not found' });
    await t.call('POST', '/certificates/c2/create', selfPolicy());
    await t.call('DELETE', '/certificates/c2/pending');
    expect((await t.call('GET', '/certificates/c2/pending')).json().error.code).toBe('PendingCertificateNotFound');
    const recover = await t.call('POST', '/deletedcertificates/nothing/recover');
    expect(recover.statusCode).toBe(404);
    expect(recover.json().error.code).toBe('CertificateNotFound');
    const unknownIssuer = await t.call('POST', '/certificates/c3/create', { policy: { issuer: { name: 'NoSuchCA' }, x509_props: { subject: 'CN=x' } } });
    expect(unknownIssuer.json().error.code).toBe('CertificateIssuerNotFound');
  });
});

/** [label, method, url, body, status, code] */
const BAD: Array<[string, string, string, unknown, number, string]> = [
  ['create without a policy', 'POST', '/certificates/b/create', {}, 400, 'BadParameter'],
  ['policy of the wrong type', 'POST', '/certificates/b/create', { policy: 'self' }, 400, 'BadParameter'],
  ['unknown key type', 'POST', '/certificates/b/create', { policy: { key_props: { kty: 'DSA' }, x509_props: { subject: 'CN=x' } } }, 400, 'BadParameter'],
  ['RSA size 1024', 'POST', '/certificates/b/create', { policy: { key_props: { kty: 'RSA', key_size: 1024 }, x509_props: { subject: 'CN=x' } } }, 400, 'BadParameter'],
  ['unknown curve', 'POST', '/certificates/b/create', { policy: { key_props: { kty: 'EC', crv: 'P-1' }, x509_props: { subject: 'CN=x' } } }, 400, 'BadParameter'],
  ['unknown content type', 'POST', '/certificates/b/create', { policy: { secret_props: { contentType: 'text/plain' }, x509_props: { subject: 'CN=x' } } }, 400, 'BadParameter'],
  ['no subject and no SANs', 'POST', '/certificates/b/create', { policy: { x509_props: {} } }, 400, 'BadParameter'],
  ['unparsable subject', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'not a name' } } }, 400, 'BadParameter'],
  ['unknown key usage', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x', key_usage: ['everything'] } } }, 400, 'BadParameter'],
  ['EKU that is not an OID', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x', ekus: ['serverAuth'] } } }, 400, 'BadParameter'],
  ['validity of 0 months', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x', validity_months: 0 } } }, 400, 'BadParameter'],
  ['lifetime percentage 100', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x' }, lifetime_actions: [{ trigger: { lifetime_percentage: 100 }, action: { action_type: 'AutoRenew' } }] } }, 400, 'BadParameter'],
  ['unknown lifetime action', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x' }, lifetime_actions: [{ trigger: { days_before_expiry: 5 }, action: { action_type: 'Explode' } }] } }, 400, 'BadParameter'],
  ['bad DNS SAN', 'POST', '/certificates/b/create', { policy: { x509_props: { subject: 'CN=x', sans: { dns_names: ['bad name'] } } } }, 400, 'BadParameter'],
  ['invalid certificate name', 'POST', '/certificates/a_b/create', { policy: { x509_props: { subject: 'CN=x' } } }, 400, 'BadParameter'],
  ['import without value', 'POST', '/certificates/b/import', {}, 400, 'BadParameter'],
  ['import of garbage base64', 'POST', '/certificates/b/import', { value: 'AAAA' }, 400, 'BadParameter'],
  ['import of text that is not base64', 'POST', '/certificates/b/import', { value: 'not base64 %%%' }, 400, 'BadParameter'],
  ['import of malformed PEM', 'POST', '/certificates/b/import', { value: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', policy: { secret_props: { contentType: 'application/x-pem-file' } } }, 400, 'BadParameter'],
  ['merge without x5c', 'POST', '/certificates/b/pending/merge', {}, 400, 'BadParameter'],
  ['merge with an empty x5c', 'POST', '/certificates/b/pending/merge', { x5c: [] }, 400, 'BadParameter'],
  ['merge without a certificate', 'POST', '/certificates/nocert/pending/merge', { x5c: ['AAAA'] }, 404, 'PendingCertificateNotFound'],
  ['cancel with the wrong type', 'PATCH', '/certificates/b/pending', { cancellation_requested: 'yes' }, 400, 'BadParameter'],
  ['issuer without provider', 'PUT', '/certificates/issuers/i1', {}, 400, 'BadParameter'],
  ['issuer with the wrong types', 'PUT', '/certificates/issuers/i1', { provider: 'Test', credentials: 'x' }, 400, 'BadParameter'],
  ['contacts not an array', 'PUT', '/certificates/contacts', { contacts: 'a@b' }, 400, 'BadParameter'],
  ['get with an invalid version', 'GET', '/certificates/b/zzz', undefined, 400, 'BadParameter'],
  ['restore of garbage', 'POST', '/certificates/restore', { value: 'AAAA' }, 400, 'Malformed backup blob'],
  ['policy of a missing certificate', 'GET', '/certificates/missing/policy', undefined, 404, 'CertificateNotFound'],
];

describe('malformed requests on the certificates routes', () => {
  it.each(BAD)('%s → %s %s', async (label, method, url, body, status, code) => {
    t = await buildTestApp();
    const res = await t.call(method as 'GET', url, body);
    expect(res.statusCode, `${label}: ${res.body}`).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('refuses a merge whose certificate does not match the pending key, and a wrong PKCS#12 password', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/m/create', { policy: { issuer: { name: 'Unknown' }, x509_props: { subject: 'CN=m' } } });
    await t.call('POST', '/certificates/other/create', selfPolicy());
    const otherCer = (await t.call('GET', '/certificates/other')).json().cer;
    const merge = await t.call('POST', '/certificates/m/pending/merge', { x5c: [otherCer] });
    expect(merge.statusCode).toBe(400);
    expect(merge.json().error.message).toContain("doesn't match");
    const pfx = (await t.call('GET', '/secrets/other')).json().value;
    const wrong = await t.call('POST', '/certificates/imp/import', { value: pfx, pwd: 'not-the-password' });
    expect(wrong.statusCode).toBe(400);
    expect((await t.call('POST', '/certificates/imp/import', { value: pfx })).statusCode).toBe(200);
  });
});

describe('cancelling a certificate operation', () => {
  it('answers the request noted and still inProgress; the next read shows it cancelled (Java 7.0 and Python 7.6 recordings)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/slow/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'Unknown' } } });
    const asked = (await t.call('PATCH', '/certificates/slow/pending', { cancellation_requested: true })).json();
    expect(asked).toMatchObject({ cancellation_requested: true, status: 'inProgress' });
    const polled = (await t.call('GET', '/certificates/slow/pending')).json();
    expect(polled).toMatchObject({ cancellation_requested: true, status: 'cancelled' });
    expect(polled).not.toHaveProperty('status_details');
    expect((await t.call('GET', '/certificates/slow')).json()).toHaveProperty('pending');
    await t.call('DELETE', '/certificates/slow/pending');
    // With the operation deleted, the bundle no longer points to it.
    expect((await t.call('GET', '/certificates/slow')).json()).not.toHaveProperty('pending');
  });

  it('is answered as it stands when the operation is deleted right after the cancellation (Java 7.0 recording)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/quick/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'Unknown' } } });
    await t.call('PATCH', '/certificates/quick/pending', { cancellation_requested: true });
    const deleted = (await t.call('DELETE', '/certificates/quick/pending')).json();
    expect(deleted).toMatchObject({ cancellation_requested: true, status: 'inProgress' });
    expect((await t.call('GET', '/certificates/quick/pending')).json().error.code).toBe('PendingCertificateNotFound');
  });
});

describe('the pending link of a certificate', () => {
  it('stays while the operation exists, completed included, and goes with it or with a restore (recorded)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/done/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'Self' } } });
    const issued = (await t.call('GET', '/certificates/done')).json();
    expect(issued.cer).toEqual(expect.any(String));
    expect(issued.pending).toEqual({ id: 'https://localhost:8443/certificates/done/pending' });
    await t.call('DELETE', '/certificates/done/pending');
    expect((await t.call('GET', '/certificates/done')).json()).not.toHaveProperty('pending');
    await t.call('POST', '/certificates/again/create', { policy: { x509_props: { subject: 'CN=b' }, issuer: { name: 'Self' } } });
    const again = (await t.call('POST', '/certificates/again/backup')).json().value;
    await t.call('DELETE', '/certificates/again');
    await t.call('DELETE', '/deletedcertificates/again');
    const restored = await t.call('POST', '/certificates/restore', { value: again });
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).not.toHaveProperty('pending');
  });
});

describe('issuers with the test provider', () => {
  it('issue on their own, like Self (Java recordings)', async () => {
    t = await buildTestApp();
    await t.call('PUT', '/certificates/issuers/tester', { provider: 'Test' });
    await t.call('POST', '/certificates/viatest/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'tester' } } });
    expect((await t.call('GET', '/certificates/viatest/pending')).json()).toMatchObject({ status: 'completed', issuer: { name: 'tester' } });
    expect((await t.call('GET', '/certificates/viatest')).json().cer).toEqual(expect.any(String));
    // Any other provider waits for a merge, as an external CA would.
    await t.call('PUT', '/certificates/issuers/ca', { provider: 'DigiCert' });
    await t.call('POST', '/certificates/viaca/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'ca' } } });
    expect((await t.call('GET', '/certificates/viaca/pending')).json().status).toBe('inProgress');
  });
});

describe('certificate list items', () => {
  it('carry no recovery level or days (recorded at 7.0 and 7.3)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/listed/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'Self' } } });
    const [item] = (await t.call('GET', '/certificates')).json().value;
    expect(item.attributes.enabled).toBe(true);
    expect(item.attributes).not.toHaveProperty('recoveryLevel');
    expect(item.attributes).not.toHaveProperty('recoverableDays');
    expect((await t.call('GET', '/certificates/listed')).json().attributes).toHaveProperty('recoveryLevel');
  });
});

describe('subject alternative names in the policy', () => {
  it('answers sans only when the client sent them, as the service does (C++ and Java recordings)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/nosans/create', { policy: { x509_props: { subject: 'CN=a' }, issuer: { name: 'Self' } } });
    expect((await t.call('GET', '/certificates/nosans/policy')).json().x509_props).not.toHaveProperty('sans');
    await t.call('POST', '/certificates/emptysans/create', { policy: { x509_props: { subject: 'CN=a', sans: {} }, issuer: { name: 'Self' } } });
    expect((await t.call('GET', '/certificates/emptysans/policy')).json().x509_props.sans).toEqual({});
  });
});

describe('policy fields in the issued certificate, read by openssl', () => {
  it('writes DNS, e-mail and UPN names, key usage and EKUs', async () => {
    const { execFileSync } = await import('node:child_process');
    let openssl = true;
    try {
      execFileSync('openssl', ['version']);
    } catch {
      openssl = false;
    }
    t = await buildTestApp();
    await t.call('POST', '/certificates/sans/create', {
      policy: {
        issuer: { name: 'Self' },
        key_props: { kty: 'EC', crv: 'P-256' },
        x509_props: {
          subject: 'CN=sans.test, O=Kyanite',
          sans: { dns_names: ['a.sans.test'], emails: ['ops@sans.test'], upns: ['svc@corp.sans.test'] },
          key_usage: ['digitalSignature', 'nonRepudiation'],
          ekus: ['1.3.6.1.5.5.7.3.3'],
        },
      },
    });
    const cer = Buffer.from((await t.call('GET', '/certificates/sans')).json().cer, 'base64');
    const x509 = new X509Certificate(cer);
    expect(x509.subjectAltName).toContain('DNS:a.sans.test');
    expect(x509.subjectAltName).toContain('email:ops@sans.test');
    if (!openssl) return; // the UPN, key usage and EKU checks below need the openssl command
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], { input: cer }).toString();
    expect(text).toMatch(/UPN:+svc@corp\.sans\.test|othername: UPN::svc@corp\.sans\.test/);
    expect(text).toMatch(/Digital Signature, Non Repudiation/);
    expect(text).toContain('Code Signing');
    expect(text).toMatch(/Subject: O ?= ?Kyanite, CN ?= ?sans\.test/);
  });
});

describe('the CSR of a pending certificate', () => {
  it('is answered as PKCS#10 (base64, application/pkcs10) when the client asks for it (Java 7.0 recordings)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/manual/create', { policy: { x509_props: { subject: 'CN=manual' }, issuer: { name: 'Unknown' } } });
    const op = (await t.call('GET', '/certificates/manual/pending')).json();
    const res = await t.call('GET', '/certificates/manual/pending', undefined, { accept: 'application/pkcs10' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pkcs10; charset=utf-8');
    expect(res.body).toBe(op.csr);
    // The CSR is a DER certification request: SEQUENCE, and its subject is the policy's.
    const der = Buffer.from(res.body, 'base64');
    expect(der[0]).toBe(0x30);
    expect(der.includes(Buffer.from('manual'))).toBe(true);
    const missing = await t.call('GET', '/certificates/none/pending', undefined, { accept: 'application/pkcs10' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('CertificateNotFound');
  });
});

describe('the key a certificate makes', () => {
  it("has the operations of the policy's key usage, and the certificate's validity and tags (Java 7.0 recording)", async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/usage/create', { policy: { x509_props: { subject: 'CN=u' }, issuer: { name: 'Self' } }, tags: {} });
    const cert = (await t.call('GET', '/certificates/usage')).json();
    const key = (await t.call('GET', '/keys/usage')).json();
    expect(key.key.key_ops).toEqual(['sign', 'verify', 'wrapKey', 'unwrapKey']);
    expect(key.attributes).toMatchObject({ nbf: cert.attributes.nbf, exp: cert.attributes.exp });
    expect(key.tags).toEqual({});
    expect(key.managed).toBe(true);
    const plain = Buffer.from('abc').toString('base64url');
    const refused = await t.call('POST', `/keys/usage/${key.key.kid.split('/').pop()}/encrypt`, { alg: 'RSA-OAEP', value: plain });
    expect(refused.statusCode).toBe(403);

    await t.call('POST', '/certificates/data/create', { policy: { x509_props: { subject: 'CN=d', key_usage: ['dataEncipherment'] }, issuer: { name: 'Self' } }, tags: { a: 'b' } });
    const dataKey = (await t.call('GET', '/keys/data')).json();
    expect(dataKey.key.key_ops).toEqual(['encrypt', 'decrypt']);
    expect(dataKey.tags).toEqual({ a: 'b' });

    await t.call('POST', '/certificates/ec/create', { policy: { key_props: { kty: 'EC', crv: 'P-256' }, x509_props: { subject: 'CN=e' }, issuer: { name: 'Self' } } });
    expect((await t.call('GET', '/keys/ec')).json().key.key_ops).toEqual(['sign', 'verify']);
  });
});

describe('an update while the certificate is issuing', () => {
  it('goes to the pending version; the issued certificate is the one the create asked for (Java 7.0 recording)', async () => {
    t = await buildTestApp({ domain: { selfSignedDelayMs: 10_000 } });
    await t.call('POST', '/certificates/busy/create', { policy: { x509_props: { subject: 'CN=busy' }, issuer: { name: 'Self' } } });
    const patched = (await t.call('PATCH', '/certificates/busy/', { tags: { tag1: 'foo' }, attributes: { enabled: false } })).json();
    expect(patched).toMatchObject({ tags: { tag1: 'foo' }, attributes: { enabled: false }, pending: { id: 'https://localhost:8443/certificates/busy/pending' } });
    expect(patched.cer).toBeUndefined();
    t.clock.advance(11);
    const issued = (await t.call('GET', '/certificates/busy/')).json();
    expect(issued.cer).toEqual(expect.any(String));
    expect(issued.attributes.enabled).toBe(true);
    expect(issued).not.toHaveProperty('tags');
    expect((await t.call('GET', '/keys/busy')).json()).not.toHaveProperty('tags');

    // The create's own tags and attributes are kept.
    await t.call('POST', '/certificates/tagged/create', { policy: { x509_props: { subject: 'CN=t' }, issuer: { name: 'Self' } }, tags: { a: '1' } });
    await t.call('PATCH', '/certificates/tagged/', { tags: { b: '2' } });
    t.clock.advance(11);
    const tagged = (await t.call('GET', '/certificates/tagged/')).json();
    expect(tagged.tags).toEqual({ a: '1' });
    expect((await t.call('GET', '/secrets/tagged')).json().tags).toEqual({ a: '1' });
  });
});

describe('one version of a certificate', () => {
  it('is read without policy and pending, updated without policy; lists carry an empty subject from 7.3 (C++ 7.3 and 7.5 recordings)', async () => {
    t = await buildTestApp();
    await t.call('POST', '/certificates/one/create', { policy: { x509_props: { subject: 'CN=one' }, issuer: { name: 'Self' } } });
    const latest = (await t.call('GET', '/certificates/one')).json();
    expect(latest).toHaveProperty('policy');
    expect(latest).toHaveProperty('pending');
    const version = latest.id.split('/').pop();
    const byVersion = (await t.call('GET', `/certificates/one/${version}`)).json();
    expect(byVersion).toMatchObject({ id: latest.id, cer: latest.cer });
    expect(byVersion).not.toHaveProperty('policy');
    expect(byVersion).not.toHaveProperty('pending');
    const patched = (await t.call('PATCH', `/certificates/one/${version}`, { attributes: { enabled: false } })).json();
    expect(patched.attributes.enabled).toBe(false);
    expect(patched).not.toHaveProperty('policy');
    expect(patched).toHaveProperty('pending');
    expect((await t.call('PATCH', '/certificates/one/', { tags: { a: '1' } })).json()).toHaveProperty('policy');

    expect((await t.call('GET', '/certificates?api-version=7.3')).json().value[0].subject).toBe('');
    expect((await t.call('GET', '/certificates/one/versions?api-version=7.5')).json().value[0].subject).toBe('');
    expect((await t.call('GET', '/certificates?api-version=7.0')).json().value[0]).not.toHaveProperty('subject');
  });
});
