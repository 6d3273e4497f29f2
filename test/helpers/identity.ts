import { spawnSync } from 'node:child_process';
import { DEFAULT_TENANT_ID } from '../../src/domain/vaults.js';
import { DEFAULT_MANAGED_IDENTITY_CLIENT_ID, objectIdFor } from '../../src/identity/index.js';
import type { TestServer } from './server.js';

/** Helpers of the identity e2e tests (JS and Python children against --auth strict). */

/** The system-assigned managed identity, declared: --auth strict issues only declared managed identities. */
export const SYSTEM_MANAGED_IDENTITY = { clientId: DEFAULT_MANAGED_IDENTITY_CLIENT_ID, managedIdentity: true } as const;

/** The parent's environment without any Azure identity variable, so each child sets exactly its own. */
export function withoutIdentityEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(k)) delete env[k];
  return env;
}

/**
 * Replaces the vault's access policies with secrets get and set (nothing else, so a list is the service's 403) for
 * the given client ids and the system-assigned managed identity.
 */
export function grantSecretsGetSet(server: TestServer, vaultName: string, clientIds: string[]): void {
  const vault = server.k.domain.vaults.find(vaultName)!;
  const grant = (objectId: string) => ({ tenantId: DEFAULT_TENANT_ID, objectId, permissions: { secrets: ['get', 'set'] } });
  server.k.domain.vaults.save(vaultName, {
    ...vault.properties,
    accessPolicies: [...clientIds, DEFAULT_MANAGED_IDENTITY_CLIENT_ID].map((id) => grant(objectIdFor(id))),
  });
}

/** /usr/bin/python3 first: a pyenv python3 earlier on PATH cannot see Debian's packages. */
export function pythonWith(modules: string): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}
