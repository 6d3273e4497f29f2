/**
 * PKCS#12 (PFX), content type application/x-pkcs12: what Key Vault keeps in a certificate's managed secret and what
 * an import brings.
 *
 * pkijs does the ASN.1 and the PBES2/MAC crypto (WebCrypto underneath). What it lacks is the legacy PKCS#12
 * password-based encryption (RFC 7292 appendix C: 3DES and RC2 keyed by the PKCS#12 KDF), which WebCrypto cannot
 * do; `Pkcs12Engine` adds decryption of those with node:crypto so files from Windows, .NET, Java and older OpenSSL
 * open too. New files are always written with PBES2.
 */
import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  timingSafeEqual,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { badInput, CertificateCryptoError, messageOf } from './errors.js';
import { pairKeyWithCertificates, type CertificateWithKey } from './bundle.js';
import { privateKeyFromJwk, type KeyJwkInput } from './keys.js';
import { assertCertificate, publicKeyMatches } from './parse.js';

const OIDS = {
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
} as const;

const DATA_CONTENT_TYPE = '1.2.840.113549.1.7.1';

/**
 * The legacy PBE schemes of RFC 7292 appendix C, by OID, with node:crypto's cipher (all use an 8-byte IV). RC2 is
 * listed so that a runtime without it says so by name; Node's OpenSSL 3 offers it only with the legacy provider.
 */
const LEGACY_PBE: Record<string, { cipher: string; keyLength: number; label: string }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24, label: 'pbeWithSHAAnd3-KeyTripleDES-CBC' },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16, label: 'pbeWithSHAAnd2-KeyTripleDES-CBC' },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, label: 'pbeWithSHAAnd128BitRC2-CBC' },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-40-cbc', keyLength: 5, label: 'pbewithSHAAnd40BitRC2-CBC' },
};
const LEGACY_IV_LENGTH = 8;

/** OpenSSL 3's defaults for `pkcs12 -export`, which every current reader accepts. */
const ITERATIONS = 2048;
const PBES2 = {
  contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 },
  hmacHashAlgorithm: 'SHA-256',
  iterationCount: ITERATIONS,
};

/** A hash as the PKCS#12 KDF sees it: node's name, output size u and block size v, in bytes. */
interface KdfHash {
  name: string;
  u: number;
  v: number;
}

/** The hashes a PKCS#12 MAC may use, by digest OID. */
const KDF_HASHES: Record<string, KdfHash> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};
const SHA1: KdfHash = { name: 'sha1', u: 20, v: 64 };

/**
 * The password as the PKCS#12 KDF takes it (RFC 7292 B.1): UTF-16BE with a two-byte terminator. For an empty
 * password there are two readings in the wild, the empty string (just the terminator, what OpenSSL writes) and no
 * password at all (zero bytes, what some Windows and Java tools write); readers try both, as OpenSSL does.
 */
function kdfPasswords(utf8: ArrayBuffer): Buffer[] {
  const text = Buffer.from(utf8).toString('utf8');
  const bmp = Buffer.alloc(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) bmp.writeUInt16BE(text.charCodeAt(i), i * 2);
  return text.length === 0 ? [bmp, Buffer.alloc(0)] : [bmp];
}

/** Repeats `data` to fill a whole number of `v`-byte blocks (empty stays empty), as RFC 7292 B.2 builds S and P. */
function fillBlocks(data: Buffer, v: number): Buffer {
  const out = Buffer.alloc(v * Math.ceil(data.length / v));
  for (let i = 0; i < out.length; i++) out[i] = data[i % data.length] as number;
  return out;
}

