import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { publicJwk } from '../crypto/jwk.js';
import { versionAtLeast } from '../server/api-version.js';
import { DEFAULT_ROTATION_POLICY, type RotationPolicy } from '../domain/rotation.js';
import type { DeletedInfo } from '../domain/lifecycle.js';
import type { Key, KeyService, ReleasePolicy } from '../domain/keys.js';
import { objectUrl, type VaultContext } from '../domain/vaults.js';
import { fromBase64url, toBase64url } from './base64url.js';
import { operation } from '../server/route-config.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { renderAttributes, withDeleted, type Json } from './render.js';
import {
  AttributesInput,
  Tags,
  Nullable,
  given,
  type NameParamsT,
  type NameVersionParamsT,
} from './schemas.js';

const KeyAttributes = Type.Intersect([AttributesInput, Type.Object({ exportable: Type.Optional(Type.Boolean()) })]);
const ReleasePolicyBody = Type.Object({
  contentType: Type.Optional(Type.String()),
  immutable: Type.Optional(Type.Boolean()),
  data: Type.String(),
});

const CreateKeyBody = Type.Object({
  kty: Type.String(),
  key_size: Nullable(Type.Integer()),
  public_exponent: Nullable(Type.Integer()),
  key_ops: Nullable(Type.Array(Type.String())),
  attributes: Nullable(KeyAttributes),
  tags: Nullable(Tags),
  crv: Nullable(Type.String()),
  release_policy: Nullable(ReleasePolicyBody),
});
const ImportKeyBody = Type.Object({
  key: Type.Object({ kty: Type.String() }),
  Hsm: Nullable(Type.Boolean()),
  attributes: Nullable(KeyAttributes),
  tags: Nullable(Tags),
  release_policy: Nullable(ReleasePolicyBody),
});
const UpdateKeyBody = Type.Object({
  key_ops: Nullable(Type.Array(Type.String())),
  attributes: Nullable(KeyAttributes),
  tags: Nullable(Tags),
  release_policy: Nullable(ReleasePolicyBody),
});
const OperationBody = Type.Object({
  alg: Type.String(),
  value: Type.String(),
  iv: Nullable(Type.String()),
  aad: Nullable(Type.String()),
  tag: Nullable(Type.String()),
});
const VerifyBody = Type.Object({ alg: Type.String(), digest: Type.String(), value: Type.String() });
const RandomBody = Type.Object({ count: Type.Integer() });
const ReleaseBody = Type.Object({ target: Type.String(), nonce: Nullable(Type.String()), enc: Nullable(Type.String()) });
const RotationPolicyBody = Type.Object({
  id: Nullable(Type.String()),
  lifetimeActions: Nullable(Type.Array(Type.Object({
    trigger: Type.Object({ timeAfterCreate: Nullable(Type.String()), timeBeforeExpiry: Nullable(Type.String()) }),
    action: Type.Object({ type: Type.String() }),
  }))),
  attributes: Nullable(Type.Object({ expiryTime: Nullable(Type.String()) })),
});

type CreateKeyBodyT = Static<typeof CreateKeyBody>;
type ImportKeyBodyT = Static<typeof ImportKeyBody>;
type UpdateKeyBodyT = Static<typeof UpdateKeyBody>;
type OperationBodyT = Static<typeof OperationBody>;
type VerifyBodyT = Static<typeof VerifyBody>;
type ReleaseBodyT = Static<typeof ReleaseBody>;


function releasePolicy(p: Static<typeof ReleasePolicyBody> | null | undefined): ReleasePolicy | undefined {
  if (!p) return undefined;
  fromBase64url(p.data, 'release_policy.data');
  return { contentType: p.contentType ?? 'application/json; charset=utf-8', ...(p.immutable !== undefined && { immutable: p.immutable }), data: p.data };
}

function renderKey(k: Key, vault: VaultContext, apiVersion: string, deleted?: DeletedInfo): Json {
  const jwk = { kid: objectUrl(vault, 'keys', k.name, k.version), ...publicJwk(k.body.jwk), key_ops: k.body.keyOps };
  // The service lists kid, kty, key_ops, then the public members.
  const { kid, kty, key_ops, ...members } = jwk as Json & { kid: string; kty: string; key_ops: string[] };
  const extra: Json = {};
  // exportable (added by 7.3) is in every answer from 7.3 on: the service began sending it at 7.3 during 2022 (C++
  // recordings at 7.3: absent until May 2022, present in Sept 2022; docs/fidelity.md, "Fields added later").
  if (versionAtLeast(apiVersion, '7.3')) extra['exportable'] = k.body.exportable ?? false;
  // From 7.5 a key names its HSM platform: "0" for a software-protected key (Python recordings at 7.5 and
  // 2025-07-01, docs/fidelity.md). What HSM-protected keys answer is not recorded, so they get nothing.
  if (versionAtLeast(apiVersion, '7.5') && !kty.endsWith('-HSM')) extra['hsmPlatform'] = '0';
  const out: Json = { key: { kid, kty, key_ops, ...members }, attributes: renderAttributes(k.attributes, vault, apiVersion, extra) };
  if (k.tags) out['tags'] = k.tags;
  if (k.body.managed) out['managed'] = true;
  if (k.body.releasePolicy) out['release_policy'] = k.body.releasePolicy;
  return withDeleted(vault, 'deletedkeys', k, deleted, out);
}

