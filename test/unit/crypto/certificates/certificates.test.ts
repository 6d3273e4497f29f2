/**
 * Self-signed certificates, CSRs, merge checks, PKCS#12 and PEM bundles, each judged by an implementation other than
 * the one that made them: node:crypto (OpenSSL inside Node) and the openssl command.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createDecipheriv, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addMonths,
  CertificateCryptoError,
  createCsr,
  createPfx,
  createSelfSigned,
  KEY_USAGES,
  parseCertificate,
  parseCertificateChain,
  parsePemBundle,
  parsePfx,
  publicKeyMatches,
  toPemBundle,
  type CertificateKeyJwk,
  type CertificateWithKey,
  type SelfSignedOptions,
} from '../../../../src/crypto/certificates/index.js';

type KeyKind = 'RSA-2048' | 'P-256' | 'P-384' | 'P-521' | 'P-256K';
const KINDS: KeyKind[] = ['RSA-2048', 'P-256', 'P-384', 'P-521', 'P-256K'];

/** A fresh key as Key Vault would hand it over: Node's JWK with P-256K for Node's secp256k1. */
function newKey(kind: KeyKind): CertificateKeyJwk {
  const { privateKey } =
    kind === 'RSA-2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: kind === 'P-256K' ? 'secp256k1' : kind });
  const jwk = privateKey.export({ format: 'jwk' });
  return (kind === 'P-256K' ? { ...jwk, crv: 'P-256K' } : jwk) as CertificateKeyJwk;
}

/** Node's key from a Key Vault JWK, converted by the test itself rather than by the code under test. */
const nodeKey = (jwk: CertificateKeyJwk) =>
  createPrivateKey({ key: { ...jwk, ...(jwk.crv === 'P-256K' ? { crv: 'secp256k1' } : {}) }, format: 'jwk' });

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
/** Names a test that needs openssl, saying why it is skipped where openssl is missing. */
const withOpenssl = (name: string): string =>
  HAVE_OPENSSL ? name : `${name} (skipped: the openssl command is not installed)`;
const itWithOpenssl = (name: string, test: () => Promise<void>) => it.skipIf(!HAVE_OPENSSL)(withOpenssl(name), test);

