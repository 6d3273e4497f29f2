import { describe, expect, it } from 'vitest';
import { createClock } from '../../../src/domain/clock.js';
import { createDomain } from '../../../src/domain/index.js';
import { DEFAULT_VAULT_PROPERTIES, recoveryLevelOf } from '../../../src/domain/vaults.js';
import { openStore } from '../../../src/store/index.js';

const setup = (properties?: Record<string, unknown>) => {
  const clock = createClock(() => 1_700_000_000_000);
  const domain = createDomain(openStore(), clock);
  // Soft delete can only be turned on (src/domain/vault-rules.ts), so the vault is made with its properties at once.
  if (properties) domain.vaults.save('v', { ...DEFAULT_VAULT_PROPERTIES, ...properties });
  else domain.vaults.ensure('v');
  return { clock, domain, vault: domain.vaults.context('v', 'https://v.vault.localhost:8443') };
};

describe('recovery levels', () => {
  it.each([
    [{ enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: false }, 'Recoverable+Purgeable', 90],
    [{ enableSoftDelete: true, softDeleteRetentionInDays: 7, enablePurgeProtection: false }, 'CustomizedRecoverable+Purgeable', 7],
    [{ enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true }, 'Recoverable', 90],
    [{ enableSoftDelete: true, softDeleteRetentionInDays: 30, enablePurgeProtection: true }, 'CustomizedRecoverable', 30],
    [{ enableSoftDelete: false, softDeleteRetentionInDays: 90, enablePurgeProtection: false }, 'Purgeable', 0],
  ])('%j → %s', (props, level, days) => {
    expect(recoveryLevelOf(props)).toEqual({ level, days });
  });
});

describe('secret lifecycle rules', () => {
  it('stamps created/updated from the injected clock and schedules purges by retention', () => {
    const { domain, vault, clock } = setup({ softDeleteRetentionInDays: 7 });
    const s = domain.secrets.set(vault, 'a', { value: 'x' });
    expect(s.attributes.created).toBe(1_700_000_000);
    clock.advance(100);
    const deleted = domain.secrets.lifecycle.delete(vault, 'a');
    expect(deleted.deleted).toEqual({ deletedDate: 1_700_000_100, scheduledPurgeDate: 1_700_000_100 + 7 * 86400 });
  });

  it('deletes for good, without a recovery id, when soft delete is off', () => {
    const { domain, vault } = setup({ enableSoftDelete: false });
    domain.secrets.set(vault, 'a', { value: 'x' });
    expect(domain.secrets.lifecycle.delete(vault, 'a').deleted).toBeUndefined();
    expect(() => domain.secrets.lifecycle.getDeleted(vault, 'a')).toThrow(/Deleted Secret not found/);
    expect(domain.secrets.set(vault, 'a', { value: 'again' }).body.value).toBe('again');
  });

  it('refuses to purge under purge protection, and the sweep purges when the date passes', async () => {
    const { domain, vault, clock } = setup({ enablePurgeProtection: true });
    domain.secrets.set(vault, 'a', { value: 'x' });
    domain.secrets.lifecycle.delete(vault, 'a');
    expect(() => domain.secrets.lifecycle.purge(vault, 'a')).toThrow(expect.objectContaining({ status: 403 }));
    clock.advance(90 * 86400);
    await domain.sweep();
    expect(() => domain.secrets.lifecycle.getDeleted(vault, 'a')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('does not block reading an expired or not-yet-valid secret, only a disabled one', () => {
    const { domain, vault } = setup();
    domain.secrets.set(vault, 'e', { value: 'x', attributes: { exp: 1, nbf: 4_000_000_000 } });
    expect(domain.secrets.get(vault, 'e').body.value).toBe('x');
    domain.secrets.set(vault, 'd', { value: 'x', attributes: { enabled: false } });
    expect(() => domain.secrets.get(vault, 'd')).toThrow(expect.objectContaining({ status: 403, inner: 'SecretDisabled' }));
  });
});
