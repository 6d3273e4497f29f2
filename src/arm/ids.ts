import type { FastifyRequest } from 'fastify';
import { parseHost } from '../server/hosts.js';
import { invalidSubscriptionId } from './errors.js';

/** ARM resource ids, locations and the URLs the management plane hands out. */

export const VAULT_TYPE = 'Microsoft.KeyVault/vaults';
export const DELETED_VAULT_TYPE = 'Microsoft.KeyVault/deletedVaults';
export const PROVIDER = '/providers/Microsoft.KeyVault';

export const groupId = (subscriptionId: string, group: string): string => `/subscriptions/${subscriptionId}/resourceGroups/${group}`;

export const vaultId = (subscriptionId: string, group: string, name: string): string =>
  `${groupId(subscriptionId, group)}${PROVIDER}/vaults/${name}`;

export const deletedVaultId = (subscriptionId: string, location: string, name: string): string =>
  `/subscriptions/${subscriptionId}${PROVIDER}/locations/${location}/deletedVaults/${name}`;

/** ARM stores locations normalised: "West Europe" becomes "westeurope". */
export const normalizeLocation = (location: string): string => location.replace(/\s+/g, '').toLowerCase();

/** A GUID in any case; a pattern string too, for the body schemas (src/arm/schemas.ts), where it names the failure. */
export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const GUID = new RegExp(GUID_PATTERN);
export const isGuid = (text: unknown): text is string => typeof text === 'string' && GUID.test(text);

/** Any GUID names a subscription (docs/arm.md): clients bring their own ids, and the vaults keep the one they used. */
export function checkSubscription(id: string): string {
  if (!isGuid(id)) throw invalidSubscriptionId(id);
  return id.toLowerCase();
}

/** A vault's data-plane address on the port the management request came in on. */
export function vaultUri(request: FastifyRequest, name: string): string {
  const { port } = parseHost(request.headers.host);
  return `https://${name.toLowerCase()}.vault.localhost${port && port !== '443' ? `:${port}` : ''}/`;
}

/** https://host[:port] as the client wrote it, for nextLinks and metadata. */
export const originOf = (request: FastifyRequest): string => `https://${parseHost(request.headers.host).authority}`;

export const isoDate = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