function renderKeyItem(k: Key, vault: VaultContext, apiVersion: string, versioned: boolean, deleted?: DeletedInfo): Json {
  const out: Json = {
    kid: objectUrl(vault, 'keys', k.name, versioned ? k.version : undefined),
    attributes: renderAttributes(k.attributes, vault, apiVersion, versionAtLeast(apiVersion, '7.3') ? { exportable: k.body.exportable ?? false } : {}),
  };
  if (k.tags) out['tags'] = k.tags;
  if (k.body.managed) out['managed'] = true;
  return withDeleted(vault, 'deletedkeys', k, deleted, out);
}

function renderRotationPolicy(vault: VaultContext, name: string, policy: RotationPolicy | undefined): Json {
  if (!policy) return { ...DEFAULT_ROTATION_POLICY };
  return { id: `${objectUrl(vault, 'keys', name)}/rotationpolicy`, lifetimeActions: policy.lifetimeActions, attributes: policy.attributes };
}

const CRYPTO_ROUTES = [
  ['encrypt', 'encrypt'],
  ['decrypt', 'decrypt'],
  ['wrapkey', 'wrapKey'],
  ['unwrapkey', 'unwrapKey'],
] as const;

export function keyRoutes(keys: KeyService): FastifyPluginAsync {
  const { lifecycle } = keys;
  return async (app) => {
    app.post<{ Params: NameParamsT; Body: CreateKeyBodyT }>('/keys/:name/create', { schema: { body: CreateKeyBody }, config: operation('keys', 'create', 'keyCreate') }, async (req) => {
      const b = req.body;
      const policy = releasePolicy(b.release_policy);
      const key = await keys.create(req.vault, req.params.name, {
        kty: b.kty,
        ...(given(b.key_size) !== undefined && { keySize: b.key_size! }),
        ...(given(b.public_exponent) !== undefined && { publicExponent: b.public_exponent! }),
        ...(given(b.crv) !== undefined && { crv: b.crv! }),
        ...(given(b.key_ops) !== undefined && { keyOps: b.key_ops }),
        ...(b.attributes && { attributes: b.attributes }),
        ...(b.tags && { tags: b.tags }),
        ...(policy && { releasePolicy: policy }),
      });
      return renderKey(key, req.vault, req.apiVersion);
    });

    app.put<{ Params: NameParamsT; Body: ImportKeyBodyT }>('/keys/:name', { schema: { body: ImportKeyBody }, config: operation('keys', 'import') }, async (req) => {
      const b = req.body;
      const policy = releasePolicy(b.release_policy);
      const key = keys.import(req.vault, req.params.name, {
        key: b.key,
        ...(b.Hsm && { hsm: true }),
        ...(b.attributes && { attributes: b.attributes }),
        ...(b.tags && { tags: b.tags }),
        ...(policy && { releasePolicy: policy }),
      });
      return renderKey(key, req.vault, req.apiVersion);
    });

    app.get<{ Params: NameVersionParamsT }>('/keys/:name/:version?', { config: operation('keys', 'get') }, async (req) =>
      renderKey(keys.get(req.vault, req.params.name, req.params.version), req.vault, req.apiVersion),
    );

    app.patch<{ Params: NameVersionParamsT; Body: UpdateKeyBodyT | undefined }>(
      '/keys/:name/:version?',
      { schema: { body: Type.Union([UpdateKeyBody, Type.Null()]) }, config: operation('keys', 'update') },
      async (req) => {
        const b = req.body ?? {};
        const policy = releasePolicy(b.release_policy);
        const key = keys.update(req.vault, req.params.name, req.params.version, {
          ...(given(b.key_ops) !== undefined && { keyOps: b.key_ops }),
          ...(b.attributes && { attributes: b.attributes }),
          ...(b.tags && { tags: b.tags }),
          ...(policy && { releasePolicy: policy }),
        });
        return renderKey(key, req.vault, req.apiVersion);
      },
    );

    registerLifecycleRoutes(app, {
      collection: 'keys',
      deletedCollection: 'deletedkeys',
      lifecycle,
      bundle: renderKey,
      item: renderKeyItem,
      backup: keys.backup,
      restore: keys.restore,
    });

    app.post<{ Params: NameParamsT }>('/keys/:name/rotate', { config: operation('keys', 'rotate') }, async (req) =>
      renderKey(await keys.rotate(req.vault, req.params.name), req.vault, req.apiVersion),
    );

    app.get<{ Params: NameParamsT }>('/keys/:name/rotationpolicy', { config: operation('keys', 'getrotationpolicy') }, async (req) => {
      const key = lifecycle.get(req.vault, req.params.name);
      return renderRotationPolicy(req.vault, key.name, keys.rotation.get(req.vault, key.name));
    });

    app.put<{ Params: NameParamsT; Body: Static<typeof RotationPolicyBody> }>(
      '/keys/:name/rotationpolicy',
      { schema: { body: RotationPolicyBody }, config: operation('keys', 'setrotationpolicy') },
      async (req) => {
        const key = lifecycle.get(req.vault, req.params.name);
        const policy = keys.rotation.set(req.vault, key.name, req.body as Parameters<KeyService['rotation']['set']>[2]);
        return renderRotationPolicy(req.vault, key.name, policy);
      },
    );

    // Random bytes touch no vault object: the service checks no vault permission for them (on Managed HSM it is an
    // HSM role, which Kyanite does not model); they count as key transactions.
    app.post<{ Body: Static<typeof RandomBody> }>('/rng', { schema: { body: RandomBody }, config: { permission: 'open', throttle: 'keyOther' } }, async (req) => ({
      value: toBase64url(keys.randomBytes(req.body.count)),
    }));

    // Crypto operations, on an explicit version or (from 7.x clients) on the versionless path.
    for (const suffix of ['', '/:version']) {
      app.post<{ Params: NameVersionParamsT; Body: OperationBodyT }>(`/keys/:name${suffix}/sign`, { schema: { body: OperationBody }, config: operation('keys', 'sign') }, async (req) => {
        const r = keys.sign(req.vault, req.params.name, req.params.version, req.body.alg, fromBase64url(req.body.value, 'value'));
        return { kid: objectUrl(req.vault, 'keys', r.key.name, r.key.version), value: toBase64url(r.value) };
      });
      app.post<{ Params: NameVersionParamsT; Body: VerifyBodyT }>(`/keys/:name${suffix}/verify`, { schema: { body: VerifyBody }, config: operation('keys', 'verify') }, async (req) => ({
        value: keys.verify(req.vault, req.params.name, req.params.version, req.body.alg, fromBase64url(req.body.digest, 'digest'), fromBase64url(req.body.value, 'value')),
      }));
      for (const [path, op] of CRYPTO_ROUTES) {
        app.post<{ Params: NameVersionParamsT; Body: OperationBodyT }>(`/keys/:name${suffix}/${path}`, { schema: { body: OperationBody }, config: operation('keys', op) }, async (req) => {
          const b = req.body;
          const r = keys.crypt(req.vault, req.params.name, req.params.version, op, {
            alg: b.alg,
            value: fromBase64url(b.value, 'value'),
            ...(given(b.iv) !== undefined && { iv: fromBase64url(b.iv!, 'iv') }),
            ...(given(b.aad) !== undefined && { aad: fromBase64url(b.aad!, 'aad') }),
            ...(given(b.tag) !== undefined && { tag: fromBase64url(b.tag!, 'tag') }),
          });
          const out: Json = { kid: objectUrl(req.vault, 'keys', r.key.name, r.key.version), value: toBase64url(r.value) };
          if (r.iv) out['iv'] = toBase64url(r.iv);
          if (r.tag) out['tag'] = toBase64url(r.tag);
          if (r.aad) out['aad'] = toBase64url(r.aad);
          return out;
        });
      }
      // Secure key release: the signed result carries the request and the key bundle with key_hsm (the key wrapped
      // for the target), as a recorded service response does.
      app.post<{ Params: NameVersionParamsT; Body: ReleaseBodyT }>(`/keys/:name${suffix}/release`, { schema: { body: ReleaseBody }, config: operation('keys', 'release') }, async (req) => {
        const nonce = given(req.body.nonce);
        const enc = given(req.body.enc);
        const r = keys.release(req.vault, req.params.name, req.params.version, {
          target: req.body.target,
          ...(nonce !== undefined && { nonce }),
          ...(enc !== undefined && { enc }),
        });
        const bundle = renderKey(r.key, req.vault, req.apiVersion);
        const request: Json = { 'api-version': req.apiVersion, enc: r.enc, kid: objectUrl(req.vault, 'keys', r.key.name, req.params.version) };
        if (nonce !== undefined) request['nonce'] = nonce;
        const response = { key: { ...bundle, key: { ...(bundle['key'] as Json), key_hsm: r.keyHsm } } };
        return { value: keys.signRelease({ request, response }) };
      });
      app.get<{ Params: NameVersionParamsT }>(`/keys/:name${suffix}/attestation`, { config: operation('keys', 'get') }, async (req) =>
        renderKey(keys.attestation(req.vault, req.params.name, req.params.version), req.vault, req.apiVersion),
      );
    }
  };
}
