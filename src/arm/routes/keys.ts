import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { keySize } from '../../crypto/jwk.js';
import { parseDuration } from '../../domain/durations.js';
import type { Domain } from '../../domain/index.js';
import type { CreateKeyInput, Key, ReleasePolicy } from '../../domain/keys.js';
import { validateTags } from '../../domain/lifecycle.js';
import { MIN_EXPIRY_SECONDS, normalizeActions, type RotationPolicy } from '../../domain/rotation.js';
import { objectUrl } from '../../domain/vaults.js';
import { badRequest } from '../errors.js';
import { pageOf } from '../paging.js';
import { isRecord, parseTags, type Json } from '../vault-model.js';
import {
  checkName,
  objectBody,
  parseAttributes,
  renderAttributes,
  subResource,
  VAULT,
  vaultScope,
  viaDomain,
  type VaultParams,
  type VaultScope,
} from '../vault-scope.js';

/**
 * Keys_* of Microsoft.KeyVault: the vault's own keys (the data plane's objects), seen through ARM. ARM only
 * creates a key that does not exist yet: a PUT on an existing key returns it untouched and never adds a version.
 */

type KeyParams = VaultParams & { keyName: string };
const KEY = `${VAULT}/keys/:keyName`;
const ARM_KEY_TYPES = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM'];

interface KeyCreate {
  input: CreateKeyInput;
  rotationPolicy?: { lifetimeActions: unknown; attributes?: { expiryTime?: string } };
}

function optionalString(p: Json, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`The property 'properties.${key}' must be a string.`);
  return v;
}

/** ARM's `release_policy` {contentType, data (base64url)}; the SDKs also send `releasePolicy`. */
function parseReleasePolicy(raw: unknown): ReleasePolicy | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw) || typeof raw['data'] !== 'string') throw badRequest("The property 'properties.release_policy' must be an object with base64url 'data'.");
  return { contentType: typeof raw['contentType'] === 'string' ? raw['contentType'] : 'application/json; charset=utf-8', data: raw['data'] };
}

/** Checked before the key is made, so a bad policy leaves no key behind; the domain stores it afterwards. */
function parseRotationPolicy(raw: unknown): KeyCreate['rotationPolicy'] {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw badRequest("The property 'properties.rotationPolicy' must be an object.");
  normalizeActions(raw['lifetimeActions']);
  const attributes = raw['attributes'];
  const expiryTime = isRecord(attributes) ? attributes['expiryTime'] : undefined;
  if (expiryTime !== undefined && expiryTime !== null) {
    if (typeof expiryTime !== 'string') throw badRequest("The property 'properties.rotationPolicy.attributes.expiryTime' must be an ISO 8601 duration.");
    if (parseDuration(expiryTime, 'expiryTime') < MIN_EXPIRY_SECONDS) throw badRequest('expiryTime must be at least 28 days (P28D).');
  }
  return { lifetimeActions: raw['lifetimeActions'], ...(typeof expiryTime === 'string' && { attributes: { expiryTime } }) };
}

function parseKeyCreate(body: unknown): KeyCreate {
  const { properties: p, tags: rawTags } = objectBody(body);
  const kty = p['kty'];
  if (typeof kty !== 'string' || !ARM_KEY_TYPES.includes(kty)) {
    throw badRequest(`The key type '${String(kty)}' is not valid. Valid key types: ${ARM_KEY_TYPES.join(', ')}.`);
  }
  const size = p['keySize'];
  if (size !== undefined && size !== null && !Number.isInteger(size)) throw badRequest("The property 'properties.keySize' must be an integer.");
  const crv = optionalString(p, 'curveName');
  const attributes = parseAttributes(p['attributes'], ['exportable']);
  const releasePolicy = parseReleasePolicy(p['release_policy'] ?? p['releasePolicy']);
  const tags = parseTags(rawTags);
  validateTags(tags);
  const rotationPolicy = parseRotationPolicy(p['rotationPolicy']);
  const input: CreateKeyInput = {
    kty,
    // ARM's defaults: 2048 bits for RSA, P-256 for EC (the data plane's too).
    ...(typeof size === 'number' && { keySize: size }),
    ...(crv !== undefined && { crv }),
    ...(p['keyOps'] !== undefined && p['keyOps'] !== null && { keyOps: p['keyOps'] }),
    ...(attributes && { attributes }),
    ...(tags && { tags }),
    ...(releasePolicy && { releasePolicy }),
  };
  return { input, ...(rotationPolicy && { rotationPolicy }) };
}

