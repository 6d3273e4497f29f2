import path from 'node:path';
import { expect } from 'vitest';
import { startChild, tempDir } from '../../reliability/child.js';
import { DEFAULT_MANAGED_IDENTITY_CLIENT_ID, objectIdFor } from '../../../src/identity/index.js';
import { AzSession } from './az.js';
import { vaultUrl, type CliContext } from './context.js';
import { expectKyaniteCloud, expectVaultToken, loginServicePrincipal } from './login.js';

/** `az login --identity` with the App Service variables (IDENTITY_ENDPOINT, IDENTITY_HEADER) pointing at Kyanite. */
export async function managedIdentityLogin(ctx: CliContext): Promise<void> {
  const port = ctx.kyanite.port;
  const az = new AzSession(port, ctx.kyanite.dataDir, path.join(ctx.dir, 'az-identity'), {
    IDENTITY_ENDPOINT: `https://localhost:${port}/msi/token`,
    IDENTITY_HEADER: 'kyanite',
  });
  const accounts = await az.json('login', '--identity');
  expect(accounts).toEqual([expect.objectContaining({ tenantId: '00000000-0000-0000-0000-000000000000', user: expect.objectContaining({ assignedIdentityInfo: 'MSI' }) })]);
  await expectVaultToken(az, DEFAULT_MANAGED_IDENTITY_CLIENT_ID);
  const set = await az.json('keyvault', 'secret', 'set', '--vault-name', ctx.vault, '-n', 'from-identity', '--value', 'managed');
  expect(set.id.startsWith(`${vaultUrl(ctx)}/secrets/from-identity/`)).toBe(true);
  expect((await az.json('keyvault', 'secret', 'show', '--id', set.id)).value).toBe('managed');
  ctx.az.commands.push(...az.commands);
}

/**
 * Against `--auth strict`: az's tokens are Kyanite JWTs for the right audience, so a principal the vault's policies
 * allow gets in and one they do not is refused with the service's 403.
 */
export async function strictAuth(ctx: CliContext): Promise<void> {
  const admin = { clientId: 'kyanite-cli-admin', secret: 'admin-secret' };
  const other = { clientId: 'kyanite-cli-other', secret: 'other-secret' };
  const dataDir = tempDir('kyanite-cli-strict-');
  const strict = await startChild(dataDir, [
    '--auth', 'strict',
    '--principal', `${admin.clientId}:${admin.secret}`,
    '--principal', `${other.clientId}:${other.secret}`,
    '--admin-principal', admin.clientId,
    '--vault', 'kv-strict',
  ]);
  try {
    const asAdmin = new AzSession(strict.port, dataDir, path.join(ctx.dir, 'az-strict-admin'));
    await expectKyaniteCloud(asAdmin);
    await loginServicePrincipal(asAdmin, admin);
    await expectVaultToken(asAdmin, admin.clientId);
    const set = await asAdmin.json('keyvault', 'secret', 'set', '--vault-name', 'kv-strict', '-n', 'guarded', '--value', 'only for admins');
    expect((await asAdmin.json('keyvault', 'secret', 'show', '--id', set.id)).value).toBe('only for admins');

    const asOther = new AzSession(strict.port, dataDir, path.join(ctx.dir, 'az-strict-other'));
    await loginServicePrincipal(asOther, other);
    const refused = await asOther.failure('keyvault', 'secret', 'show', '--vault-name', 'kv-strict', '-n', 'guarded');
    expect(refused).toContain('Forbidden');
    expect(refused).toContain('does not have secrets get permission');

    // RBAC: a vault made through ARM (RBAC is az's default) admits the other principal only once az assigns it a
    // role (az resolves --assignee through Graph, then finds the role definition by name at the vault's scope).
    await asAdmin.json('group', 'create', '-n', 'rg-strict', '-l', 'westeurope');
    const rbacVault = await asAdmin.json('keyvault', 'create', '-g', 'rg-strict', '-n', 'kv-strict-rbac');
    expect(rbacVault.properties.enableRbacAuthorization).toBe(true);
    const set2 = ['keyvault', 'secret', 'set', '--vault-name', 'kv-strict-rbac', '-n', 'by-role', '--value', 'granted by a role'];
    const beforeRole = await asOther.failure(...set2);
    expect(beforeRole).toContain('Forbidden');
    expect(beforeRole).toContain('Microsoft.KeyVault/vaults/secrets/setSecret/action');
    const assignment = await asAdmin.json('role', 'assignment', 'create', '--role', 'Key Vault Secrets Officer', '--assignee', other.clientId, '--scope', rbacVault.id);
    expect(assignment).toMatchObject({ principalId: objectIdFor(other.clientId), scope: rbacVault.id });
    expect((await asOther.json(...set2)).value).toBe('granted by a role');
    await asAdmin.raw('role', 'assignment', 'delete', '--ids', assignment.id);
    expect(await asOther.failure('keyvault', 'secret', 'show', '--vault-name', 'kv-strict-rbac', '-n', 'by-role')).toContain('Forbidden');

    // A wrong secret never gets a token.
    const wrong = new AzSession(strict.port, dataDir, path.join(ctx.dir, 'az-strict-wrong'));
    expect(await wrong.failure('login', '--service-principal', '-u', other.clientId, '-p', 'not-the-secret', '--tenant', '00000000-0000-0000-0000-000000000000')).toMatch(/invalid_client|AADSTS7000215/);
    ctx.az.commands.push(...asAdmin.commands, ...asOther.commands, ...wrong.commands);
  } finally {
    await strict.kill();
  }
}
