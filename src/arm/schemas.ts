import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifySchemaValidationError } from 'fastify';
import type { KeyVaultError } from '../domain/errors.js';
import { badRequest, locationRequired } from './errors.js';
import { GUID_PATTERN } from './ids.js';

/**
 * The management plane's request bodies as TypeBox schemas, declared on the routes as the data plane's are
 * (src/routes/schemas.ts): the shapes and types here, Fastify's validator checks them before the handler runs, and
 * armValidationError words a failure as Microsoft.KeyVault does (400 BadRequest naming the property, LocationRequired
 * for a missing location). What depends on more than a value's shape stays with its rule: sku names compared without
 * case, the permission names of access policies, the vault rules (src/domain/vault-rules.ts), names, tags limits.
 * Objects accept properties they do not list: ARM bodies carry read-only and unknown fields that clients echo back.
 */

/** A field clients may send as null or leave out: ARM treats both alike. */
const OrNull = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

const Guid = Type.String({ pattern: GUID_PATTERN });
const Tags = OrNull(Type.Record(Type.String(), Type.String()));
const AnyObject = Type.Object({});
const Flag = OrNull(Type.Boolean());
/** One of a few strings; as an enum, so a failure names them all. */
const OneOf = <const T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

// --- vaults --------------------------------------------------------------------------------------------------------

const PermissionList = Type.Array(Type.String());
/** An AccessPolicyEntry's shape; its permission names are checked by src/arm/access-policies.ts (without case). */
const AccessPolicyEntry = Type.Object({
  tenantId: Guid,
  objectId: Type.String({ minLength: 1 }),
  applicationId: OrNull(Guid),
  permissions: Type.Object(
    { keys: Type.Optional(PermissionList), secrets: Type.Optional(PermissionList), certificates: Type.Optional(PermissionList), storage: Type.Optional(PermissionList) },
    { additionalProperties: false },
  ),
});
const AccessPolicies = Type.Array(AccessPolicyEntry, { maxItems: 1024 });

/** The fields of a vault's `properties` that a PUT or PATCH may carry; which a create requires is the model's rule. */
const VaultProperties = Type.Object({
  tenantId: Type.Optional(Guid),
  sku: Type.Optional(Type.Object({ family: Type.Optional(Type.Literal('A')), name: Type.String() })),
  accessPolicies: OrNull(AccessPolicies),
  enabledForDeployment: Flag,
  enabledForDiskEncryption: Flag,
  enabledForTemplateDeployment: Flag,
  enableSoftDelete: Flag,
  enableRbacAuthorization: Flag,
  enablePurgeProtection: Flag,
  softDeleteRetentionInDays: OrNull(Type.Integer()),
  networkAcls: OrNull(AnyObject),
  createMode: OrNull(OneOf(['default', 'recover'])),
});
export type VaultPropertiesT = Static<typeof VaultProperties>;

/** Vaults_CreateOrUpdate. */
export const VaultPutBody = Type.Object({ location: Type.String({ pattern: '\\S' }), tags: Tags, properties: VaultProperties });
export type VaultPutBodyT = Static<typeof VaultPutBody>;

/** Vaults_Update: only what it carries changes. */
export const VaultPatchBody = Type.Object({ tags: Tags, properties: OrNull(VaultProperties) });
export type VaultPatchBodyT = Static<typeof VaultPatchBody>;

/** Vaults_UpdateAccessPolicy. */
export const AccessPolicyUpdateBody = Type.Object({ properties: Type.Object({ accessPolicies: AccessPolicies }) });
export type AccessPolicyUpdateBodyT = Static<typeof AccessPolicyUpdateBody>;

/** Vaults_CheckNameAvailability. */
export const NameCheckBody = Type.Object({ name: Type.String(), type: Type.String() });
export type NameCheckBodyT = Static<typeof NameCheckBody>;

// --- keys and secrets ----------------------------------------------------------------------------------------------

const Seconds = OrNull(Type.Integer());
const ObjectAttributes = { enabled: Flag, nbf: Seconds, exp: Seconds };

const secretFields = { contentType: OrNull(Type.String()), attributes: OrNull(Type.Object(ObjectAttributes)) };
/** Secrets_CreateOrUpdate: the value is required (a PUT adds a version). */
export const SecretPutBody = Type.Object({ tags: Tags, properties: Type.Object({ value: Type.String(), ...secretFields }) });
/** Secrets_Update: a value makes a new version. */
export const SecretPatchBody = Type.Object({ tags: Tags, properties: OrNull(Type.Object({ value: OrNull(Type.String()), ...secretFields })) });
export type SecretPatchBodyT = Static<typeof SecretPatchBody>;

