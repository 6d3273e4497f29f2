/**
 * PEM bundles (content type application/x-pem-file): a private key and certificates, the form Key Vault stores and
 * imports besides PKCS#12.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { badInput, CertificateCryptoError, messageOf } from './errors.js';
import { pairKeyWithCertificates, type CertificateWithKey } from './bundle.js';
import { privateKeyFromJwk, type KeyJwkInput } from './keys.js';
import { assertCertificate, pemBlocks } from './parse.js';

/** The private key labels and the DER layout each one names. */
const KEY_LABELS: Record<string, 'pkcs8' | 'pkcs1' | 'sec1'> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};

/**
 * The key and certificates of a PEM text, blocks in any order. Blocks of other kinds (EC PARAMETERS, which
 * `openssl ecparam -genkey` writes before the key, or a PUBLIC KEY) are passed over; an encrypted key is
 * 'unsupported' because Key Vault takes PEM keys in the clear.
 */
export function parsePemBundle(text: string): CertificateWithKey {
  if (typeof text !== 'string') throw badInput('the PEM bundle is not text');
  const keys: KeyObject[] = [];
  const certificates: Buffer[] = [];
  for (const { label, der } of pemBlocks(text)) {
    const type = KEY_LABELS[label];
    if (type !== undefined) {
      try {
        keys.push(createPrivateKey({ key: der, format: 'der', type }));
      } catch (error) {
        throw badInput(`the ${label} block is not a valid key: ${messageOf(error)}`, error);
      }
    } else if (label === 'ENCRYPTED PRIVATE KEY') {
      throw new CertificateCryptoError('unsupported', 'encrypted PEM keys are not supported: give the key unencrypted');
    } else if (label === 'CERTIFICATE') {
      certificates.push(der);
    }
  }
  return pairKeyWithCertificates('PEM bundle', keys, certificates);
}

const pem = (label: string, der: Buffer): string => {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
};

/** The PEM Key Vault stores for application/x-pem-file: the PKCS#8 key, then the certificate, then its chain. */
export function toPemBundle(bundle: Omit<CertificateWithKey, 'privateJwk'> & { privateJwk: KeyJwkInput }): string {
  const key = privateKeyFromJwk(bundle.privateJwk).export({ type: 'pkcs8', format: 'der' });
  const certificates = [bundle.certDer, ...bundle.chainDers];
  certificates.forEach(assertCertificate);
  return [pem('PRIVATE KEY', key), ...certificates.map((der) => pem('CERTIFICATE', der))].join('');
}
