import type { VaultProperties } from './vaults.js';

/**
 * The rules a vault's soft-delete properties follow, whatever path writes them (an ARM PUT or PATCH, a seed file,
 * an access policy update, a recover): the registry applies them on every save. Messages are the ones
 * Microsoft.KeyVault answers on ARM (400 BadRequest) where known, so each caller shows the service's sentence.
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
export const DEFAULT_RETENTION_DAYS = 90;

/**
 * Stored beside the properties, never rendered: true once the retention was chosen. The service fixes the retention
 * when it is set, at creation or by one later change from the default (the Azure docs' "once set, the retention
 * policy interval cannot be changed"; Terraform's azurerm notes the one-time change). A vault made with 90 days
 * counts as defaulted: Kyanite cannot tell an explicit 90 from the default, so that vault may still change once.
 */
export const RETENTION_FIXED = 'softDeleteRetentionFixed';

const irreversible = (property: string, what: string): never => {
  throw new VaultRuleError(property, `The property "${property}" cannot be set to false. Enabling ${what} is an irreversible action.`);
};

/**
 * The properties to store for `next`, given `before` (the stored vault, if any): throws a VaultRuleError when `next`
 * breaks a rule or weakens what `before` had, and otherwise returns `next` with the retention marker worked out from
 * `before` (whatever `next` carries for it: a client cannot unlock its retention by sending the marker).
 */
export function applyVaultRules(next: VaultProperties, before: VaultProperties | undefined): VaultProperties {
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
  const changed = before !== undefined && before.softDeleteRetentionInDays !== days;
  const wasFixed = before?.[RETENTION_FIXED] === true;
  if (changed && wasFixed) {
    // No recording of the service's sentence was found: Kyanite's own, in the shape of the others.
    throw new VaultRuleError(
      'softDeleteRetentionInDays',
      `The property "softDeleteRetentionInDays" cannot be changed: a vault's retention period is fixed once set (${before.softDeleteRetentionInDays} days here).`,
    );
  }
  const fixed = before === undefined ? days !== DEFAULT_RETENTION_DAYS : wasFixed || changed;
  const { [RETENTION_FIXED]: _sent, ...rest } = next;
  return fixed ? { ...rest, [RETENTION_FIXED]: true } : rest;
}
