import type { Store } from '../store/index.js';
import type { Clock } from './clock.js';
import { toUnixSeconds } from './clock.js';
import { KeyVaultError } from './errors.js';
import { placementOf, type Vault } from './vaults.js';

/**
 * Who may do what in a vault under --auth strict: the vault's access policies, or, for vaults with
 * enableRbacAuthorization, the Azure RBAC role assignments made on the management plane. HTTP-free: the server's
 * auth hook names the caller, the operation and the vault; this decides and throws the service's 403.
 */

export type PermissionArea = 'keys' | 'secrets' | 'certificates';

export interface RequiredPermission {
  area: PermissionArea;
  /** As access policies spell it (compared case-insensitively). */
  permission: string;
  /** Microsoft.KeyVault/vaults/... data action, for ForbiddenByRbac messages. */
  action: string;
}

/**
 * The RBAC data action that stands for a permission, as ForbiddenByRbac messages name it
 * (Microsoft.KeyVault/vaults/<action>).
 */
const RBAC_ACTIONS: Record<PermissionArea, Record<string, string>> = {
  secrets: {
    get: 'secrets/getSecret/action',
    list: 'secrets/readMetadata/action',
    set: 'secrets/setSecret/action',
    delete: 'secrets/delete',
    backup: 'secrets/backup/action',
    restore: 'secrets/restore/action',
    recover: 'deletedsecrets/recover/action',
    purge: 'deletedsecrets/delete',
  },
  keys: {
    get: 'keys/read',
    list: 'keys/read',
    create: 'keys/create/action',
    import: 'keys/import/action',
    update: 'keys/update/action',
    delete: 'keys/delete',
    backup: 'keys/backup/action',
    restore: 'keys/restore/action',
    recover: 'deletedkeys/recover/action',
    purge: 'deletedkeys/delete',
    rotate: 'keys/rotate/action',
    getrotationpolicy: 'keyrotationpolicies/read',
    setrotationpolicy: 'keyrotationpolicies/write',
    release: 'keys/release/action',
    sign: 'keys/sign/action',
    verify: 'keys/verify/action',
    encrypt: 'keys/encrypt/action',
    decrypt: 'keys/decrypt/action',
    wrapkey: 'keys/wrap/action',
    unwrapkey: 'keys/unwrap/action',
  },
  certificates: {
    get: 'certificates/read',
    list: 'certificates/read',
    create: 'certificates/create/action',
    import: 'certificates/import/action',
    update: 'certificates/update/action',
    delete: 'certificates/delete',
    backup: 'certificates/backup/action',
    restore: 'certificates/restore/action',
    recover: 'deletedcertificates/recover/action',
    purge: 'deletedcertificates/delete',
    managecontacts: 'certificatecontacts/write',
    getissuers: 'certificatecas/read',
    listissuers: 'certificatecas/read',
    setissuers: 'certificatecas/write',
    deleteissuers: 'certificatecas/delete',
  },
};

export function rbacActionOf(area: PermissionArea, permission: string): string {
  return `Microsoft.KeyVault/vaults/${RBAC_ACTIONS[area][permission.toLowerCase()] ?? `${area}/${permission}`}`;
}

/** The verified token's claims that matter for a decision. */
export interface Caller {
  oid: string;
  appid: string;
  tid: string;
  iss: string;
}

/** The stored shape of an access policy entry (src/arm/access-policies.ts validates it on the way in). */
export interface PolicyEntry {
  tenantId: string;
  objectId: string;
  applicationId?: string;
  permissions: Partial<Record<PermissionArea | 'storage', string[]>>;
}

export const accessPoliciesOfVault = (vault: Vault): PolicyEntry[] => (vault.properties['accessPolicies'] as PolicyEntry[] | undefined) ?? [];

// --- role definitions --------------------------------------------------------------------------------------------

type Grants = Partial<Record<PermissionArea, readonly string[] | 'all'>>;

export interface RoleDefinition {
  /** The built-in role's GUID, the same in every tenant. */
  id: string;
  roleName: string;
  description: string;
  /** Data-plane permissions, in access-policy words; management-only roles grant none. */
  grants: Grants;
  /** Management-plane (ARM) actions the role allows, with `*` wildcards, as Azure writes them. */
  actions: readonly string[];
  /** Actions taken back out of `actions`. */
  notActions: readonly string[];
}

/** The management actions every Key Vault data role but the "User" ones carries: read the vaults, not change them. */
const KEY_VAULT_READ_ACTIONS = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

