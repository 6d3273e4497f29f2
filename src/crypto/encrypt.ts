import { cbcDecrypt, cbcEncrypt, gcmDecrypt, gcmEncrypt, kwpUnwrap, kwpWrap, kwUnwrap, kwWrap, type AesResult } from './aes.js';
import { CryptoError, DECRYPT_FAILED, badInput, guard } from './errors.js';
import { keyFamily, memberBytes, type PrivateJwk } from './jwk-model.js';
import { rsaDecrypt, rsaEncrypt, type RsaEncAlg } from './rsa-encrypt.js';

export type EncAlg =
  | 'RSA1_5' | 'RSA-OAEP' | 'RSA-OAEP-256'
  | 'A128GCM' | 'A192GCM' | 'A256GCM'
  | 'A128CBC' | 'A192CBC' | 'A256CBC'
  | 'A128CBCPAD' | 'A192CBCPAD' | 'A256CBCPAD'
  | 'A128KW' | 'A192KW' | 'A256KW'
  | 'CKM_AES_KEY_WRAP' | 'CKM_AES_KEY_WRAP_PAD';

export interface EncryptOptions {
  iv?: Buffer;
  aad?: Buffer;
}

export interface DecryptOptions extends EncryptOptions {
  tag?: Buffer;
}

export type EncryptResult = AesResult;

type AesMode = 'gcm' | 'cbc' | 'cbcpad' | 'kw' | 'kwp';
/** keyBytes 0: the PKCS#11-named wraps take an AES key of any size. */
type EncAlgSpec = { readonly family: 'RSA' } | { readonly family: 'oct'; readonly mode: AesMode; readonly keyBytes: number };

const aes = (mode: AesMode, keyBits: number): EncAlgSpec => ({ family: 'oct', mode, keyBytes: keyBits / 8 });
const AES_KEY_BYTES = [16, 24, 32];

const SPECS: Readonly<Record<EncAlg, EncAlgSpec>> = {
  RSA1_5: { family: 'RSA' },
  'RSA-OAEP': { family: 'RSA' },
  'RSA-OAEP-256': { family: 'RSA' },
  A128GCM: aes('gcm', 128),
  A192GCM: aes('gcm', 192),
  A256GCM: aes('gcm', 256),
  A128CBC: aes('cbc', 128),
  A192CBC: aes('cbc', 192),
  A256CBC: aes('cbc', 256),
  A128CBCPAD: aes('cbcpad', 128),
  A192CBCPAD: aes('cbcpad', 192),
  A256CBCPAD: aes('cbcpad', 256),
  A128KW: aes('kw', 128),
  A192KW: aes('kw', 192),
  A256KW: aes('kw', 256),
  // PKCS#11's CKM_AES_KEY_WRAP (RFC 3394) and CKM_AES_KEY_WRAP_PAD (RFC 5649), as Managed HSM names them.
  CKM_AES_KEY_WRAP: aes('kw', 0),
  CKM_AES_KEY_WRAP_PAD: aes('kwp', 0),
};

export const ENC_ALGS = Object.keys(SPECS) as readonly EncAlg[];

export const isEncAlg = (alg: unknown): alg is EncAlg => typeof alg === 'string' && Object.hasOwn(SPECS, alg);

/** Whether `alg` can be used with this key: RSA algorithms need an RSA key, AES ones an oct key of their size. */
export function encAlgFitsKey(jwk: PrivateJwk, alg: EncAlg): boolean {
  if (!isEncAlg(alg)) return false;
  const spec = SPECS[alg];
  if (keyFamily(jwk.kty) !== spec.family) return false;
  if (spec.family === 'RSA') return true;
  try {
    const size = memberBytes(jwk, 'k').length;
    return spec.keyBytes === 0 ? AES_KEY_BYTES.includes(size) : size === spec.keyBytes;
  } catch {
    return false;
  }
}

type Operation = 'encrypt' | 'decrypt' | 'wrapKey' | 'unwrapKey';

/** Which AES modes each operation takes: key wrap is only for wrapping, GCM and CBC only for encryption. */
const MODES_FOR: Readonly<Record<Operation, readonly AesMode[]>> = {
  encrypt: ['gcm', 'cbc', 'cbcpad'],
  decrypt: ['gcm', 'cbc', 'cbcpad'],
  wrapKey: ['kw', 'kwp'],
  unwrapKey: ['kw', 'kwp'],
};

type Checked = { family: 'RSA'; alg: RsaEncAlg } | { family: 'oct'; mode: AesMode; key: Buffer };

function check(jwk: PrivateJwk, alg: EncAlg, operation: Operation): Checked {
  if (!isEncAlg(alg)) throw new CryptoError('unsupported', `unknown encryption algorithm '${String(alg)}'`);
  if (!encAlgFitsKey(jwk, alg)) throw badInput(`${alg} cannot be used with this ${jwk.kty} key`);
  const spec = SPECS[alg];
  if (spec.family === 'RSA') return { family: 'RSA', alg: alg as RsaEncAlg };
  if (!MODES_FOR[operation].includes(spec.mode)) throw new CryptoError('unsupported', `${alg} cannot be used to ${operation}`);
  return { family: 'oct', mode: spec.mode, key: memberBytes(jwk, 'k') };
}

/** GCM returns iv and tag, CBC its iv; an iv is generated when none is given. */
export function encrypt(jwk: PrivateJwk, alg: EncAlg, plaintext: Buffer, opts: EncryptOptions = {}): EncryptResult {
  const op = check(jwk, alg, 'encrypt');
  return guard('bad-input', `${alg} encryption failed`, () => {
    if (op.family === 'RSA') return { value: rsaEncrypt(jwk, op.alg, plaintext) };
    return op.mode === 'gcm'
      ? gcmEncrypt(op.key, plaintext, opts.iv, opts.aad)
      : cbcEncrypt(op.key, plaintext, opts.iv, op.mode === 'cbcpad');
  });
}

export function decrypt(jwk: PrivateJwk, alg: EncAlg, ciphertext: Buffer, opts: DecryptOptions = {}): Buffer {
  const op = check(jwk, alg, 'decrypt');
  return guard('decrypt-failed', DECRYPT_FAILED, () => {
    if (op.family === 'RSA') return rsaDecrypt(jwk, op.alg, ciphertext);
    return op.mode === 'gcm'
      ? gcmDecrypt(op.key, ciphertext, opts.iv, opts.tag, opts.aad)
      : cbcDecrypt(op.key, ciphertext, opts.iv, op.mode === 'cbcpad');
  });
}

/** RSA algorithms with RSA keys; A*KW and CKM_AES_KEY_WRAP (RFC 3394), CKM_AES_KEY_WRAP_PAD (RFC 5649) with oct keys. */
export function wrapKey(jwk: PrivateJwk, alg: EncAlg, key: Buffer): Buffer {
  const op = check(jwk, alg, 'wrapKey');
  return guard('bad-input', `${alg} key wrapping failed`, () =>
    op.family === 'RSA' ? rsaEncrypt(jwk, op.alg, key) : op.mode === 'kwp' ? kwpWrap(op.key, key) : kwWrap(op.key, key),
  );
}

export function unwrapKey(jwk: PrivateJwk, alg: EncAlg, wrapped: Buffer): Buffer {
  const op = check(jwk, alg, 'unwrapKey');
  return guard('decrypt-failed', DECRYPT_FAILED, () =>
    op.family === 'RSA' ? rsaDecrypt(jwk, op.alg, wrapped) : op.mode === 'kwp' ? kwpUnwrap(op.key, wrapped) : kwUnwrap(op.key, wrapped),
  );
}