/** The PKCS#12 key derivation of RFC 7292 B.2; `id` 1 derives cipher keys, 2 IVs, 3 MAC keys. */
function pkcs12Kdf(
  hash: KdfHash,
  password: Buffer,
  salt: Buffer,
  iterations: number,
  id: 1 | 2 | 3,
  length: number,
): Buffer {
  const { name, u, v } = hash;
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([fillBlocks(salt, v), fillBlocks(password, v)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash(name).update(diversifier).update(input).digest();
    for (let round = 1; round < iterations; round++) a = createHash(name).update(a).digest();
    out.push(a);
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, B being A repeated to v bytes.
    const b = fillBlocks(a, v);
    for (let block = 0; block < input.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (input[block + k] as number) + (b[k] as number) + carry;
        input[block + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * Which KDF reading of the password the MAC verifies with, or undefined when none does. Verified here rather than
 * by pkijs so that both readings of an empty password can be tried.
 */
function verifyMac(pfx: pkijs.PFX, password: ArrayBuffer): Buffer | undefined {
  const macData = pfx.macData;
  if (macData === undefined) return undefined;
  const { algorithmId } = macData.mac.digestAlgorithm;
  const hash = KDF_HASHES[algorithmId];
  if (hash === undefined) {
    throw new CertificateCryptoError('unsupported', `the PKCS#12 MAC uses an unknown hash (${algorithmId})`);
  }
  if (!(pfx.authSafe.content instanceof asn1js.OctetString)) throw badInput('the PKCS#12 content is not data');
  const content = Buffer.from(pfx.authSafe.content.getValue());
  const salt = Buffer.from(macData.macSalt.getValue());
  const expected = Buffer.from(macData.mac.digest.getValue());
  return kdfPasswords(password).find((candidate) => {
    const key = pkcs12Kdf(hash, candidate, salt, macData.iterations ?? 1, 3, hash.u);
    const actual = createHmac(hash.name, key).update(content).digest();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

type DecryptParams = Parameters<pkijs.CryptoEngine['decryptEncryptedContentInfo']>[0];
type EncryptParams = Parameters<pkijs.CryptoEngine['encryptEncryptedContentInfo']>[0];
// pkijs' typings name the DOM Crypto, which this project (no DOM lib) does not declare; borrow it from the engine.
type PkijsCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];

/** pkijs' engine on Node's WebCrypto, plus decryption of the legacy schemes with one reading of the password. */
class Pkcs12Engine extends pkijs.CryptoEngine {
  constructor(private readonly kdfPassword: Buffer | undefined) {
    super({ name: 'kyanite-pkcs12', crypto: webcrypto as unknown as PkijsCrypto });
  }

  override async decryptEncryptedContentInfo(parameters: DecryptParams): Promise<ArrayBuffer> {
    const { algorithmId, algorithmParams } = parameters.encryptedContentInfo.contentEncryptionAlgorithm;
    const scheme = LEGACY_PBE[algorithmId];
    if (scheme === undefined) return super.decryptEncryptedContentInfo(parameters);
    // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
    const [salt, iterations] = algorithmParams instanceof asn1js.Sequence ? algorithmParams.valueBlock.value : [];
    if (!(salt instanceof asn1js.OctetString) || !(iterations instanceof asn1js.Integer)) {
      throw badInput(`the ${scheme.label} parameters are malformed`);
    }
    const password = this.kdfPassword ?? (kdfPasswords(parameters.password)[0] as Buffer);
    const saltBytes = Buffer.from(salt.getValue());
    const count = iterations.valueBlock.valueDec;
    const key = pkcs12Kdf(SHA1, password, saltBytes, count, 1, scheme.keyLength);
    const iv = pkcs12Kdf(SHA1, password, saltBytes, count, 2, LEGACY_IV_LENGTH);
    let decipher;
    try {
      decipher = createDecipheriv(scheme.cipher, key, iv);
    } catch (error) {
      const why = `${scheme.label}, which this runtime's OpenSSL does not offer (${messageOf(error)})`;
      throw new CertificateCryptoError('unsupported', `this PKCS#12 file uses ${why}; re-export it with AES`);
    }
    const data = Buffer.from(parameters.encryptedContentInfo.getEncryptedContent());
    return toArrayBuffer(Buffer.concat([decipher.update(data), decipher.final()]));
  }

  /**
   * pkijs splits encrypted content into 1 KiB pieces of a constructed OCTET STRING with indefinite lengths (BER).
   * Readers that take only DER, as Go's PKCS#12 packages do (encoding/asn1), then refuse the whole file; OpenSSL
   * and Key Vault write one primitive OCTET STRING, so this does too.
   */
  override async encryptEncryptedContentInfo(parameters: EncryptParams): Promise<pkijs.EncryptedContentInfo> {
    const info = await super.encryptEncryptedContentInfo(parameters);
    return new pkijs.EncryptedContentInfo({
      contentType: info.contentType,
      contentEncryptionAlgorithm: info.contentEncryptionAlgorithm,
      encryptedContent: new asn1js.OctetString({ valueHex: info.getEncryptedContent() }),
      disableSplit: true,
    });
  }
}

const toArrayBuffer = (data: Buffer): ArrayBuffer => Uint8Array.from(data).buffer;

/** pkijs takes passwords as UTF-8 bytes, as PBES2 (and OpenSSL) use them; the KDF readings are derived from these. */
const passwordBytes = (password: string | undefined): ArrayBuffer => toArrayBuffer(Buffer.from(password ?? '', 'utf8'));

const pkcs8Key = (der: ArrayBuffer): KeyObject =>
  createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });

export interface CreatePfxOptions {
  certDer: Buffer;
  chainDers?: Buffer[];
  privateJwk: KeyJwkInput;
  /** Omitted or empty: the file is protected with the empty password, which is how Key Vault keeps it. */
  password?: string;
}

/**
 * A PFX laid out as OpenSSL 3 writes one: the certificates in a PBES2-encrypted SafeContents, the key in a
 * PKCS#8 shrouded key bag (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256), a SHA-256 HMAC over it all. The key and its
 * certificate share a localKeyId (the certificate's SHA-1, as OpenSSL sets it) so Windows and .NET pair them.
 */
export async function createPfx(options: CreatePfxOptions): Promise<Buffer> {
  const privateKey = privateKeyFromJwk(options.privateJwk);
  const chain = options.chainDers ?? [];
  for (const der of [options.certDer, ...chain]) assertCertificate(der);
  if (!publicKeyMatches(options.certDer, options.privateJwk)) {
    throw new CertificateCryptoError('mismatch', "the certificate's public key is not the private key's");
  }
  const password = passwordBytes(options.password);
  const engine = new Pkcs12Engine(undefined);
  const leafSha1 = createHash('sha1').update(options.certDer).digest();
  const localKeyId = new pkijs.Attribute({
    type: OIDS.localKeyId,
    values: [new asn1js.OctetString({ valueHex: toArrayBuffer(leafSha1) })],
  });
  const certBag = (der: Buffer, leaf: boolean): pkijs.SafeBag =>
    new pkijs.SafeBag({
      bagId: OIDS.certBag,
      bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(toArrayBuffer(der)) }),
      ...(leaf ? { bagAttributes: [localKeyId] } : {}),
    });
  // The PKCS#8 bytes are encrypted as Node wrote them: pkijs' own PrivateKeyInfo cannot read a secp256k1 key.
  const encryptedKey = await engine.encryptEncryptedContentInfo({
    password,
    contentToEncrypt: toArrayBuffer(privateKey.export({ type: 'pkcs8', format: 'der' })),
    contentType: DATA_CONTENT_TYPE,
    ...PBES2,
  });
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({
    encryptionAlgorithm: encryptedKey.contentEncryptionAlgorithm,
    encryptedData: encryptedKey.encryptedContent,
  });
  const certBags = [certBag(options.certDer, true), ...chain.map((der) => certBag(der, false))];
  const keyBags = [new pkijs.SafeBag({ bagId: OIDS.shroudedKeyBag, bagValue: keyBag, bagAttributes: [localKeyId] })];
  // Privacy mode 1 encrypts the certificates' SafeContents; the key's (mode 0) is plain, its bag being encrypted.
  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
        { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: keyBags }) },
      ],
    },
  });
  await authenticatedSafe.makeInternalValues({ safeContents: [{ password, ...PBES2 }, {}] }, engine);
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues(
    { password, iterations: ITERATIONS, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' },
    engine,
  );
  return Buffer.from(pfx.toSchema().toBER(false));
}

