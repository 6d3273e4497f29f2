import { versionAtLeast } from '../server/api-version.js';
import type { Attributes, DeletedInfo, ObjectVersion } from '../domain/lifecycle.js';
import type { Page } from '../domain/paging.js';
import { objectUrl, type ObjectCollection, type VaultContext } from '../domain/vaults.js';

/**
 * Shapes shared by every bundle: attributes with the vault's recovery settings, deleted-object fields, and pages
 * with an absolute nextLink on the host the client used.
 */
export type Json = Record<string, unknown>;

export function renderAttributes(a: Attributes, vault: VaultContext, apiVersion: string, extra: Json = {}): Json {
  const out: Json = { enabled: a.enabled };
  if (a.nbf !== undefined) out['nbf'] = a.nbf;
  if (a.exp !== undefined) out['exp'] = a.exp;
  out['created'] = a.created;
  out['updated'] = a.updated;
  out['recoveryLevel'] = vault.recoveryLevel;
  // recoverableDays arrived with 7.1; older versions never send it.
  if (versionAtLeast(apiVersion, '7.1') && vault.softDelete) out['recoverableDays'] = vault.recoverableDays;
  return Object.assign(out, extra);
}

/** recoveryId, deletedDate and scheduledPurgeDate lead a deleted bundle, as the service orders them. */
export function withDeleted(vault: VaultContext, deletedCollection: ObjectCollection, v: ObjectVersion<unknown>, deleted: DeletedInfo | undefined, body: Json): Json {
  if (!deleted) return body;
  return {
    recoveryId: objectUrl(vault, deletedCollection, v.name),
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
    ...body,
  };
}

export function renderPage<T>(
  page: Page<T>,
  render: (item: T) => Json,
  vault: VaultContext,
  path: string,
  apiVersion: string,
  maxresults: unknown,
): Json {
  let nextLink: string | null = null;
  if (page.next) {
    const q = new URLSearchParams({ 'api-version': apiVersion, $skiptoken: page.next });
    if (maxresults !== undefined && maxresults !== '') q.set('maxresults', String(maxresults));
    nextLink = `${vault.baseUrl}${path}?${q.toString()}`;
  }
  return { value: page.items.map(render), nextLink };
}
