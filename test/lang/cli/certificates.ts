import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { expect } from 'vitest';
import { file, openssl, vaultUrl, type CliContext } from './context.js';

/** SHA-1 thumbprint as `certificate show` prints it (x509ThumbprintHex). */
const thumbprint = (cert: X509Certificate): string => cert.fingerprint.replaceAll(':', '');

const pemCertificates = (pem: string): X509Certificate[] =>
  (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));

/** The private key in a PEM bundle belongs to the certificate: same public key. */
function expectKeyMatches(pem: string, cert: X509Certificate): void {
  const key = crypto.createPrivateKey(pem.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/)![0]);
  const der = (k: crypto.KeyObject) => k.export({ format: 'der', type: 'spki' });
  expect(der(crypto.createPublicKey(key)).equals(der(cert.publicKey))).toBe(true);
}

/**
 * `az keyvault certificate create/show/download` for a self-signed certificate, then `import` of a PFX and a PEM
 * bundle: what az downloads is parsed with node:crypto and openssl, not trusted from Kyanite's JSON.
 */
export async function certificateCreateImportDownload(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;
  const url = vaultUrl(ctx);

  const policy = await az.json('keyvault', 'certificate', 'get-default-policy');
  policy.x509CertificateProperties.subject = 'CN=cli.kyanite.test';
  policy.x509CertificateProperties.subjectAlternativeNames = { dnsNames: ['cli.kyanite.test', 'www.cli.kyanite.test'] };
  fs.writeFileSync(file(ctx, 'policy.json'), JSON.stringify(policy));
  const operation = await az.json('keyvault', 'certificate', 'create', '--vault-name', vault, '-n', 'cli-cert', '-p', `@${file(ctx, 'policy.json')}`);
  expect(operation).toMatchObject({ status: 'completed', target: `${url}/certificates/cli-cert` });

  const shown = await az.json('keyvault', 'certificate', 'show', '--vault-name', vault, '-n', 'cli-cert');
  expect(shown.id).toMatch(new RegExp(`^${url}/certificates/cli-cert/[0-9a-f]{32}$`));
  expect(shown.policy.x509CertificateProperties.subject).toBe('CN=cli.kyanite.test');
  expect(shown.policy.secretProperties.contentType).toBe('application/x-pkcs12');

  await az.raw('keyvault', 'certificate', 'download', '--vault-name', vault, '-n', 'cli-cert', '-f', file(ctx, 'cert.pem'));
  const cert = new X509Certificate(fs.readFileSync(file(ctx, 'cert.pem')));
  expect(cert.subject).toBe('CN=cli.kyanite.test');
  expect(cert.subjectAltName).toBe('DNS:cli.kyanite.test, DNS:www.cli.kyanite.test');
  expect(cert.verify(cert.publicKey)).toBe(true);
  expect(thumbprint(cert)).toBe(shown.x509ThumbprintHex);
  await az.raw('keyvault', 'certificate', 'download', '--id', shown.id, '-f', file(ctx, 'cert.der'), '-e', 'DER');
  expect(new X509Certificate(fs.readFileSync(file(ctx, 'cert.der'))).fingerprint256).toBe(cert.fingerprint256);
  // The key behind it is the certificate's: the JWK az shows through the certificate's kid.
  const key = await az.json('keyvault', 'key', 'show', '--id', shown.kid);
  expect(Buffer.from(key.key.n, 'base64').equals(Buffer.from(cert.publicKey.export({ format: 'jwk' }).n!, 'base64url'))).toBe(true);

  // The PFX behind it: downloaded through the secret, opened by openssl, then imported again under a new name.
  await az.raw('keyvault', 'secret', 'download', '--id', shown.sid, '-f', file(ctx, 'cert.pfx'), '--encoding', 'base64');
  openssl(ctx, 'pkcs12', '-in', 'cert.pfx', '-passin', 'pass:', '-nodes', '-out', 'from-pfx.pem');
  const fromPfx = fs.readFileSync(file(ctx, 'from-pfx.pem'), 'utf8');
  expect(pemCertificates(fromPfx).map(thumbprint)).toEqual([shown.x509ThumbprintHex]);
  expectKeyMatches(fromPfx, cert);
  const copied = await az.json('keyvault', 'certificate', 'import', '--vault-name', vault, '-n', 'cli-cert-copy', '-f', file(ctx, 'cert.pfx'));
  expect(copied.x509ThumbprintHex).toBe(shown.x509ThumbprintHex);

  // A key and certificate made by openssl: a password-protected PFX, and a PEM bundle (which needs the PEM content
  // type in a policy, as with the service: without one the file is read as PKCS#12).
  openssl(ctx, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'outside.key', '-out', 'outside.crt', '-subj', '/CN=outside.kyanite.test', '-days', '30');
  const outside = new X509Certificate(fs.readFileSync(file(ctx, 'outside.crt')));
  openssl(ctx, 'pkcs12', '-export', '-inkey', 'outside.key', '-in', 'outside.crt', '-passout', 'pass:pfx-password', '-out', 'outside.pfx');
  const fromPfxFile = await az.json('keyvault', 'certificate', 'import', '--vault-name', vault, '-n', 'cli-outside-pfx', '-f', file(ctx, 'outside.pfx'), '--password', 'pfx-password');
  expect(fromPfxFile.x509ThumbprintHex).toBe(thumbprint(outside));
  expect(fromPfxFile.policy.x509CertificateProperties.subject).toBe('CN=outside.kyanite.test');

  fs.writeFileSync(file(ctx, 'outside.pem'), fs.readFileSync(file(ctx, 'outside.key'), 'utf8') + fs.readFileSync(file(ctx, 'outside.crt'), 'utf8'));
  const pemPolicy = JSON.stringify({ secretProperties: { contentType: 'application/x-pem-file' } });
  expect(await az.failure('keyvault', 'certificate', 'import', '--vault-name', vault, '-n', 'cli-outside-pem', '-f', file(ctx, 'outside.pem'))).toContain('BadParameter');
  const fromPem = await az.json('keyvault', 'certificate', 'import', '--vault-name', vault, '-n', 'cli-outside-pem', '-f', file(ctx, 'outside.pem'), '-p', pemPolicy);
  expect(fromPem.x509ThumbprintHex).toBe(thumbprint(outside));
  const pemSecret = await az.json('keyvault', 'secret', 'show', '--id', fromPem.sid);
  expect(pemSecret.contentType).toBe('application/x-pem-file');
  expect(pemCertificates(pemSecret.value).map(thumbprint)).toEqual([thumbprint(outside)]);
  expectKeyMatches(pemSecret.value, outside);

  const names = (await az.json<Array<{ name: string }>>('keyvault', 'certificate', 'list', '--vault-name', vault)).map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(['cli-cert', 'cli-cert-copy', 'cli-outside-pfx', 'cli-outside-pem']));

  // Soft delete and backup move the certificate with its key and secret.
  await az.raw('keyvault', 'certificate', 'backup', '--vault-name', vault, '-n', 'cli-outside-pfx', '-f', file(ctx, 'outside.bak'));
  const deleted = await az.json('keyvault', 'certificate', 'delete', '--vault-name', vault, '-n', 'cli-outside-pfx');
  expect(deleted.recoveryId).toBe(`${url}/deletedcertificates/cli-outside-pfx`);
  expect((await az.json<Array<{ name: string }>>('keyvault', 'certificate', 'list-deleted', '--vault-name', vault)).map((c) => c.name)).toContain('cli-outside-pfx');
  await az.raw('keyvault', 'certificate', 'purge', '--vault-name', vault, '-n', 'cli-outside-pfx');
  expect(await az.failure('keyvault', 'secret', 'show', '--id', fromPfxFile.sid)).toContain('SecretNotFound');
  const restored = await az.json('keyvault', 'certificate', 'restore', '--vault-name', vault, '-f', file(ctx, 'outside.bak'));
  expect(restored.x509ThumbprintHex).toBe(thumbprint(outside));
  const restoredSecret = await az.json('keyvault', 'secret', 'show', '--id', fromPfxFile.sid);
  expect(restoredSecret.contentType).toBe('application/x-pkcs12');
}

