/**
 * The one error type of the certificate crypto. It carries a reason rather than an HTTP status because this layer
 * knows nothing of the REST surface: the certificates domain decides which Key Vault error each reason becomes.
 */
export type CertificateCryptoReason =
  /** The input is malformed: a subject that is not a distinguished name, an unreadable PFX, PEM or JWK. */
  | 'bad-input'
  /** Well-formed inputs that do not belong together, such as a certificate whose public key is not the key's. */
  | 'mismatch'
  /** A PKCS#12 file that is intact but does not open with the password given (or with none). */
  | 'bad-password'
  /** Well-formed but outside what this emulator implements (a cipher or key type it cannot handle). */
  | 'unsupported';

export class CertificateCryptoError extends Error {
  readonly reason: CertificateCryptoReason;

  constructor(reason: CertificateCryptoReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateCryptoError';
    this.reason = reason;
  }
}

export const badInput = (message: string, cause?: unknown): CertificateCryptoError =>
  new CertificateCryptoError('bad-input', message, cause === undefined ? undefined : { cause });

/** The message of anything thrown, for wrapping a library's error into ours without losing what it said. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