/** ARM writes the action types in lower case. */
const renderRotationPolicy = (policy: RotationPolicy): Json => ({
  attributes: policy.attributes,
  lifetimeActions: policy.lifetimeActions.map((a) => ({ trigger: a.trigger, action: { type: a.action.type.toLowerCase() } })),
});

export function armKeyRoutes(domain: Domain): FastifyPluginAsync {
  const { keys } = domain;
  const lifecycle = keys.lifecycle;

  function renderKey(scope: VaultScope, k: Key, asVersion = false): Json {
    const jwk = k.body.jwk;
    const keyUri = objectUrl(scope.context, 'keys', k.name);
    const policy = asVersion ? undefined : lifecycle.getMeta<{ rotationPolicy?: RotationPolicy }>(scope.context, k.name)?.rotationPolicy;
    const properties: Json = {
      attributes: {
        ...renderAttributes(k.attributes),
        recoveryLevel: scope.context.recoveryLevel,
        ...(k.body.exportable !== undefined && { exportable: k.body.exportable }),
      },
      kty: jwk.kty,
      keyOps: k.body.keyOps,
      ...(jwk.crv ? { curveName: jwk.crv } : { keySize: keySize(jwk) }),
      keyUri,
      keyUriWithVersion: objectUrl(scope.context, 'keys', k.name, k.version),
      ...(policy && { rotationPolicy: renderRotationPolicy(policy) }),
      ...(k.body.releasePolicy && { release_policy: { contentType: k.body.releasePolicy.contentType, data: k.body.releasePolicy.data } }),
    };
    return asVersion
      ? subResource(scope, `keys/${k.name}/versions/${k.version}`, k.version, 'keys/versions', properties, k.tags ?? {})
      : subResource(scope, `keys/${k.name}`, k.name, 'keys', properties, k.tags ?? {});
  }

  const at = (request: FastifyRequest<{ Params: KeyParams }>) => {
    const scope = vaultScope(domain, request);
    const name = request.params.keyName;
    checkName('key', name);
    const missing = (path = `keys/${name}`) => scope.missing(path);
    const current = async () => {
      const key = await viaDomain(() => lifecycle.find(scope.context, name), missing);
      if (!key) throw missing();
      return key;
    };
    return { scope, name, missing, current };
  };

  /** Every version of a key, oldest page first (the data plane pages them 25 at a time). */
  function allVersions(scope: VaultScope, name: string): Key[] {
    const versions: Key[] = [];
    let token: string | null = null;
    do {
      const page = lifecycle.listVersions(scope.context, name, 25, token ?? undefined);
      versions.push(...page.items);
      token = page.next;
    } while (token);
    return versions;
  }

  return async (app) => {
    app.get<{ Params: VaultParams }>(`${VAULT}/keys`, async (request) => {
      const scope = vaultScope(domain, request);
      return pageOf(request, lifecycle.allLive(scope.context).map((k) => renderKey(scope, k)));
    });

    app.get<{ Params: KeyParams }>(KEY, async (request) => {
      const { scope, current } = at(request);
      return renderKey(scope, await current());
    });

    // Create if not exist: the body is checked either way, but an existing key is answered as it is.
    app.put<{ Params: KeyParams }>(KEY, async (request) => {
      const { scope, name, missing } = at(request);
      const { input, rotationPolicy } = await viaDomain(() => parseKeyCreate(request.body), missing);
      const existing = lifecycle.find(scope.context, name);
      if (existing) return renderKey(scope, existing);
      const created = await viaDomain(() => keys.create(scope.context, name, input), missing);
      if (rotationPolicy) await viaDomain(() => keys.rotation.set(scope.context, created.name, rotationPolicy), missing);
      return renderKey(scope, created);
    });

    app.get<{ Params: KeyParams }>(`${KEY}/versions`, async (request) => {
      const { scope, current } = at(request);
      const key = await current();
      return pageOf(request, allVersions(scope, key.name).map((k) => renderKey(scope, k, true)));
    });

    app.get<{ Params: KeyParams & { keyVersion: string } }>(`${KEY}/versions/:keyVersion`, async (request) => {
      const { scope, name, missing } = at(request);
      const path = `keys/${name}/versions/${request.params.keyVersion}`;
      const key = await viaDomain(() => lifecycle.get(scope.context, name, request.params.keyVersion), () => missing(path));
      return renderKey(scope, key, true);
    });
  };
}