/**
 * Azure's built-in roles with their real GUIDs and actions (docs/identity.md says where they come from). The Key
 * Vault data roles carry grants; Owner, Contributor, Reader and Key Vault Contributor manage resources through ARM
 * but give no data access, as in Azure.
 */
export const ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  {
    id: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    roleName: 'Key Vault Administrator',
    description: 'Perform all data plane operations on a key vault and all objects in it.',
    grants: { keys: 'all', secrets: 'all', certificates: 'all' },
    actions: KEY_VAULT_READ_ACTIONS,
    notActions: [],
  },
  {
    id: 'a4417e6f-fecd-4de8-b567-7b0420556985',
    roleName: 'Key Vault Certificates Officer',
    description: 'Perform any action on the certificates of a key vault, except manage permissions.',
    grants: { certificates: 'all' },
    actions: KEY_VAULT_READ_ACTIONS,
    notActions: [],
  },
  {
    id: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba',
    roleName: 'Key Vault Certificate User',
    description: 'Read entire certificate contents including secret and key portion.',
    grants: { certificates: ['get', 'list'], secrets: ['get', 'list'], keys: ['get', 'list'] },
    actions: [],
    notActions: [],
  },
  {
    id: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
    roleName: 'Key Vault Crypto Officer',
    description: 'Perform any action on the keys of a key vault, except manage permissions.',
    grants: { keys: 'all' },
    actions: KEY_VAULT_READ_ACTIONS,
    notActions: [],
  },
  {
    id: '12338af0-0e69-4776-bea7-57ae8d297424',
    roleName: 'Key Vault Crypto User',
    description: 'Perform cryptographic operations using keys.',
    grants: { keys: ['get', 'list', 'update', 'backup', 'encrypt', 'decrypt', 'wrapkey', 'unwrapkey', 'sign', 'verify'] },
    actions: [],
    notActions: [],
  },
  {
    id: 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
    roleName: 'Key Vault Crypto Service Encryption User',
    description: 'Read metadata of keys and perform wrap/unwrap operations.',
    grants: { keys: ['get', 'list', 'wrapkey', 'unwrapkey'] },
    actions: ['Microsoft.EventGrid/eventSubscriptions/write', 'Microsoft.EventGrid/eventSubscriptions/read', 'Microsoft.EventGrid/eventSubscriptions/delete'],
    notActions: [],
  },
  {
    id: '21090545-7ca7-4776-b22c-e363652d74d2',
    roleName: 'Key Vault Reader',
    description: 'Read metadata of key vaults and its certificates, keys, and secrets. Cannot read secret contents.',
    grants: {
      keys: ['get', 'list', 'getrotationpolicy'],
      secrets: ['list'],
      certificates: ['get', 'list', 'getissuers', 'listissuers'],
    },
    actions: KEY_VAULT_READ_ACTIONS,
    notActions: [],
  },
  {
    id: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    roleName: 'Key Vault Secrets Officer',
    description: 'Perform any action on the secrets of a key vault, except manage permissions.',
    grants: { secrets: 'all' },
    actions: KEY_VAULT_READ_ACTIONS,
    notActions: [],
  },
  {
    id: '4633458b-17de-408a-b874-0445c86b69e6',
    roleName: 'Key Vault Secrets User',
    description: 'Read secret contents.',
    grants: { secrets: ['get', 'list'] },
    actions: [],
    notActions: [],
  },
  {
    id: 'f25e0fa2-a7c8-4377-a976-54943a77a395',
    roleName: 'Key Vault Contributor',
    description: 'Lets you manage key vaults, but not access to them.',
    grants: {},
    actions: [
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.KeyVault/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Support/*',
    ],
    notActions: ['Microsoft.KeyVault/locations/deletedVaults/purge/action', 'Microsoft.KeyVault/hsmPools/*', 'Microsoft.KeyVault/managedHsms/*'],
  },
  {
    id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    description: 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    grants: {},
    actions: ['*'],
    notActions: [],
  },
  {
    id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
    roleName: 'Contributor',
    description: 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.',
    grants: {},
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  },
  {
    id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    roleName: 'Reader',
    description: 'View all resources, but does not allow you to make any changes.',
    grants: {},
    actions: ['*/read'],
    notActions: [],
  },
];

/** The role a definition id names: a bare GUID or any `.../roleDefinitions/<guid>` id. */
export function roleDefinitionOf(id: string): RoleDefinition | undefined {
  const guid = id.slice(id.lastIndexOf('/') + 1).toLowerCase();
  return ROLE_DEFINITIONS.find((r) => r.id === guid);
}

