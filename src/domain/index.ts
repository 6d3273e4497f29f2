import type { Store } from '../store/index.js';
import { createBackupService } from './backup.js';
import type { Clock } from './clock.js';
import { createLifecycle } from './lifecycle.js';
import { createSecretService, type SecretBody, type SecretService } from './secrets.js';
import { createVaultRegistry, type VaultRegistry } from './vaults.js';

/** Everything that holds Key Vault rules, built over one store and one clock. */
export interface Domain {
  clock: Clock;
  vaults: VaultRegistry;
  secrets: SecretService;
  /** Applies scheduled purges that are due; the server runs it on a timer and after every clock shift. */
  sweep(): void;
}

export function createDomain(store: Store, clock: Clock): Domain {
  const vaults = createVaultRegistry(store, clock);
  const backups = createBackupService(store.settings);
  const secretLifecycle = createLifecycle<SecretBody>('secret', store.objects, clock);
  const secrets = createSecretService(secretLifecycle, backups);
  return {
    clock,
    vaults,
    secrets,
    sweep() {
      store.objects.purgeExpired(Math.floor(clock.now() / 1000));
    },
  };
}
