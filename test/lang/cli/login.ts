import { expect } from 'vitest';
import type { AzSession } from './az.js';

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
