import { expect } from 'vitest';
import { objectIdFor } from '../../../src/identity/index.js';
import { vaultUrl, type CliContext } from './context.js';
import { APP } from './login.js';

/**
 * The management commands the Debian CLI test runs (test/e2e/arm.cli.test.ts), on the current CLI: it makes RBAC
 * vaults by default now (`--enable-rbac-authorization` defaults to true since 2.6x), so the access-policy commands
 * get a vault made with it off. Then the data plane of a vault made through ARM, by `--vault-name`.
 */
export async function armVaults(ctx: CliContext): Promise<void> {
  const { az } = ctx;
  const port = ctx.kyanite.port;
  await az.json('group', 'create', '-n', 'rg-cli', '-l', 'westeurope');

  const rbac = await az.json('keyvault', 'create', '-g', 'rg-cli', '-n', 'kv-cli-rbac');
  expect(rbac.properties).toMatchObject({ vaultUri: `https://kv-cli-rbac.vault.localhost:${port}/`, enableRbacAuthorization: true, provisioningState: 'Succeeded' });
  const policies = await az.json('keyvault', 'create', '-g', 'rg-cli', '-n', 'kv-cli-ap', '--enable-rbac-authorization', 'false');
  expect(policies.properties.enableRbacAuthorization).toBe(false);
  // The caller's own entry: az finds its object id through Graph (GET /v1.0/servicePrincipals?$filter=...).
  expect(policies.properties.accessPolicies).toEqual([
    expect.objectContaining({ objectId: objectIdFor(APP.clientId), permissions: expect.objectContaining({ secrets: ['all'] }) }),
  ]);

  expect(await az.json('keyvault', 'show', '-n', 'kv-cli-rbac')).toMatchObject({ name: 'kv-cli-rbac', resourceGroup: 'rg-cli' });
  const listed = (await az.json<Array<{ name: string }>>('keyvault', 'list', '-g', 'rg-cli')).map((v) => v.name);
  expect(listed.sort()).toEqual(['kv-cli-ap', 'kv-cli-rbac']);
  const updated = await az.json('keyvault', 'update', '-n', 'kv-cli-rbac', '--enabled-for-deployment', 'true');
  expect(updated.properties.enabledForDeployment).toBe(true);
  const objectId = '22222222-2222-2222-2222-222222222222';
  const withPolicy = await az.json('keyvault', 'set-policy', '-n', 'kv-cli-ap', '--object-id', objectId, '--secret-permissions', 'get', 'list');
  const added = withPolicy.properties.accessPolicies.find((p: { objectId: string }) => p.objectId === objectId);
  expect(added.permissions.secrets.sort()).toEqual(['get', 'list']);

  // The vault ARM made serves its data plane at once, by name (the CLI adds the cloud's keyvaultDns suffix).
  const secret = await az.json('keyvault', 'secret', 'set', '--vault-name', 'kv-cli-rbac', '-n', 'from-arm', '--value', 'made through ARM');
  expect(secret.id.startsWith(`${vaultUrl(ctx, 'kv-cli-rbac')}/secrets/from-arm/`)).toBe(true);

  await az.raw('keyvault', 'delete', '-n', 'kv-cli-rbac');
  expect((await az.json<Array<{ name: string }>>('keyvault', 'list-deleted')).map((v) => v.name)).toContain('kv-cli-rbac');
  expect(await az.failure('keyvault', 'secret', 'show', '--vault-name', 'kv-cli-rbac', '-n', 'from-arm')).toContain('VaultNotFound');
  await az.json('keyvault', 'recover', '-n', 'kv-cli-rbac');
  expect((await az.json('keyvault', 'secret', 'show', '--vault-name', 'kv-cli-rbac', '-n', 'from-arm')).value).toBe('made through ARM');
  await az.raw('keyvault', 'delete', '-n', 'kv-cli-rbac');
  await az.raw('keyvault', 'purge', '-n', 'kv-cli-rbac');
  expect((await az.json<Array<{ name: string }>>('keyvault', 'list-deleted')).map((v) => v.name)).not.toContain('kv-cli-rbac');
}

/** The single-host form: the vault `default` at https://localhost:PORT, through `--id` (az never checks the challenge resource). */
export async function defaultVaultById(ctx: CliContext): Promise<void> {
  const { az, kyanite } = ctx;
  const put = await kyanite.request('PUT', '/secrets/on-localhost', { value: 'default vault' });
  expect(put.status).toBe(200);
  const id = `https://localhost:${kyanite.port}/secrets/on-localhost`;
  const shown = await az.json('keyvault', 'secret', 'show', '--id', id);
  expect(shown.value).toBe('default vault');
  expect(shown.id.startsWith(`${id}/`)).toBe(true);
  const versions = await az.json<Array<{ id: string }>>('keyvault', 'secret', 'list-versions', '--id', id);
  expect(versions.map((v) => v.id)).toEqual([shown.id]);
}
