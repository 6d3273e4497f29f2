import { badRequest } from './errors.js';
import { isGuid } from './ids.js';

/** Access policy entries of a vault: their validation and the add/replace/remove rules of UpdateAccessPolicy. */

export type PermissionKind = 'keys' | 'secrets' | 'certificates' | 'storage';

export interface AccessPolicyEntry {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: Partial<Record<PermissionKind, string[]>>;
}

/** The permissions of the spec's AccessPolicyEntry, by kind (compared case-insensitively, as the service does). */
const PERMISSIONS: Record<PermissionKind, ReadonlySet<string>> = {
  keys: new Set(
    'all encrypt decrypt wrapkey unwrapkey sign verify get list create update import delete backup restore recover purge release rotate getrotationpolicy setrotationpolicy'.split(' '),
  ),
  secrets: new Set('all get list set delete backup restore recover purge'.split(' ')),
  certificates: new Set(
    'all get list delete create import update managecontacts getissuers listissuers setissuers deleteissuers manageissuers recover purge backup restore'.split(' '),
  ),
  storage: new Set('all get list delete set update regeneratekey recover purge backup restore setsas listsas getsas deletesas'.split(' ')),
};
const KINDS = Object.keys(PERMISSIONS) as PermissionKind[];

export const UPDATE_KINDS = ['add', 'replace', 'remove'] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a list of entries as a client sent it; `where` names the list in messages. */
export function parseAccessPolicies(value: unknown, where: string): AccessPolicyEntry[] {
  if (!Array.isArray(value)) throw badRequest(`The property '${where}' must be an array of access policy entries.`);
  if (value.length > 1024) throw badRequest(`The property '${where}' holds more than 1024 entries.`);
  return value.map((raw, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(raw)) throw badRequest(`The access policy entry '${at}' must be an object.`);
    if (!isGuid(raw['tenantId'])) throw badRequest(`The property '${at}.tenantId' must be a GUID.`);
    if (typeof raw['objectId'] !== 'string' || raw['objectId'] === '') throw badRequest(`The property '${at}.objectId' is required.`);
    const entry: AccessPolicyEntry = { tenantId: raw['tenantId'], objectId: raw['objectId'], permissions: {} };
    if (raw['applicationId'] !== undefined && raw['applicationId'] !== null) {
      if (!isGuid(raw['applicationId'])) throw badRequest(`The property '${at}.applicationId' must be a GUID.`);
      entry.applicationId = raw['applicationId'];
    }
    const permissions = raw['permissions'];
    if (!isRecord(permissions)) throw badRequest(`The property '${at}.permissions' is required.`);
    for (const [kind, list] of Object.entries(permissions)) {
      const allowed = PERMISSIONS[kind as PermissionKind];
      if (!allowed) throw badRequest(`The property '${at}.permissions.${kind}' is not a permission kind (${KINDS.join(', ')}).`);
      if (!Array.isArray(list)) throw badRequest(`The property '${at}.permissions.${kind}' must be an array.`);
      for (const p of list) {
        if (typeof p !== 'string' || !allowed.has(p.toLowerCase())) {
          throw badRequest(`The permission '${String(p)}' in '${at}.permissions.${kind}' is not valid. Valid permissions: ${[...allowed].join(', ')}.`);
        }
      }
      entry.permissions[kind as PermissionKind] = list as string[];
    }
    return entry;
  });
}

const sameEntry = (a: AccessPolicyEntry, b: AccessPolicyEntry) =>
  a.tenantId.toLowerCase() === b.tenantId.toLowerCase() &&
  a.objectId.toLowerCase() === b.objectId.toLowerCase() &&
  (a.applicationId ?? '').toLowerCase() === (b.applicationId ?? '').toLowerCase();

const union = (a: string[] = [], b: string[] = []) => [...a, ...b.filter((p) => !a.some((q) => q.toLowerCase() === p.toLowerCase()))];
const minus = (a: string[] = [], b: string[] = []) => a.filter((p) => !b.some((q) => q.toLowerCase() === p.toLowerCase()));

/**
 * add merges permissions into the entry for the same tenant/object/application (or appends it); replace overwrites
 * that entry's permissions; remove takes the listed permissions away and drops an entry left with none (an entry
 * given without permission lists goes whole).
 */
export function updateAccessPolicies(current: AccessPolicyEntry[], kind: UpdateKind, changes: AccessPolicyEntry[]): AccessPolicyEntry[] {
  let result = current.map((e) => ({ ...e, permissions: { ...e.permissions } }));
  for (const change of changes) {
    const index = result.findIndex((e) => sameEntry(e, change));
    const existing = result[index];
    if (kind === 'add') {
      if (!existing) result.push(change);
      else for (const k of KINDS) if (change.permissions[k]) existing.permissions[k] = union(existing.permissions[k], change.permissions[k]);
    } else if (kind === 'replace') {
      if (!existing) result.push(change);
      else existing.permissions = { ...change.permissions };
    } else if (existing) {
      // An entry that lists no permission kind at all asks for the whole entry to go.
      if (KINDS.every((k) => !change.permissions[k])) existing.permissions = {};
      for (const k of KINDS) if (change.permissions[k]) existing.permissions[k] = minus(existing.permissions[k], change.permissions[k]);
      if (KINDS.every((k) => (existing.permissions[k] ?? []).length === 0)) result = result.filter((_, i) => i !== index);
    }
  }
  return result;
}
