import type { BackupService } from './backup.js';
import { assertAttributesAllow } from './attribute-gate.js';
import { badParameter } from './errors.js';
import type { AttributesInput, Lifecycle, ObjectVersion, Tags } from './lifecycle.js';
import type { VaultContext } from './vaults.js';

/** What a secret version holds besides the common attributes. */
export interface SecretBody {
  value: string;
  contentType?: string;
  /** The secret backs a certificate (its key is keys/NAME/VERSION). */
  managed?: boolean;
}

export type Secret = ObjectVersion<SecretBody>;

export interface SetSecretInput {
  value: string;
  contentType?: string;
  attributes?: AttributesInput;
  tags?: Tags;
}

export interface UpdateSecretInput {
  contentType?: string;
  attributes?: AttributesInput;
  tags?: Tags;
}

/** The service refuses secret values above 25 KiB. */
export const MAX_SECRET_BYTES = 25 * 1024;

export interface SecretService {
  lifecycle: Lifecycle<SecretBody>;
  set(vault: VaultContext, name: string, input: SetSecretInput): Secret;
  /** Reading the value of a disabled version is refused; nbf/exp do not block reads of secrets (as the service). */
  get(vault: VaultContext, name: string, version?: string): Secret;
  update(vault: VaultContext, name: string, version: string | undefined, input: UpdateSecretInput): Secret;
  backup(vault: VaultContext, name: string): Promise<string>;
  restore(vault: VaultContext, blob: unknown): Promise<Secret>;
}

export function createSecretService(lifecycle: Lifecycle<SecretBody>, backups: BackupService): SecretService {
  return {
    lifecycle,
    set(vault, name, input) {
      if (Buffer.byteLength(input.value, 'utf8') > MAX_SECRET_BYTES) {
        throw badParameter(`The secret value is too large: the limit is ${MAX_SECRET_BYTES} bytes.`);
      }
      const body: SecretBody = { value: input.value };
      if (input.contentType !== undefined) body.contentType = input.contentType;
      const created = { body, ...(input.attributes && { attributes: input.attributes }), ...(input.tags && { tags: input.tags }) };
      return lifecycle.create(vault, name, created);
    },
    get(vault, name, version) {
      const secret = lifecycle.get(vault, name, version);
      assertAttributesAllow(secret.attributes, { kind: 'secret', operation: 'get' });
      return secret;
    },
    update(vault, name, version, input) {
      const current = lifecycle.get(vault, name, version);
      const body = input.contentType !== undefined ? { ...current.body, contentType: input.contentType } : undefined;
      return lifecycle.update(vault, name, current.version, {
        ...(input.attributes && { attributes: input.attributes }),
        ...(input.tags && { tags: input.tags }),
        ...(body && { body }),
      });
    },
    backup: (vault, name) => backups.backup(lifecycle.snapshot(vault, name)),
    async restore(vault, blob) {
      return lifecycle.restore(vault, await backups.restore('secret', blob));
    },
  };
}
