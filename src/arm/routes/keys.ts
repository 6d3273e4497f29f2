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
import { KeyPutBody, type KeyPutBodyT, type ReleasePolicyT } from '../schemas.js';
import type { Json } from '../vault-model.js';
import {
  attributesOf,
  checkName,
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

interface KeyCreate {
  input: CreateKeyInput;
  rotationPolicy?: { lifetimeActions: unknown; attributes?: { expiryTime?: string } };
}

/** ARM's `release_policy` {contentType, data (base64url)}; the SDKs also send `releasePolicy`. */
function releasePolicyOf(raw: ReleasePolicyT | null | undefined): ReleasePolicy | undefined {
  if (!raw) return undefined;
  return { contentType: raw.contentType ?? 'application/json; charset=utf-8', data: raw.data };
}

/** Checked before the key is made, so a bad policy leaves no key behind; the domain stores it afterwards. */
function parseRotationPolicy(raw: KeyPutBodyT['properties']['rotationPolicy']): KeyCreate['rotationPolicy'] {
  if (!raw) return undefined;
  normalizeActions(raw.lifetimeActions);
  const expiryTime = raw.attributes?.expiryTime ?? undefined;
  if (expiryTime !== undefined && parseDuration(expiryTime, 'expiryTime') < MIN_EXPIRY_SECONDS) throw badRequest('expiryTime must be at least 28 days (P28D).');
  return { lifetimeActions: raw.lifetimeActions, ...(expiryTime !== undefined && { attributes: { expiryTime } }) };
}

/** The body, its shape (key type included) checked by KeyPutBody; sizes, curves, operations and tags are the domain's. */
function parseKeyCreate(body: KeyPutBodyT): KeyCreate {
  const p = body.properties;
  const attributes = attributesOf(p.attributes, true);
  const releasePolicy = releasePolicyOf(p.release_policy ?? p.releasePolicy);
  const tags = body.tags ?? undefined;
  validateTags(tags);
  const rotationPolicy = parseRotationPolicy(p.rotationPolicy);
  const input: CreateKeyInput = {
    kty: p.kty,
    // ARM's defaults: 2048 bits for RSA, P-256 for EC (the data plane's too).
    ...(typeof p.keySize === 'number' && { keySize: p.keySize }),
    ...(typeof p.curveName === 'string' && { crv: p.curveName }),
    ...(p.keyOps !== undefined && p.keyOps !== null && { keyOps: p.keyOps }),
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
    app.put<{ Params: KeyParams; Body: KeyPutBodyT }>(KEY, { schema: { body: KeyPutBody } }, async (request) => {
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
