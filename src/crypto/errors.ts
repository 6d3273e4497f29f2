/**
 * The one error type the crypto layer lets out. `reason` lets the domain map failures to service errors
 * without parsing messages, and keeps OpenSSL's wording (which varies across versions) out of responses.
 */
export class CryptoError extends Error {
  constructor(
    readonly reason: 'bad-input' | 'decrypt-failed' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}

/**
 * Runs `work` and turns anything it throws that is not already a CryptoError into one with `reason`,
 * so a raw OpenSSL error never reaches a caller.
 */
export function guard<T>(reason: CryptoError['reason'], message: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError(reason, message);
  }
}

export const badInput = (message: string): CryptoError => new CryptoError('bad-input', message);

/** One message for every failed decryption or unwrap, so a response never says which check failed. */
export const DECRYPT_FAILED = 'the ciphertext could not be decrypted';

export const decryptFailed = (): CryptoError => new CryptoError('decrypt-failed', DECRYPT_FAILED);