const dir = mkdtempSync(join(tmpdir(), 'kyanite-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `data` to a new temp file and returns its path. */
function file(data: Buffer | string, ext: string): string {
  const path = join(dir, `f${++fileCount}.${ext}`);
  writeFileSync(path, data);
  return path;
}

function opensslRun(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('openssl', args, { encoding: 'utf8' });
}

function openssl(...args: string[]): string {
  const run = opensslRun(...args);
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

/** The DER of each PEM block with `label` in `text`, decoded by the test itself. */
const blocks = (text: string, label: string): Buffer[] =>
  [...text.matchAll(new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`, 'g'))].map((m) =>
    Buffer.from(m[1] ?? '', 'base64'),
  );

async function expectReason(action: () => unknown, reason: string): Promise<void> {
  const error = await Promise.resolve()
    .then(action)
    .then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  expect(error).toBeInstanceOf(CertificateCryptoError);
  expect((error as CertificateCryptoError).reason).toBe(reason);
}

/** A certificate with a minimal policy for `privateJwk`, for tests about something else. */
const quickCert = (privateJwk = newKey('P-256'), override: Partial<SelfSignedOptions> = {}) =>
  createSelfSigned({ privateJwk, subject: 'CN=a', validityMonths: 1, ...override });

const NOW = new Date('2026-01-31T10:20:30.456Z');
const SIGNATURE: Record<KeyKind, string> = {
  'RSA-2048': 'sha256WithRSAEncryption',
  'P-256': 'ecdsa-with-SHA256',
  'P-384': 'ecdsa-with-SHA384',
  'P-521': 'ecdsa-with-SHA512',
  'P-256K': 'ecdsa-with-SHA256',
};

const policy = (privateJwk: CertificateKeyJwk): SelfSignedOptions => ({
  privateJwk,
  subject: 'CN=example.com, O=Contoso, C=US',
  dnsNames: ['example.com', 'www.example.com'],
  emails: ['admin@example.com'],
  upns: ['user@contoso.com'],
  keyUsage: ['digitalSignature', 'keyEncipherment'],
  ekus: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
  validityMonths: 12,
  now: NOW,
});

describe.each(KINDS)('a self-signed certificate for a %s key', (kind) => {
  const jwk = newKey(kind);
  const made = createSelfSigned(policy(jwk));

  it('is read by node:crypto with the subject, SANs, validity and a signature that verifies', async () => {
    const { der, pem } = await made;
    const cert = new X509Certificate(der);
    expect(new X509Certificate(pem).raw.equals(der)).toBe(true);
    // Node lists RDNs in encoded order: the subject string is written most specific first, as Key Vault does.
    expect(cert.subject).toBe('C=US\nO=Contoso\nCN=example.com');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.subjectAltName).toContain('DNS:example.com');
    expect(cert.subjectAltName).toContain('DNS:www.example.com');
    expect(cert.subjectAltName).toContain('email:admin@example.com');
    expect(cert.checkHost('www.example.com')).toBe('www.example.com');
    expect(cert.checkHost('other.example.org')).toBeUndefined();
    expect(cert.checkEmail('admin@example.com')).toBe('admin@example.com');
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-01-31T10:20:30.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2027-01-31T10:20:30.000Z');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(nodeKey(jwk))).toBe(true);
    // 16 bytes, positive: 32 hex digits with the top bit clear.
    expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  itWithOpenssl('is read by openssl x509 with the right signature algorithm and extensions', async () => {
    const text = openssl('x509', '-inform', 'DER', '-noout', '-text', '-in', file((await made).der, 'der'));
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE[kind]}`);
    expect(text).toContain('Subject: C = US, O = Contoso, CN = example.com');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toMatch(/UPN:+user@contoso\.com/);
    expect(text).toContain('Subject Key Identifier');
  });

  it('parses back to the policy it was made from', async () => {
    const { der } = await made;
    const parsed = parseCertificate(der);
    const node = new X509Certificate(der);
    const { subject, dnsNames, emails, upns, keyUsage, ekus } = policy(jwk);
    expect(parsed).toMatchObject({ subject, issuer: subject, dnsNames, emails, upns, keyUsage, ekus });
    expect(parsed.serialHex).toBe(node.serialNumber);
    expect(parsed.notBefore.toISOString()).toBe('2026-01-31T10:20:30.000Z');
    expect(parsed.notAfter.toISOString()).toBe('2027-01-31T10:20:30.000Z');
    // x5t is the SHA-1 fingerprint node reports, in base64url.
    const fingerprint = Buffer.from(node.fingerprint.replace(/:/g, ''), 'hex');
    expect(parsed.thumbprintSha1Base64url).toBe(fingerprint.toString('base64url'));
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    expect(parsed.publicJwk).toEqual(publicJwk);
  });
});

