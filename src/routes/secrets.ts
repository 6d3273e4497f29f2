import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { DeletedInfo } from '../domain/lifecycle.js';
import type { Secret, SecretService } from '../domain/secrets.js';
import { objectUrl, type VaultContext } from '../domain/vaults.js';
import { operation } from '../server/route-config.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';
import { renderAttributes, withDeleted, type Json } from './render.js';
import {
  AttributesInput,
  Tags,
  given,
  Nullable,
  type NameParamsT,
  type NameVersionParamsT,
} from './schemas.js';

const SetSecretBody = Type.Object({
  value: Type.String(),
  contentType: Nullable(Type.String()),
  attributes: Nullable(AttributesInput),
  tags: Nullable(Tags),
});
const UpdateSecretBody = Type.Object({
  contentType: Nullable(Type.String()),
  attributes: Nullable(AttributesInput),
  tags: Nullable(Tags),
});
type SetSecretBodyT = Static<typeof SetSecretBody>;
type UpdateSecretBodyT = Static<typeof UpdateSecretBody>;

/** Renders a secret; the value only where the service returns it (set and get). */
function renderSecret(s: Secret, vault: VaultContext, apiVersion: string, opts: { value?: boolean; versioned?: boolean; deleted?: DeletedInfo } = {}): Json {
  const out: Json = {};
  if (opts.value) out['value'] = s.body.value;
  if (s.body.contentType !== undefined) out['contentType'] = s.body.contentType;
  out['id'] = objectUrl(vault, 'secrets', s.name, opts.versioned === false ? undefined : s.version);
  out['attributes'] = renderAttributes(s.attributes, vault, apiVersion);
  if (s.tags) out['tags'] = s.tags;
  // A certificate's secret points at the certificate's key, which shares its name and version.
  if (s.body.managed) {
    out['kid'] = objectUrl(vault, 'keys', s.name, s.version);
    out['managed'] = true;
  }
  return withDeleted(vault, 'deletedsecrets', s, opts.deleted, out);
}


export function secretRoutes(secrets: SecretService): FastifyPluginAsync {
  const { lifecycle } = secrets;
  return async (app) => {
    app.put<{ Params: NameParamsT; Body: SetSecretBodyT }>(
      '/secrets/:name',
      { schema: { body: SetSecretBody }, config: operation('secrets', 'set', 'secretCreate') },
      async (req) => {
        const b = req.body;
        const s = secrets.set(req.vault, req.params.name, {
          value: b.value,
          ...(typeof b.contentType === 'string' && { contentType: b.contentType }),
          ...(b.attributes && { attributes: b.attributes }),
          ...(b.tags && { tags: b.tags }),
        });
        return renderSecret(s, req.vault, req.apiVersion, { value: true });
      },
    );

    app.get<{ Params: NameVersionParamsT }>('/secrets/:name/:version?', { config: operation('secrets', 'get') }, async (req) =>
      renderSecret(secrets.get(req.vault, req.params.name, req.params.version), req.vault, req.apiVersion, { value: true }),
    );

    app.patch<{ Params: NameVersionParamsT; Body: UpdateSecretBodyT | undefined }>(
      '/secrets/:name/:version?',
      { schema: { body: Type.Union([UpdateSecretBody, Type.Null()]) }, config: operation('secrets', 'set') },
      async (req) => {
        const b = req.body ?? {};
        const attributes = given(b.attributes);
        const tags = given(b.tags);
        const s = secrets.update(req.vault, req.params.name, req.params.version, {
          ...(typeof b.contentType === 'string' && { contentType: b.contentType }),
          ...(attributes && { attributes }),
          ...(tags && { tags }),
        });
        return renderSecret(s, req.vault, req.apiVersion);
      },
    );

    registerLifecycleRoutes(app, {
      collection: 'secrets',
      deletedCollection: 'deletedsecrets',
      lifecycle,
      bundle: (v, vault, apiVersion, deleted) => renderSecret(v, vault, apiVersion, { ...(deleted && { deleted }) }),
      // A secret list item is the bundle without the value; the live list names the secret, versions name versions.
      item: (v, vault, apiVersion, versioned, deleted) => renderSecret(v, vault, apiVersion, { versioned, ...(deleted && { deleted }) }),
      backup: secrets.backup,
      restore: secrets.restore,
    });
  };
}