/** Runs a pkijs step, turning what it throws into our error with `reason` (ours pass through untouched). */
async function step<T>(reason: 'bad-input' | 'bad-password', what: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CertificateCryptoError) throw error;
    throw new CertificateCryptoError(reason, `${what}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * The key, certificate and chain of a PFX. Without a password the empty one is used, which opens the files Key
 * Vault and `openssl pkcs12 -export -passout pass:` write. A MAC that does not verify, or (in a file without MAC)
 * content that does not decrypt, is 'bad-password'; a file that is not PKCS#12 is 'bad-input'.
 */
export async function parsePfx(pfxBytes: Buffer, password?: string): Promise<CertificateWithKey> {
  if (!Buffer.isBuffer(pfxBytes) || pfxBytes.length === 0) throw badInput('the PFX is empty');
  const pass = passwordBytes(password);
  const pfx = await step('bad-input', 'not a PKCS#12 file', () => pkijs.PFX.fromBER(toArrayBuffer(pfxBytes)));
  const hasMac = pfx.macData !== undefined;
  let kdfPassword: Buffer | undefined;
  if (hasMac) {
    kdfPassword = await step('bad-input', 'the PKCS#12 MAC is malformed', () => verifyMac(pfx, pass));
    if (kdfPassword === undefined) {
      throw new CertificateCryptoError('bad-password', 'the PKCS#12 password is wrong (the MAC does not verify)');
    }
  }
  const engine = new Pkcs12Engine(kdfPassword);
  await step('bad-input', 'the PKCS#12 content is malformed', () =>
    pfx.parseInternalValues({ password: pass, checkIntegrity: false }, engine),
  );
  const authenticatedSafe = pfx.parsedValue?.authenticatedSafe;
  if (authenticatedSafe === undefined) throw badInput('the PKCS#12 file has no content');
  // A MAC that verified proves the password; without one, a failed decryption is the only sign of a wrong password.
  const decryptFailure = hasMac ? 'bad-input' : 'bad-password';
  await step(decryptFailure, 'the PKCS#12 content does not decrypt', () =>
    authenticatedSafe.parseInternalValues(
      { safeContents: authenticatedSafe.safeContents.map(() => ({ password: pass })) },
      engine,
    ),
  );
  const keys: KeyObject[] = [];
  const certificates: Buffer[] = [];
  for (const { value } of authenticatedSafe.parsedValue?.safeContents ?? []) {
    for (const bag of value.safeBags) {
      if (bag.bagId === OIDS.shroudedKeyBag) {
        // Decrypted through the engine directly: the bag's own parse method is not public in pkijs' typings.
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        const encryptedContentInfo = new pkijs.EncryptedContentInfo({
          contentEncryptionAlgorithm: shrouded.encryptionAlgorithm,
          encryptedContent: shrouded.encryptedData,
        });
        const key = await step(decryptFailure, 'the PKCS#12 key does not decrypt', async () =>
          pkcs8Key(await engine.decryptEncryptedContentInfo({ password: pass, encryptedContentInfo })),
        );
        keys.push(key);
      } else if (bag.bagId === OIDS.keyBag) {
        const info = bag.bagValue as pkijs.PrivateKeyInfo;
        keys.push(await step('bad-input', 'the PKCS#12 key is malformed', () => pkcs8Key(info.toSchema().toBER())));
      } else if (bag.bagId === OIDS.certBag) {
        const certBag = bag.bagValue as pkijs.CertBag;
        // The DER as stored, not pkijs' re-encoding of it, so thumbprints stay those of the original.
        if (certBag.certId === OIDS.x509Certificate && certBag.certValue instanceof asn1js.OctetString) {
          certificates.push(Buffer.from(certBag.certValue.getValue()));
        }
      }
      // CRL, secret and nested bags carry nothing a Key Vault certificate keeps.
    }
  }
  return pairKeyWithCertificates('PKCS#12 file', keys, certificates);
}
