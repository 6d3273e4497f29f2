/**
 * The one error type of the Key Vault planes. Code throws these; src/server/errors.ts is the only place that turns
 * them into a response body. Codes and messages follow what the real service answers (see docs/fidelity.md).
 */
export interface ErrorOptions {
  inner?: string;
  headers?: Record<string, string>;
}

export class KeyVaultError extends Error {
  readonly status: number;
  readonly code: string;
  readonly inner: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options: ErrorOptions = {}) {
    super(message);
    this.name = 'KeyVaultError';
    this.status = status;
    this.code = code;
    this.inner = options.inner;
    this.headers = options.headers ?? {};
  }

  toBody(): { error: { code: string; message: string; innererror?: { code: string } } } {
    const error: { code: string; message: string; innererror?: { code: string } } = {
      code: this.code,
      message: this.message,
    };
    if (this.inner) error.innererror = { code: this.inner };
    return { error };
  }
}

/** The object kinds of a vault, as the service names them in messages and codes. */
export type ObjectKind = 'secret' | 'key' | 'certificate';

const KIND_TITLE: Record<ObjectKind, string> = { secret: 'Secret', key: 'Key', certificate: 'Certificate' };

export const badParameter = (message: string): KeyVaultError => new KeyVaultError(400, 'BadParameter', message);

export const notFound = (kind: ObjectKind, name: string, version?: string): KeyVaultError => {
  const title = KIND_TITLE[kind];
  const what = version ? `(name/id) ${name}/${version}` : `(name/id) ${name}`;
  return new KeyVaultError(
    404,
    `${title}NotFound`,
    `A ${kind} with ${what} was not found in this key vault. If you recently deleted this ${kind} you may be able ` +
      `to recover it using the correct recovery command. For help resolving this issue, please see ` +
      `https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
};

/** Secrets and keys say "Deleted Secret not found: NAME"; certificates answer with their usual 404 (recorded). */
export const deletedNotFound = (kind: ObjectKind, name: string): KeyVaultError =>
  kind === 'certificate'
    ? notFound(kind, name)
    : new KeyVaultError(404, `${KIND_TITLE[kind]}NotFound`, `Deleted ${KIND_TITLE[kind]} not found: ${name}`);

export const deletedButRecoverable = (kind: ObjectKind, name: string): KeyVaultError =>
  new KeyVaultError(
    409,
    'Conflict',
    `${KIND_TITLE[kind]} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; ` +
      `in this state, the ${kind} can only be recovered or purged.`,
    { inner: 'ObjectIsDeletedButRecoverable' },
  );

export const restoreConflict = (kind: ObjectKind, id: string): KeyVaultError =>
  new KeyVaultError(
    409,
    'Conflict',
    `There was a conflict restoring the ${kind} '${id}'. This can happen if either: a second ${kind} with the same ` +
      `name was created after the first ${kind} was deleted; thus trying to restore a ${kind} whose name is already ` +
      `in use. To fix this, rename the second ${kind} to something else so that the restore works. The second ` +
      `probable cause of this exception is when multiple operations are performed in parallel against the ${kind}. ` +
      `To avoid this error, perform operations against a ${kind} in a sequential manner.`,
  );

export const malformedBackup = (): KeyVaultError =>
  new KeyVaultError(400, 'Malformed backup blob', 'Backup blob is corrupt.');

/** An operation refused by the object's attributes (disabled, not yet valid, expired). */
export const forbiddenByAttributes = (operation: string, kind: ObjectKind, state: 'disabled' | 'expired' | 'notYetValid'): KeyVaultError => {
  const title = KIND_TITLE[kind];
  switch (state) {
    case 'disabled':
      return new KeyVaultError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled ${kind}.`, {
        inner: `${title}Disabled`,
      });
    case 'expired':
      return new KeyVaultError(403, 'Forbidden', `Operation ${operation} is not allowed on an expired ${kind}.`, {
        inner: `${title}Expired`,
      });
    case 'notYetValid':
      return new KeyVaultError(403, 'Forbidden', `Operation ${operation} is not allowed on a ${kind} that is not yet valid.`, {
        inner: `${title}NotYetValid`,
      });
  }
};

/** An operation the object does not permit (a key whose key_ops lack it). */
export const operationNotPermitted = (operation: string, kind: ObjectKind): KeyVaultError =>
  new KeyVaultError(403, 'Forbidden', `Operation ${operation} is not permitted on this ${kind}.`, { inner: `${KIND_TITLE[kind]}OperationForbidden` });

export const purgeForbidden = (kind: ObjectKind, name: string): KeyVaultError =>
  new KeyVaultError(
    403,
    'Forbidden',
    `Operation "purge" is not enabled for this vault: the vault has purge protection, so the deleted ${kind} ${name} ` +
      `can only be purged by the system when its retention period ends.`,
  );

export const unauthorized = (challenge: string, message = 'AKV10000: Request is missing a Bearer or PoP token.'): KeyVaultError =>
  new KeyVaultError(401, 'Unauthorized', message, { headers: { 'www-authenticate': challenge } });

export const vaultNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(
    404,
    'VaultNotFound',
    `Vault '${name}' does not exist in Kyanite. Create it with the --vault ${name} flag, the KYANITE_VAULT ` +
      `variable, or through the management plane (PUT .../providers/Microsoft.KeyVault/vaults/${name}).`,
  );

export const routeNotFound = (method: string, url: string): KeyVaultError =>
  new KeyVaultError(404, 'NotFound', `No operation matches ${method} ${url.split('?')[0]}.`);

export const payloadTooLarge = (limit: number): KeyVaultError =>
  new KeyVaultError(413, 'RequestEntityTooLarge', `The request body exceeds the limit of ${limit} bytes.`);