describe('policy details', () => {
  const key = newKey('P-256');

  it('counts validity in calendar months, clamping to the end of a shorter month', async () => {
    expect(addMonths(new Date('2026-01-31T00:00:00Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(addMonths(new Date('2027-12-31T08:00:00Z'), 2).toISOString()).toBe('2028-02-29T08:00:00.000Z');
    expect(addMonths(new Date('2026-05-15T08:00:00Z'), 120).toISOString()).toBe('2036-05-15T08:00:00.000Z');
    const { der } = await createSelfSigned({ privateJwk: key, subject: 'CN=a', validityMonths: 1, now: NOW });
    expect(new Date(new X509Certificate(der).validTo).toISOString()).toBe('2026-02-28T10:20:30.000Z');
  });

  it('round-trips every key usage; keyCertSign brings basicConstraints CA:true', async () => {
    const ekus = ['1.3.6.1.5.5.7.3.3', '1.3.6.1.4.1.311.80.1'];
    const { der } = await quickCert(key, { keyUsage: [...KEY_USAGES], ekus });
    expect(parseCertificate(der)).toMatchObject({ keyUsage: [...KEY_USAGES], ekus });
    expect(new X509Certificate(der).ca).toBe(true);
    if (HAVE_OPENSSL) {
      const text = openssl('x509', '-inform', 'DER', '-noout', '-text', '-in', file(der, 'der'));
      expect(text).toContain('Certificate Sign, CRL Sign');
      expect(text).toContain('CA:TRUE');
    }
  });

  it('writes basic constraints as the policy states them', async () => {
    const { der: leaf } = await quickCert(key, { ca: false });
    const { der: ca } = await quickCert(key, { ca: true });
    expect(new X509Certificate(leaf).ca).toBe(false);
    expect(new X509Certificate(ca).ca).toBe(true);
    if (HAVE_OPENSSL) {
      expect(openssl('x509', '-inform', 'DER', '-noout', '-ext', 'basicConstraints', '-in', file(leaf, 'der')))
        .toMatch(/critical\s+CA:FALSE/);
    }
  });

  it('leaves out key usage, EKU and SANs the policy does not ask for', async () => {
    const { der } = await createSelfSigned({ privateJwk: key, subject: 'CN=bare', validityMonths: 3 });
    const node = new X509Certificate(der);
    expect(node.subjectAltName).toBeUndefined();
    expect(node.keyUsage).toBeUndefined();
    expect(node.ca).toBe(false);
    expect(parseCertificate(der)).toMatchObject({ keyUsage: [], ekus: [], dnsNames: [], upns: [] });
  });

  it('carries URI and IP address SANs', async () => {
    const { der } = await createSelfSigned({
      privateJwk: key,
      subject: 'CN=svc',
      uris: ['spiffe://example.org/svc'],
      ipAddresses: ['10.1.2.3', '::1'],
      validityMonths: 1,
    });
    const node = new X509Certificate(der);
    expect(node.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(node.subjectAltName).toContain('URI:spiffe://example.org/svc');
    expect(parseCertificate(der)).toMatchObject({
      uris: ['spiffe://example.org/svc'],
      ipAddresses: ['10.1.2.3', '::1'],
    });
  });

  it('reads quoted, escaped, multi-valued and non-ASCII subjects, and writes them in one canonical form', async () => {
    const subject = 'CN=Contoso\\, Inc.;OU="R&D; Lab"+OU=Tools, OU=\\#1 a=b, E=admin@contoso.com, ST=Zürich, C=CH';
    const { der } = await quickCert(key, { subject });
    const lines = new X509Certificate(der).subject.split('\n');
    expect(lines).toContain('CN=Contoso\\, Inc.');
    expect(lines).toContainEqual(expect.stringMatching(/^OU=.*\+ OU=/));
    expect(lines).toContain('ST=Zürich');
    expect(lines).toContain('OU=\\#1 a=b');
    expect(lines).toContain('emailAddress=admin@contoso.com');
    expect(lines[0]).toBe('C=CH');
    const canonical = parseCertificate(der).subject;
    expect(canonical).toBe(
      'CN=Contoso\\, Inc., OU=R&D\\; Lab+OU=Tools, OU=\\#1 a=b, E=admin@contoso.com, S=Zürich, C=CH',
    );
    // The canonical form makes the same name again.
    const again = await quickCert(key, { subject: canonical });
    expect(new X509Certificate(again.der).subject).toBe(new X509Certificate(der).subject);
  });

  it.each([
    ['an empty subject', { subject: '' }],
    ['a subject without =', { subject: 'example.com' }],
    ['an empty value', { subject: 'CN=' }],
    ['a trailing separator', { subject: 'CN=a,' }],
    ['an unknown attribute', { subject: 'FOO=bar' }],
    ['an unclosed quote', { subject: 'CN="open' }],
    ['a stray quote', { subject: 'CN=a"b' }],
    ['text after a quoted value', { subject: 'CN="a"b' }],
    ['a trailing +', { subject: 'CN=a+' }],
    ['a country that is not a PrintableString', { subject: 'C=Ü' }],
    ['an unknown key usage', { keyUsage: ['sign'] }],
    ['an EKU that is not an OID', { ekus: ['serverAuth'] }],
    ['a negative validity', { validityMonths: -1 }],
    ['a fractional validity', { validityMonths: 1.5 }],
    ['a DNS name with a space', { dnsNames: ['has space.com'] }],
    ['an e-mail without @', { emails: ['nobody'] }],
    ['a bad IP address', { ipAddresses: ['999.1.1.1'] }],
  ] as [string, Partial<SelfSignedOptions>][])('refuses %s as bad input', async (_name, override) => {
    await expectReason(() => quickCert(key, override), 'bad-input');
  });

  it.each([
    ['a public-only key', () => { const { d: _d, ...pub } = key; return pub; }],
    ['a symmetric key', () => ({ kty: 'oct', k: 'AAAA' })],
    ['an unknown curve', () => ({ ...key, crv: 'P-192' })],
    ['a damaged RSA key', () => ({ ...newKey('RSA-2048'), n: 'AAAA' })],
  ] as [string, () => unknown][])('refuses %s as bad input', async (_name, make) => {
    await expectReason(
      () => quickCert(make() as CertificateKeyJwk),
      'bad-input',
    );
  });
});

describe.each(KINDS)('a CSR for a %s key', (kind) => {
  const jwk = newKey(kind);
  const made = createCsr({
    privateJwk: jwk,
    subject: 'CN=pending.example.com, O=Contoso',
    dnsNames: ['pending.example.com'],
    upns: ['svc@contoso.com'],
    keyUsage: ['digitalSignature'],
    ekus: ['1.3.6.1.5.5.7.3.1'],
  });

  it.skipIf(!HAVE_OPENSSL)(withOpenssl('verifies with openssl req and carries the extension request'), async () => {
    const { der, pem } = await made;
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const path = file(der, 'der');
    const run = spawnSync('openssl', ['req', '-verify', '-inform', 'DER', '-noout', '-in', path], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/verify OK/i);
    const text = openssl('req', '-inform', 'DER', '-noout', '-text', '-in', path);
    expect(text).toContain('Subject: O = Contoso, CN = pending.example.com');
    expect(text).toContain('Requested Extensions');
    expect(text).toContain('DNS:pending.example.com');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE[kind]}`);
  });
});

describe.skipIf(!HAVE_OPENSSL)(withOpenssl('merge: a CSR signed by a throwaway openssl CA'), () => {
  const caKey = join(dir, 'ca.key');
  const caPem = join(dir, 'ca.pem');

  /** A CA made by openssl alone, and a leaf it signs for our CSR with the CSR's extensions copied. */
  async function issue(jwk: CertificateKeyJwk): Promise<{ leafPem: string; caPemText: string }> {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caPem, '-days', '2',
      '-subj', '/O=Throwaway/CN=Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const csr = await createCsr({ privateJwk: jwk, subject: 'CN=merge.example.com', dnsNames: ['merge.example.com'] });
    const leafPath = join(dir, `leaf${++fileCount}.pem`);
    openssl('x509', '-req', '-in', file(csr.pem, 'csr'), '-CA', caPem, '-CAkey', caKey, '-CAcreateserial',
      '-days', '30', '-copy_extensions', 'copy', '-out', leafPath);
    return { leafPem: readFileSync(leafPath, 'utf8'), caPemText: readFileSync(caPem, 'utf8') };
  }

  const der = (pem: string): Buffer => new X509Certificate(pem).raw;

  it.each(['RSA-2048', 'P-256'] as KeyKind[])('finds the leaf and chain, matching the pending %s key', async (kind) => {
    const jwk = newKey(kind);
    const { leafPem, caPemText } = await issue(jwk);
    const { leaf, chain } = parseCertificateChain([der(leafPem).toString('base64'), der(caPemText).toString('base64')]);
    expect(leaf.subject).toBe('CN=merge.example.com');
    expect(leaf.issuer).toBe('CN=Test CA, O=Throwaway');
    expect(leaf.dnsNames).toEqual(['merge.example.com']);
    expect(chain.map((c) => c.subject)).toEqual(['CN=Test CA, O=Throwaway']);
    expect(publicKeyMatches(leaf.der, jwk)).toBe(true);
    expect(publicKeyMatches(leaf.der, leaf.publicJwk)).toBe(true);
    expect(publicKeyMatches(leaf.der, newKey(kind))).toBe(false);
    expect(publicKeyMatches(leaf.der, newKey(kind === 'P-256' ? 'RSA-2048' : 'P-256'))).toBe(false);
    // The chain verifies independently: node checks the issuer's signature, openssl the whole path.
    const nodeLeaf = new X509Certificate(leaf.der);
    const nodeCa = new X509Certificate(chain[0]?.der ?? Buffer.alloc(0));
    expect(nodeLeaf.checkIssued(nodeCa)).toBe(true);
    expect(nodeLeaf.verify(nodeCa.publicKey)).toBe(true);
    expect(openssl('verify', '-CAfile', caPem, file(leafPem, 'pem'))).toContain(': OK');
  });

  it('accepts x5c entries as PEM text, and as the base64 of a PEM file holding the whole chain', async () => {
    const jwk = newKey('P-256');
    const { leafPem, caPemText } = await issue(jwk);
    const bundle = `${leafPem}${caPemText}`;
    for (const x5c of [[leafPem, caPemText], [Buffer.from(bundle).toString('base64')]]) {
      const { leaf, chain } = parseCertificateChain(x5c);
      expect(leaf.der.equals(der(leafPem))).toBe(true);
      expect(chain.map((c) => c.der.toString('base64'))).toEqual([der(caPemText).toString('base64')]);
    }
  });

  it.each([
    ['an empty x5c', []],
    ['text that is not base64', ['not base64!']],
    ['base64 of bytes that are not a certificate', [Buffer.from('hello world').toString('base64')]],
    ['PEM without a certificate', ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n']],
  ] as [string, string[]][])('refuses %s as bad input', async (_name, x5c) => {
    await expectReason(() => parseCertificateChain(x5c), 'bad-input');
  });

  it('refuses garbage certificates and keys in publicKeyMatches as bad input', async () => {
    const { der: certDer } = await quickCert();
    await expectReason(() => publicKeyMatches(Buffer.from('junk'), newKey('P-256')), 'bad-input');
    await expectReason(() => publicKeyMatches(certDer, { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), 'bad-input');
  });
});

/** Non-ASCII on purpose: both sides must agree on UTF-8 for PBES2 and UTF-16 for the PKCS#12 MAC. */
const PASSWORD = 'Pässwort 1';

describe.each(KINDS)('a PFX for a %s key', (kind) => {
  const jwk = newKey(kind);
  const cert = createSelfSigned({ ...policy(jwk), now: undefined });
  const chain = Promise.all([1, 2].map(async (n) => (await quickCert(newKey('P-256'), { subject: `CN=CA ${n}` })).der));
  const made = (async () => {
    const { der } = await cert;
    return {
      withPassword: await createPfx({ certDer: der, chainDers: await chain, privateJwk: jwk, password: PASSWORD }),
      withoutPassword: await createPfx({ certDer: der, privateJwk: jwk }),
    };
  })();

  itWithOpenssl('opens with openssl pkcs12 and the password, giving back the key and all certificates', async () => {
    const path = file((await made).withPassword, 'pfx');
    const run = opensslRun('pkcs12', '-info', '-in', path, '-passin', `pass:${PASSWORD}`, '-nodes');
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('MAC: sha256');
    expect(run.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
    const certs = blocks(run.stdout, 'CERTIFICATE');
    expect(certs).toEqual([(await cert).der, ...(await chain)]);
    const [keyDer] = blocks(run.stdout, 'PRIVATE KEY');
    const key = createPrivateKey({ key: keyDer ?? Buffer.alloc(0), format: 'der', type: 'pkcs8' });
    expect(new X509Certificate((await cert).der).checkPrivateKey(key)).toBe(true);
  });

  itWithOpenssl('made without a password, opens with openssl and the empty password', async () => {
    const path = file((await made).withoutPassword, 'pfx');
    expect(opensslRun('pkcs12', '-info', '-in', path, '-passin', 'pass:', '-nokeys').status).toBe(0);
    const out = openssl('pkcs12', '-in', path, '-passin', 'pass:', '-nodes');
    expect(blocks(out, 'PRIVATE KEY')).toHaveLength(1);
  });

  it('parses back to the same key, certificate and chain', async () => {
    const { withPassword, withoutPassword } = await made;
    const { der } = await cert;
    expect(await parsePfx(withPassword, PASSWORD)).toEqual({ privateJwk: jwk, certDer: der, chainDers: await chain });
    expect(await parsePfx(withoutPassword)).toEqual({ privateJwk: jwk, certDer: der, chainDers: [] });
  });

  it('is DER at every layer: definite lengths, the encrypted content one primitive OCTET STRING (Go reads only DER)', async () => {
    const { withPassword, withoutPassword } = await made;
    for (const pfx of [withPassword, withoutPassword]) {
      const found = derProblems(pfx);
      expect(found.problems).toEqual([]);
      // The certificates' SafeContents is encrypted (the key's is plain, its bag shrouded): one primitive [0].
      expect(found.encryptedContents).toBe(1);
    }
  });

  it('refuses a wrong or missing password as bad-password', async () => {
    const { withPassword, withoutPassword } = await made;
    await expectReason(() => parsePfx(withPassword, 'wrong'), 'bad-password');
    await expectReason(() => parsePfx(withPassword), 'bad-password');
    await expectReason(() => parsePfx(withoutPassword, 'unexpected'), 'bad-password');
  });
});

/**
 * Walks BER/DER bytes, descending into constructed items and into OCTET STRINGs that hold a whole SEQUENCE (the
 * PFX's authenticated safe); lists indefinite lengths and counts primitive [0] items: the encryptedContent of an
 * EncryptedContentInfo, which DER writes as one primitive [0] IMPLICIT OCTET STRING (BER may split it into pieces).
 */
function derProblems(bytes: Buffer): { problems: string[]; encryptedContents: number } {
  const problems: string[] = [];
  let encryptedContents = 0;
  const walk = (buf: Buffer, depth: number): boolean => {
    let at = 0;
    while (at < buf.length) {
      const tag = buf[at] as number;
      const first = buf[at + 1];
      if (first === undefined) return false;
      let length = first;
      let header = 2;
      if (first === 0x80) {
        problems.push(`indefinite length at depth ${depth} (tag 0x${tag.toString(16)})`);
        return false;
      }
      if (first > 0x80) {
        const n = first & 0x7f;
        length = 0;
        for (let i = 0; i < n; i++) length = length * 256 + (buf[at + 2 + i] as number);
        header = 2 + n;
      }
      if (at + header + length > buf.length) return false;
      const content = buf.subarray(at + header, at + header + length);
      if (tag === 0x80) encryptedContents++;
      if (tag & 0x20) walk(content, depth + 1);
      else if (tag === 0x04 && content[0] === 0x30) walk(content, depth + 1);
      at += header + length;
    }
    return true;
  };
  walk(bytes, 0);
  return { problems, encryptedContents };
}

const LEGACY_3DES = ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'];

describe.skipIf(!HAVE_OPENSSL)(withOpenssl('PFX files made by openssl pkcs12 -export'), () => {
  /** Paths of PEM files: a leaf key, its certificate and the CA certificate that signed it. */
  interface Credentials {
    key: string;
    leaf: string;
    ca: string;
  }

  /** An openssl-made CA, a leaf key of `algorithm` and a leaf certificate the CA signs. */
  function opensslCredentials(algorithm: string[]): Credentials {
    const ca = join(dir, `ca-${++fileCount}`);
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`,
      '-subj', '/CN=Export CA', '-days', '2');
    const key = join(dir, `key-${++fileCount}.pem`);
    openssl('genpkey', ...algorithm, '-out', key);
    const csr = join(dir, `csr-${++fileCount}.pem`);
    openssl('req', '-new', '-key', key, '-subj', '/CN=exported.example.com', '-out', csr);
    const leaf = join(dir, `leaf-${++fileCount}.pem`);
    openssl('x509', '-req', '-in', csr, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
      '-days', '2', '-out', leaf);
    return { key, leaf, ca: `${ca}.pem` };
  }

  // Made in beforeAll: a skipped suite's body still runs to collect its tests, and must not call openssl then.
  const credentials = {} as Record<'rsa' | 'ec', Credentials>;
  beforeAll(() => {
    credentials.rsa = opensslCredentials(['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    credentials.ec = opensslCredentials(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  });

  function exportPfx(credentials: Credentials, password: string, ...options: string[]): Buffer {
    const out = join(dir, `export-${++fileCount}.pfx`);
    openssl('pkcs12', '-export', '-inkey', credentials.key, '-in', credentials.leaf, '-certfile', credentials.ca,
      '-passout', `pass:${password}`, '-out', out, ...options);
    return readFileSync(out);
  }

  async function expectCredentials(parsed: Promise<CertificateWithKey>, credentials: Credentials): Promise<void> {
    const { privateJwk, certDer, chainDers } = await parsed;
    expect(certDer.equals(new X509Certificate(readFileSync(credentials.leaf)).raw)).toBe(true);
    expect(chainDers).toEqual([new X509Certificate(readFileSync(credentials.ca)).raw]);
    const expected = createPrivateKey(readFileSync(credentials.key)).export({ format: 'jwk' });
    expect(privateJwk.d).toBe(expected.d);
    expect(new X509Certificate(certDer).checkPrivateKey(nodeKey(privateJwk))).toBe(true);
  }

  it.each([
    ['RSA, OpenSSL 3 defaults (PBES2 AES-256-CBC, SHA-256 MAC)', 'rsa', []],
    ['EC P-256, OpenSSL 3 defaults', 'ec', []],
    ['RSA, legacy 3DES with a SHA-1 MAC', 'rsa', LEGACY_3DES],
    ['EC P-256, legacy 3DES with a SHA-1 MAC', 'ec', LEGACY_3DES],
    ['RSA, no MAC', 'rsa', ['-nomac']],
  ] as [string, 'rsa' | 'ec', string[]][])('parses %s', async (_name, which, options) => {
    const made = credentials[which];
    await expectCredentials(parsePfx(exportPfx(made, PASSWORD, ...options), PASSWORD), made);
  });

  it('parses a file with the empty password given as none or as the empty string', async () => {
    const pfx = exportPfx(credentials.ec, '');
    await expectCredentials(parsePfx(pfx), credentials.ec);
    await expectCredentials(parsePfx(pfx, ''), credentials.ec);
  });

  it('parses a file with neither encryption nor MAC', async () => {
    const pfx = exportPfx(credentials.rsa, '', '-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac');
    await expectCredentials(parsePfx(pfx), credentials.rsa);
  });

  it('tells a wrong password as bad-password, with a MAC and without', async () => {
    await expectReason(() => parsePfx(exportPfx(credentials.rsa, PASSWORD), 'wrong'), 'bad-password');
    await expectReason(() => parsePfx(exportPfx(credentials.rsa, PASSWORD, '-nomac'), 'wrong'), 'bad-password');
  });

  it('opens RC2-40 files (openssl -legacy) where Node has RC2, and says unsupported elsewhere', async (context) => {
    const out = join(dir, `legacy-${++fileCount}.pfx`);
    const { key, leaf } = credentials.rsa;
    const made = opensslRun('pkcs12', '-export', '-legacy', '-inkey', key, '-in', leaf, '-out', out,
      '-passout', `pass:${PASSWORD}`);
    if (made.status !== 0) context.skip('this openssl has no legacy provider to write RC2');
    // getCiphers() lists RC2 even where OpenSSL 3 refuses it without the legacy provider: ask for the cipher itself.
    const nodeHasRc2 = (() => {
      try {
        createDecipheriv('rc2-40-cbc', Buffer.alloc(5), Buffer.alloc(8));
        return true;
      } catch {
        return false;
      }
    })();
    const parsed = parsePfx(readFileSync(out), PASSWORD);
    if (nodeHasRc2) {
      expect((await parsed).certDer.equals(new X509Certificate(readFileSync(credentials.rsa.leaf)).raw)).toBe(true);
    } else {
      await expectReason(() => parsed, 'unsupported');
    }
  });
});

describe('bad PKCS#12 input', () => {
  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['random bytes', randomBytes(512)],
    ['text', Buffer.from('this is not a PFX file')],
    ['a certificate instead of a PFX', null],
  ] as [string, Buffer | null][])('refuses %s as bad-input', async (_name, bytes) => {
    const input = bytes ?? (await quickCert()).der;
    await expectReason(() => parsePfx(input, 'pw'), 'bad-input');
  });

  it('refuses a truncated PFX as bad-input', async () => {
    const key = newKey('P-256');
    const { der } = await quickCert(key);
    const pfx = await createPfx({ certDer: der, privateJwk: key, password: 'pw' });
    await expectReason(() => parsePfx(pfx.subarray(0, pfx.length - 40), 'pw'), 'bad-input');
  });

  it('refuses to pack a key with a certificate not its own (mismatch) or a broken one (bad-input)', async () => {
    const { der } = await quickCert();
    await expectReason(() => createPfx({ certDer: der, privateJwk: newKey('P-256') }), 'mismatch');
    await expectReason(() => createPfx({ certDer: Buffer.from('junk'), privateJwk: newKey('P-256') }), 'bad-input');
  });
});

/** A PEM block whose content is not what its label says. */
const damaged = (label: string): string => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

describe('PEM bundles', () => {
  /** Key, leaf and an unrelated CA certificate, the key in each of the three PEM key forms, written by Node. */
  type KeyForm = 'pkcs8' | 'pkcs1' | 'sec1';
  type Material = Awaited<ReturnType<typeof material>>;

  async function material(kind: KeyKind, type: KeyForm) {
    const jwk = newKey(kind);
    const keyPem = nodeKey(jwk).export({ type, format: 'pem' }).toString();
    const leaf = await quickCert(jwk, { subject: 'CN=pem.example.com' });
    const ca = await quickCert(newKey('P-384'), { subject: 'CN=PEM CA' });
    return { jwk, keyPem, leaf, ca };
  }

  it.each([
    ['PRIVATE KEY (PKCS#8), RSA', 'RSA-2048', 'pkcs8'],
    ['RSA PRIVATE KEY (PKCS#1)', 'RSA-2048', 'pkcs1'],
    ['EC PRIVATE KEY (SEC1), P-521', 'P-521', 'sec1'],
    ['PRIVATE KEY (PKCS#8), P-256K', 'P-256K', 'pkcs8'],
  ] as [string, KeyKind, KeyForm][])('reads %s with the certificates in any order', async (_name, kind, type) => {
    const { jwk, keyPem, leaf, ca } = await material(kind, type);
    expect(keyPem).toContain(`BEGIN ${type === 'pkcs8' ? '' : type === 'pkcs1' ? 'RSA ' : 'EC '}PRIVATE KEY`);
    for (const order of [[keyPem, leaf.pem, ca.pem], [ca.pem, leaf.pem, keyPem], [leaf.pem, keyPem, ca.pem]]) {
      expect(parsePemBundle(order.join('\n'))).toEqual({ privateJwk: jwk, certDer: leaf.der, chainDers: [ca.der] });
    }
  });

  it('passes over the EC PARAMETERS block openssl ecparam writes before the key', async () => {
    const { jwk, keyPem, leaf } = await material('P-256', 'sec1');
    const ecParameters = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expect(parsePemBundle(`${ecParameters}${keyPem}${leaf.pem}`).privateJwk).toEqual(jwk);
  });

  it('writes the PKCS#8 key first, then the certificate and chain, and reads that back', async () => {
    const { jwk, leaf, ca } = await material('P-256', 'pkcs8');
    const bundle = { privateJwk: jwk, certDer: leaf.der, chainDers: [ca.der] };
    const text = toPemBundle(bundle);
    expect(text.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(blocks(text, 'CERTIFICATE')).toEqual([leaf.der, ca.der]);
    const key = createPrivateKey(text);
    expect(new X509Certificate(leaf.der).checkPrivateKey(key)).toBe(true);
    expect(parsePemBundle(text)).toEqual(bundle);
    if (HAVE_OPENSSL) {
      const path = file(text, 'pem');
      expect(openssl('x509', '-in', path, '-noout', '-subject')).toContain('CN = pem.example.com');
      expect(opensslRun('pkey', '-in', path, '-noout').status).toBe(0);
    }
  });

  it('refuses a bundle whose key is not any certificate\'s as mismatch', async () => {
    const { keyPem } = await material('P-256', 'pkcs8');
    const other = await material('P-256', 'pkcs8');
    await expectReason(() => parsePemBundle(`${keyPem}${other.leaf.pem}`), 'mismatch');
  });

  it('refuses an encrypted private key as unsupported', async () => {
    const { jwk, leaf } = await material('P-256', 'pkcs8');
    const encrypted = nodeKey(jwk).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    await expectReason(() => parsePemBundle(`${encrypted.toString()}${leaf.pem}`), 'unsupported');
  });

  it.each([
    ['no private key', (m: Material) => m.leaf.pem],
    ['no certificate', (m: Material) => m.keyPem],
    ['two private keys', (m: Material) => `${m.keyPem}${m.keyPem}${m.leaf.pem}`],
    ['a damaged key block', (m: Material) => `${damaged('PRIVATE KEY')}${m.leaf.pem}`],
    ['a damaged certificate block', (m: Material) => `${m.keyPem}${damaged('CERTIFICATE')}`],
    ['plain text', () => 'hello'],
  ])('refuses a bundle with %s as bad-input', async (_name, make) => {
    const text = make(await material('P-256', 'pkcs8'));
    await expectReason(() => parsePemBundle(text), 'bad-input');
  });
});