// --- role assignments ---------------------------------------------------------------------------------------------

export interface RoleAssignment {
  /** The assignment's GUID. */
  name: string;
  /** ARM scope: `/subscriptions/S[/resourceGroups/G[/providers/Microsoft.KeyVault/vaults/V[/secrets/N]]]`. */
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  description?: string;
  createdOn: number;
  updatedOn: number;
  createdBy?: string;
}

export interface RoleAssignments {
  get(name: string): RoleAssignment | undefined;
  list(): RoleAssignment[];
  put(assignment: RoleAssignment): void;
  remove(name: string): RoleAssignment | undefined;
}

interface RoleAssignmentRow {
  name: string;
  scope: string;
  role_definition_id: string;
  principal_id: string;
  properties: string;
  created: number;
}

export function createRoleAssignments(store: Pick<Store, 'db'>): RoleAssignments {
  const s = {
    get: store.db.prepare<[string], RoleAssignmentRow>('SELECT * FROM role_assignments WHERE name = ?'),
    list: store.db.prepare<[], RoleAssignmentRow>('SELECT * FROM role_assignments ORDER BY created, name'),
    upsert: store.db.prepare(
      `INSERT INTO role_assignments (name, scope, role_definition_id, principal_id, properties, created)
       VALUES (@name, @scope, @role_definition_id, @principal_id, @properties, @created)
       ON CONFLICT (name) DO UPDATE SET properties = excluded.properties`,
    ),
    remove: store.db.prepare('DELETE FROM role_assignments WHERE name = ?'),
  };
  const toAssignment = (row: RoleAssignmentRow): RoleAssignment => JSON.parse(row.properties) as RoleAssignment;
  return {
    get(name) {
      const row = s.get.get(name);
      return row && toAssignment(row);
    },
    list: () => s.list.all().map(toAssignment),
    put(a) {
      s.upsert.run({
        name: a.name,
        scope: a.scope,
        role_definition_id: a.roleDefinitionId,
        principal_id: a.principalId,
        properties: JSON.stringify(a),
        created: a.createdOn,
      });
    },
    remove(name) {
      const existing = s.get.get(name);
      if (!existing) return undefined;
      s.remove.run(name);
      return toAssignment(existing);
    },
  };
}

/** ARM ids compare case-insensitively and without trailing slashes. */
export const normalizeScope = (scope: string): string => scope.toLowerCase().replace(/\/+$/, '');

/** True when an assignment at `scope` covers `resource` (the same id, or one below it). */
export function scopeCovers(scope: string, resource: string): boolean {
  const s = normalizeScope(scope);
  const r = normalizeScope(resource);
  return s === '' || r === s || r.startsWith(`${s}/`);
}

// --- decisions ----------------------------------------------------------------------------------------------------

