import path from 'node:path';
import { expect } from 'vitest';
import { AzSession } from './az.js';
import { vaultUrl, type CliContext } from './context.js';

export const TENANT = '00000000-0000-0000-0000-000000000000';
export const APP = { clientId: 'kyanite-cli-app', secret: 'kyanite-cli-secret' };

const claimsOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

/** The cloud az reads from ARM_CLOUD_METADATA_URL: every endpoint is Kyanite, vault names get `.vault.localhost:PORT`. */
export async function expectKyaniteCloud(az: AzSession): Promise<void> {
  const cloud = await az.json('cloud', 'show');
  expect(cloud).toMatchObject({ name: 'Kyanite', isActive: true });
  expect(cloud.endpoints.activeDirectory).toBe(`https://localhost:${az.port}/adfs`);
  expect(cloud.endpoints.resourceManager).toBe(`https://localhost:${az.port}/`);
  expect(cloud.suffixes.keyvaultDns).toBe(`.vault.localhost:${az.port}`);
}

/** `az login --service-principal` through Kyanite's token service (ADFS authority: no instance discovery). */
export async function loginServicePrincipal(az: AzSession, app = APP): Promise<void> {
  const accounts = await az.json('login', '--service-principal', '-u', app.clientId, '-p', app.secret, '--tenant', TENANT);
  expect(accounts).toEqual([
    expect.objectContaining({ tenantId: TENANT, isDefault: true, state: 'Enabled', user: { name: app.clientId, type: 'servicePrincipal' } }),
  ]);
}

/** The token az gets for a vault host is a Kyanite JWT for the challenge resource `https://vault.localhost:PORT`. */
export async function expectVaultToken(az: AzSession, appid: string): Promise<void> {
  const resource = `https://vault.localhost:${az.port}`;
  const token = await az.json('account', 'get-access-token', '--resource', resource);
  expect(token.tokenType).toBe('Bearer');
  expect(claimsOf(token.accessToken)).toMatchObject({ aud: resource, tid: TENANT, appid });
}

/**
 * The other way to meet the cloud: `az cloud register --endpoint-resource-manager` alone, without
 * ARM_CLOUD_METADATA_URL. az reads the rest (login endpoint, audiences, Graph, the vault DNS suffix) from
 * `GET //metadata/endpoints?api-version=2022-09-01`, which must be the one cloud, not a list.
 */
export async function cloudRegister(ctx: CliContext): Promise<void> {
  const port = ctx.kyanite.port;
  const az = new AzSession(port, ctx.kyanite.dataDir, path.join(ctx.dir, 'az-register'), { ARM_CLOUD_METADATA_URL: undefined });
  await az.raw('cloud', 'register', '-n', 'KyaniteLocal', '--endpoint-resource-manager', `https://localhost:${port}/`);
  await az.raw('cloud', 'set', '-n', 'KyaniteLocal');
  const cloud = await az.json('cloud', 'show');
  expect(cloud).toMatchObject({ name: 'KyaniteLocal', isActive: true });
  expect(cloud.endpoints).toMatchObject({
    activeDirectory: `https://localhost:${port}/adfs`,
    activeDirectoryResourceId: `https://localhost:${port}/`,
    microsoftGraphResourceId: `https://localhost:${port}/`,
  });
  expect(cloud.suffixes.keyvaultDns).toBe(`.vault.localhost:${port}`);
  await loginServicePrincipal(az);
  const set = await az.json('keyvault', 'secret', 'set', '--vault-name', ctx.vault, '-n', 'from-registered-cloud', '--value', 'registered');
  expect(set.id.startsWith(`${vaultUrl(ctx)}/secrets/from-registered-cloud/`)).toBe(true);
  ctx.az.commands.push(...az.commands);
}
