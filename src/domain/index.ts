import type { Store } from '../store/index.js';
import { createBackupService } from './backup.js';
import type { Clock } from './clock.js';
import { createLifecycle } from './lifecycle.js';
import { createSecretService, type SecretBody, type SecretService } from './secrets.js';
import { createVaultRegistry, type VaultRegistry } from './vaults.js';
import { createKeyService, type KeyBody, type KeyService } from './keys.js';
import { createRsaKeyPool, type RsaKeyPool } from '../crypto/rsa-pool.js';
import { createIssuerStore } from './certificates/issuers.js';
import { createCertificateService, type CertificateBody, type CertificateService } from './certificates/service.js';

/** Everything that holds Key Vault rules, built over one store and one clock. */
export interface Domain {
  clock: Clock;
  vaults: VaultRegistry;
  secrets: SecretService;
  keys: KeyService;
  certificates: CertificateService;
  /** Applies what falls due (scheduled purges, key rotations); the server runs it on a timer and after clock shifts. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export interface DomainOptions {
  /** Fresh RSA keys made ahead of demand; a pool that warms up only on first use when not given. */
  rsaPool?: RsaKeyPool;
  /** Keep self-signed certificate operations inProgress this long (ms), for testing pollers. */
  selfSignedDelayMs?: number;
}

export function createDomain(store: Store, clock: Clock, options: DomainOptions = {}): Domain {
  const vaults = createVaultRegistry(store, clock);
  const backups = createBackupService(store.settings);
  const secretLifecycle = createLifecycle<SecretBody>('secret', store.objects, clock);
  const secrets = createSecretService(secretLifecycle, backups);
  const rsaPool = options.rsaPool ?? createRsaKeyPool({ target: 0 });
  const keys = createKeyService(createLifecycle<KeyBody>('key', store.objects, clock), backups, rsaPool, clock, store.settings);
  const certificates = createCertificateService(
    createLifecycle<CertificateBody>('certificate', store.objects, clock),
    keys,
    secrets,
    createIssuerStore(store.certificateDocuments, clock),
    backups,
    clock,
    { ...(options.selfSignedDelayMs !== undefined && { selfSignedDelayMs: options.selfSignedDelayMs }) },
  );
  return {
    clock,
    vaults,
    secrets,
    keys,
    certificates,
    async sweep() {
      store.objects.purgeExpired(Math.floor(clock.now() / 1000));
      vaults.sweep();
      const live = vaults.list().map((v) => vaults.context(v.name, `https://${v.name}.vault.localhost`));
      await keys.autoRotate(live);
      await certificates.autoRenew(live);
    },
    close: () => rsaPool.close(),
  };
}