const ReleasePolicy = Type.Object({ contentType: OrNull(Type.String()), data: Type.String() });
export type ReleasePolicyT = Static<typeof ReleasePolicy>;
/** The key types ARM creates (no symmetric keys). */
const ARM_KEY_TYPES = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM'] as const;

/** Keys_CreateIfNotExist; the key type, size and curve are the data plane's rules, the rotation policy the domain's. */
export const KeyPutBody = Type.Object({
  tags: Tags,
  properties: Type.Object({
    kty: OneOf(ARM_KEY_TYPES),
    keySize: OrNull(Type.Integer()),
    curveName: OrNull(Type.String()),
    keyOps: OrNull(Type.Array(Type.String())),
    attributes: OrNull(Type.Object({ ...ObjectAttributes, exportable: Flag })),
    release_policy: OrNull(ReleasePolicy),
    releasePolicy: OrNull(ReleasePolicy),
    rotationPolicy: OrNull(Type.Object({ lifetimeActions: Type.Optional(Type.Unknown()), attributes: OrNull(Type.Object({ expiryTime: OrNull(Type.String()) })) })),
  }),
});
export type KeyPutBodyT = Static<typeof KeyPutBody>;

// --- the rest ------------------------------------------------------------------------------------------------------

const CONNECTION_STATUSES = ['Pending', 'Approved', 'Rejected', 'Disconnected'] as const;

/** PrivateEndpointConnections_Put. */
export const ConnectionPutBody = Type.Object({
  etag: OrNull(Type.String()),
  properties: OrNull(
    Type.Object({
      privateEndpoint: OrNull(AnyObject),
      privateLinkServiceConnectionState: OrNull(Type.Object({ status: Type.Optional(OneOf(CONNECTION_STATUSES)) })),
    }),
  ),
});
export type ConnectionPutBodyT = Static<typeof ConnectionPutBody>;

/** ResourceGroups_CreateOrUpdate. */
export const GroupPutBody = Type.Object({ location: Type.String({ minLength: 1 }), tags: Tags });
export type GroupPutBodyT = Static<typeof GroupPutBody>;

/** RoleAssignments_Create: the principal id's form is answered with its own code by the route. */
export const RoleAssignmentPutBody = Type.Object({
  properties: Type.Object({
    roleDefinitionId: Type.String({ minLength: 1 }),
    principalId: Type.Optional(Type.Unknown()),
    principalType: OrNull(Type.String()),
    description: OrNull(Type.String()),
  }),
});
export type RoleAssignmentPutBodyT = Static<typeof RoleAssignmentPutBody>;

// --- failures as ARM words them --------------------------------------------------------------------------------------

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  object: 'an object',
  array: 'an array',
};

/** `/properties/accessPolicies/0/tenantId` → `properties.accessPolicies[0].tenantId`. */
const propertyPath = (instancePath: string, child?: string): string =>
  [...instancePath.split('/').filter(Boolean), ...(child ? [child] : [])]
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : `${i > 0 ? '.' : ''}${segment.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');

/**
 * The CloudError a failed body validation answers (the plane's schemaErrorFormatter). Fastify's validator stops at
 * the first failure; inside a field that may be null the first is the one of the non-null form.
 */
export function armValidationError(errors: FastifySchemaValidationError[], dataVar: string): KeyVaultError {
  const first = errors[0];
  if (!first) return badRequest(`The request ${dataVar} is not valid.`);
  const params = first.params as Record<string, unknown>;
  const missing = first.keyword === 'required' ? String(params['missingProperty']) : undefined;
  const path = propertyPath(first.instancePath, missing);
  if (dataVar === 'body' && path === 'location') return locationRequired();
  if (path === '') return badRequest(`The request ${dataVar} must be a JSON object.`);
  const property = `The property '${path}'`;
  switch (first.keyword) {
    case 'required':
      return badRequest(`${property} is required.`);
    case 'type':
      return badRequest(`${property} must be ${TYPE_WORDS[String(params['type'])] ?? String(params['type'])}.`);
    case 'pattern':
      return badRequest(params['pattern'] === GUID_PATTERN ? `${property} must be a GUID.` : `${property} is not valid.`);
    case 'const':
      return badRequest(`${property} must be '${String(params['allowedValue'])}'.`);
    case 'enum':
      return badRequest(`${property} is not valid. Valid values: ${(params['allowedValues'] as unknown[]).join(', ')}.`);
    case 'additionalProperties':
      return badRequest(`The property '${path}.${String(params['additionalProperty'])}' is not allowed.`);
    default:
      return badRequest(`${property} ${first.message ?? 'is not valid'}.`);
  }
}