export const vaultResourceId = (vault: Vault): string => {
  const p = placementOf(vault.properties);
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`;
};

const sameId = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

const grantsIn = (list: readonly string[] | 'all' | undefined, permission: string): boolean =>
  list === 'all' || (list ?? []).some((p) => p.toLowerCase() === 'all' || p.toLowerCase() === permission.toLowerCase());

/**
 * An entry applies to the caller when tenant and object id match; a compound entry (with applicationId) only when
 * the token's application is that one too, which is what "application + user" entries mean in the service.
 */
export function policyAllows(entries: readonly PolicyEntry[], caller: Caller, required: Pick<RequiredPermission, 'area' | 'permission'>): boolean {
  return entries.some(
    (e) =>
      sameId(e.tenantId, caller.tid) &&
      sameId(e.objectId, caller.oid) &&
      (e.applicationId === undefined || sameId(e.applicationId, caller.appid)) &&
      grantsIn(e.permissions[required.area], required.permission),
  );
}

export function rbacAllows(
  assignments: readonly RoleAssignment[],
  caller: Caller,
  required: Pick<RequiredPermission, 'area' | 'permission'>,
  resource: string,
): boolean {
  return assignments.some(
    (a) =>
      sameId(a.principalId, caller.oid) &&
      scopeCovers(a.scope, resource) &&
      grantsIn(roleDefinitionOf(a.roleDefinitionId)?.grants[required.area], required.permission),
  );
}

/** An ARM action pattern (`*` matches any run of characters) against an action; both compare case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const escaped = pattern.toLowerCase().split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(action.toLowerCase());
}

/** Whether a role allows a management action: one of its actions matches, and none of its notActions. */
export const roleAllowsAction = (role: RoleDefinition, action: string): boolean =>
  role.actions.some((a) => actionMatches(a, action)) && !role.notActions.some((a) => actionMatches(a, action));

/**
 * ARM's check for a management operation: some role assignment of the principal, at the request's scope or above,
 * whose role allows the action. Deny assignments and conditions are not modelled.
 */
export function managementAllows(assignments: readonly RoleAssignment[], principalId: string, action: string, scope: string): boolean {
  return assignments.some((a) => {
    const role = roleDefinitionOf(a.roleDefinitionId);
    return role !== undefined && sameId(a.principalId, principalId) && scopeCovers(a.scope, scope) && roleAllowsAction(role, action);
  });
}

/** Whether the principal holds any role assignment strictly below `scope`: ARM then filters a list there, not refuses it. */
export function hasAssignmentWithin(assignments: readonly RoleAssignment[], principalId: string, scope: string): boolean {
  return assignments.some((a) => sameId(a.principalId, principalId) && scopeCovers(scope, a.scope) && normalizeScope(a.scope) !== normalizeScope(scope));
}

const callerText = (c: Caller) => `appid=${c.appid};oid=${c.oid};iss=${c.iss}`;
const vaultText = (vault: Vault) => `${vault.name};location=${placementOf(vault.properties).location}`;

export const forbiddenByPolicy = (caller: Caller, required: RequiredPermission, vault: Vault): KeyVaultError =>
  new KeyVaultError(
    403,
    'Forbidden',
    `The user, group or application '${callerText(caller)}' does not have ${required.area} ${required.permission.toLowerCase()} ` +
      `permission on key vault '${vaultText(vault)}'. For help resolving this issue, please see ` +
      'https://go.microsoft.com/fwlink/?linkid=2125287',
    { inner: 'ForbiddenByPolicy' },
  );

/** The service's RBAC denial, line for line (it writes CRLFs and a stray space after "null"). */
export const forbiddenByRbac = (caller: Caller, required: RequiredPermission, vault: Vault, resource: string): KeyVaultError =>
  new KeyVaultError(
    403,
    'Forbidden',
    [
      'Caller is not authorized to perform action on resource.',
      'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
      `Caller: ${callerText(caller)}`,
      `Action: '${required.action}'`,
      `Resource: '${resource.toLowerCase()}'`,
      'Assignment: (not found)',
      'DenyAssignmentId: null',
      'DecisionReason: null ',
      `Vault: ${vaultText(vault)}`,
      '',
    ].join('\r\n'),
    { inner: 'ForbiddenByRbac' },
  );

export interface AccessRequest {
  caller: Caller;
  vault: Vault;
  required: RequiredPermission;
  /** The object the operation addresses, for RBAC scopes below the vault: `secrets/NAME`, or undefined. */
  object?: string | undefined;
}

/** Throws the service's 403 unless the vault's permission model grants the operation to the caller. */
export function authorize(request: AccessRequest, assignments: RoleAssignments): void {
  const { caller, vault, required } = request;
  if (vault.properties['enableRbacAuthorization'] === true) {
    const resource = `${vaultResourceId(vault)}${request.object ? `/${request.object}` : ''}`;
    if (!rbacAllows(assignments.list(), caller, required, resource)) throw forbiddenByRbac(caller, required, vault, resource);
    return;
  }
  if (!policyAllows(accessPoliciesOfVault(vault), caller, required)) throw forbiddenByPolicy(caller, required, vault);
}

/** Every permission of every kind: what the admin principal gets on the pre-made vaults. */
export const ALL_PERMISSIONS = { keys: ['all'], secrets: ['all'], certificates: ['all'], storage: ['all'] };

/**
 * Gives `objectIds` full access in the vault's access policies, adding only the entries that are missing: start-up
 * runs this for the pre-made vaults in strict mode, and it must not pile up duplicates across restarts.
 */
export function grantAdmins(vault: Vault, tenantId: string, objectIds: readonly string[], clock: Clock): Vault['properties'] | undefined {
  const entries = accessPoliciesOfVault(vault);
  const missing = objectIds.filter(
    (oid) => !entries.some((e) => sameId(e.tenantId, tenantId) && sameId(e.objectId, oid) && e.applicationId === undefined),
  );
  if (missing.length === 0) return undefined;
  const added: PolicyEntry[] = missing.map((objectId) => ({ tenantId, objectId, permissions: { ...ALL_PERMISSIONS } }));
  return { ...vault.properties, accessPolicies: [...entries, ...added], lastModifiedAt: toUnixSeconds(clock.now()) };
}
