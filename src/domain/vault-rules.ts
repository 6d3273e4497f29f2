import type { VaultProperties } from './vaults.js';

/**
 * The rules a vault's soft-delete properties follow, whatever path writes them (an ARM PUT or PATCH, a seed file,
 * an access policy update, a recover): the registry checks every save against them. Messages are the ones
 * Microsoft.KeyVault answers on ARM (400 BadRequest), so each caller shows the service's sentence.
 *
 * Retention may change after creation: the service fixes it at creation, but Kyanite lets tests shorten it
 * (docs/arm.md, "Switches").
 */
export class VaultRuleError extends Error {
  /** The property at fault, as VaultProperties (and ARM's `properties` object) names it. */
  readonly property: string;
  constructor(property: string, message: string) {
    super(message);
    this.name = 'VaultRuleError';
    this.property = property;
  }
}

export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 90;

const irreversible = (property: string, what: string): never => {
  throw new VaultRuleError(property, `The property "${property}" cannot be set to false. Enabling ${what} is an irreversible action.`);
};

/** Throws a VaultRuleError when `next` breaks a rule, or weakens what `before` (the stored vault, if any) had. */
export function checkVaultProperties(next: VaultProperties, before: VaultProperties | undefined): void {
  const days = next.softDeleteRetentionInDays;
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    throw new VaultRuleError(
      'softDeleteRetentionInDays',
      `The property 'softDeleteRetentionInDays' must be an integer from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}; ${String(days)} is not.`,
    );
  }
  // Soft delete and purge protection can only be turned on: a vault that promised recoverability keeps its promise.
  if (before?.enableSoftDelete && !next.enableSoftDelete) irreversible('enableSoftDelete', "the 'soft delete' functionality");
  if (before?.enablePurgeProtection && !next.enablePurgeProtection) irreversible('enablePurgeProtection', 'purge protection for a vault');
  if (next.enablePurgeProtection && !next.enableSoftDelete) {
    throw new VaultRuleError('enablePurgeProtection', 'Purge protection can only be enabled on a vault with soft delete enabled.');
  }
}