/**
 * `az keyvault certificate create` with issuer Unknown, `pending show` for the CSR, a CA made here with openssl signs
 * it, `pending merge` brings the signed certificate back together with Kyanite's private key.
 */
export async function certificatePendingMerge(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;
  const policy = JSON.stringify({
    issuerParameters: { name: 'Unknown' },
    keyProperties: { exportable: true, keyType: 'RSA', keySize: 2048, reuseKey: false },
    secretProperties: { contentType: 'application/x-pem-file' },
    x509CertificateProperties: { subject: 'CN=merged.kyanite.test', validityInMonths: 12 },
  });
  const created = await az.json('keyvault', 'certificate', 'create', '--vault-name', vault, '-n', 'cli-merged', '-p', policy);
  expect(created.status).toBe('inProgress');
  const pending = await az.json('keyvault', 'certificate', 'pending', 'show', '--vault-name', vault, '-n', 'cli-merged');
  expect(pending.status).toBe('inProgress');
  fs.writeFileSync(file(ctx, 'merged.csr'), Buffer.from(pending.csr, 'base64'));
  openssl(ctx, 'req', '-in', 'merged.csr', '-inform', 'DER', '-verify', '-noout');

  openssl(ctx, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=Kyanite CLI Test CA', '-days', '30');
  openssl(ctx, 'x509', '-req', '-inform', 'DER', '-in', 'merged.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-out', 'merged.crt');
  const leaf = new X509Certificate(fs.readFileSync(file(ctx, 'merged.crt')));
  expect(leaf.verify(new X509Certificate(fs.readFileSync(file(ctx, 'ca.crt'))).publicKey)).toBe(true);

  const merged = await az.json('keyvault', 'certificate', 'pending', 'merge', '--vault-name', vault, '-n', 'cli-merged', '--file', file(ctx, 'merged.crt'));
  expect(merged.x509ThumbprintHex).toBe(thumbprint(leaf));
  expect((await az.json('keyvault', 'certificate', 'pending', 'show', '--vault-name', vault, '-n', 'cli-merged')).status).toBe('completed');
  const secret = await az.json('keyvault', 'secret', 'show', '--id', merged.sid);
  expect(pemCertificates(secret.value).map(thumbprint)[0]).toBe(thumbprint(leaf));
  expectKeyMatches(secret.value, leaf);

  // A certificate whose key is not the pending one is refused.
  const other = await az.json('keyvault', 'certificate', 'create', '--vault-name', vault, '-n', 'cli-merged-2', '-p', policy);
  expect(other.status).toBe('inProgress');
  expect(await az.failure('keyvault', 'certificate', 'pending', 'merge', '--vault-name', vault, '-n', 'cli-merged-2', '--file', file(ctx, 'merged.crt'))).toMatch(/BadParameter|InvalidParameter/);
}

/** `az keyvault certificate issuer ...` (create, show, update, list, admin add/list/delete, delete) and `contact add/list/delete`. */
export async function certificateIssuersAndContacts(ctx: CliContext): Promise<void> {
  const { az, vault } = ctx;
  const url = vaultUrl(ctx);
  const issuer = ['--vault-name', vault, '--issuer-name', 'cli-issuer'];

  const created = await az.json('keyvault', 'certificate', 'issuer', 'create', ...issuer, '--provider-name', 'Test', '--account-id', 'acct-1', '--password', 'issuer-password', '--organization-id', 'org-1');
  expect(created).toMatchObject({ id: `${url}/certificates/issuers/cli-issuer`, provider: 'Test', credentials: { accountId: 'acct-1', password: null } });
  expect(created.organizationDetails.id).toBe('org-1');
  const updated = await az.json('keyvault', 'certificate', 'issuer', 'update', ...issuer, '--account-id', 'acct-2');
  expect(updated.credentials.accountId).toBe('acct-2');
  expect((await az.json('keyvault', 'certificate', 'issuer', 'show', ...issuer)).credentials.accountId).toBe('acct-2');
  const listed = await az.json<Array<{ id: string; provider: string }>>('keyvault', 'certificate', 'issuer', 'list', '--vault-name', vault);
  expect(listed).toContainEqual({ id: `${url}/certificates/issuers/cli-issuer`, provider: 'Test' });

  await az.json('keyvault', 'certificate', 'issuer', 'admin', 'add', ...issuer, '--email', 'admin@kyanite.test', '--first-name', 'Ada', '--last-name', 'Admin', '--phone', '5550100');
  await az.json('keyvault', 'certificate', 'issuer', 'admin', 'add', ...issuer, '--email', 'ops@kyanite.test');
  const admins = await az.json('keyvault', 'certificate', 'issuer', 'admin', 'list', ...issuer);
  expect(admins).toEqual([
    { emailAddress: 'admin@kyanite.test', firstName: 'Ada', lastName: 'Admin', phone: '5550100' },
    { emailAddress: 'ops@kyanite.test', firstName: null, lastName: null, phone: null },
  ]);
  await az.raw('keyvault', 'certificate', 'issuer', 'admin', 'delete', ...issuer, '--email', 'admin@kyanite.test');
  expect((await az.json<Array<{ emailAddress: string }>>('keyvault', 'certificate', 'issuer', 'admin', 'list', ...issuer)).map((a) => a.emailAddress)).toEqual(['ops@kyanite.test']);

  await az.raw('keyvault', 'certificate', 'issuer', 'delete', ...issuer);
  expect(await az.failure('keyvault', 'certificate', 'issuer', 'show', ...issuer)).toContain('CertificateIssuerNotFound');

  const contacts = ['--vault-name', vault];
  await az.json('keyvault', 'certificate', 'contact', 'add', ...contacts, '--email', 'a@kyanite.test', '--name', 'Alice', '--phone', '5550101');
  const two = await az.json('keyvault', 'certificate', 'contact', 'add', ...contacts, '--email', 'b@kyanite.test', '--name', 'Bob');
  expect(two.id).toBe(`${url}/certificates/contacts`);
  expect(await az.json('keyvault', 'certificate', 'contact', 'list', ...contacts)).toMatchObject({
    contactList: [
      { emailAddress: 'a@kyanite.test', name: 'Alice', phone: '5550101' },
      { emailAddress: 'b@kyanite.test', name: 'Bob', phone: null },
    ],
  });
  await az.json('keyvault', 'certificate', 'contact', 'delete', ...contacts, '--email', 'a@kyanite.test');
  expect((await az.json('keyvault', 'certificate', 'contact', 'list', ...contacts)).contactList).toEqual([{ emailAddress: 'b@kyanite.test', name: 'Bob', phone: null }]);
  // Removing the last contact deletes the vault's contacts, which the service then answers with 404.
  await az.raw('keyvault', 'certificate', 'contact', 'delete', ...contacts, '--email', 'b@kyanite.test');
  expect(await az.failure('keyvault', 'certificate', 'contact', 'list', ...contacts)).toContain('ContactsNotFound');
}
