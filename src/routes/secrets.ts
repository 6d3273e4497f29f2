import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { DeletedInfo } from '../domain/lifecycle.js';
import type { Secret, SecretService } from '../domain/secrets.js';
import type { VaultContext } from '../domain/vaults.js';
import { objectUrl, renderAttributes, renderPage, withDeleted, type Json } from './render.js';
import {
  AttributesInput,
  BackupBody,
  NameParams,
  NameVersionParams,
  PagingQuery,
  Tags,
  type BackupBodyT,
  type NameParamsT,
  type NameVersionParamsT,
  type PagingQueryT,
} from './schemas.js';

const SetSecretBody = Type.Object({
  value: Type.String(),
  contentType: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  attributes: Type.Optional(Type.Union([AttributesInput, Type.Null()])),
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
});
const UpdateSecretBody = Type.Object({
  contentType: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  attributes: Type.Optional(Type.Union([AttributesInput, Type.Null()])),
  tags: Type.Optional(Type.Union([Tags, Type.Null()])),
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

const clean = <T extends object>(o: T | null | undefined): T | undefined => (o === null ? undefined : o);

export function secretRoutes(secrets: SecretService): FastifyPluginAsync {
  const { lifecycle } = secrets;
  return async (app) => {
    app.put<{ Params: NameParamsT; Body: SetSecretBodyT }>(
      '/secrets/:name',
      { schema: { params: NameParams, body: SetSecretBody } },
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

    app.get<{ Params: NameVersionParamsT }>('/secrets/:name/:version?', { schema: { params: NameVersionParams } }, async (req) =>
      renderSecret(secrets.get(req.vault, req.params.name, req.params.version), req.vault, req.apiVersion, { value: true }),
    );

    app.patch<{ Params: NameVersionParamsT; Body: UpdateSecretBodyT | undefined }>(
      '/secrets/:name/:version?',
      { schema: { params: NameVersionParams, body: Type.Union([UpdateSecretBody, Type.Null()]) } },
      async (req) => {
        const b = req.body ?? {};
        const attributes = clean(b.attributes);
        const tags = clean(b.tags);
        const s = secrets.update(req.vault, req.params.name, req.params.version, {
          ...(typeof b.contentType === 'string' && { contentType: b.contentType }),
          ...(attributes && { attributes }),
          ...(tags && { tags }),
        });
        return renderSecret(s, req.vault, req.apiVersion);
      },
    );

    app.delete<{ Params: NameParamsT }>('/secrets/:name', { schema: { params: NameParams } }, async (req) => {
      const s = lifecycle.delete(req.vault, req.params.name);
      return renderSecret(s, req.vault, req.apiVersion, { ...(s.deleted && { deleted: s.deleted }) });
    });

    app.get<{ Querystring: PagingQueryT }>('/secrets', { schema: { querystring: PagingQuery } }, async (req) => {
      const q = req.query;
      const page = lifecycle.list(req.vault, q.maxresults, q.$skiptoken);
      return renderPage(page, (s) => renderSecret(s, req.vault, req.apiVersion, { versioned: false }), req.vault, '/secrets', req.apiVersion, q.maxresults);
    });

    app.get<{ Params: NameParamsT; Querystring: PagingQueryT }>(
      '/secrets/:name/versions',
      { schema: { params: NameParams, querystring: PagingQuery } },
      async (req) => {
        const q = req.query;
        const page = lifecycle.listVersions(req.vault, req.params.name, q.maxresults, q.$skiptoken);
        const path = `/secrets/${encodeURIComponent(req.params.name)}/versions`;
        return renderPage(page, (s) => renderSecret(s, req.vault, req.apiVersion), req.vault, path, req.apiVersion, q.maxresults);
      },
    );

    app.get<{ Querystring: PagingQueryT }>('/deletedsecrets', { schema: { querystring: PagingQuery } }, async (req) => {
      const q = req.query;
      const page = lifecycle.listDeleted(req.vault, q.maxresults, q.$skiptoken);
      const render = (s: (typeof page.items)[number]) => renderSecret(s, req.vault, req.apiVersion, { versioned: false, deleted: s.deleted });
      return renderPage(page, render, req.vault, '/deletedsecrets', req.apiVersion, q.maxresults);
    });

    app.get<{ Params: NameParamsT }>('/deletedsecrets/:name', { schema: { params: NameParams } }, async (req) => {
      const s = lifecycle.getDeleted(req.vault, req.params.name);
      return renderSecret(s, req.vault, req.apiVersion, { deleted: s.deleted });
    });

    app.delete<{ Params: NameParamsT }>('/deletedsecrets/:name', { schema: { params: NameParams } }, async (req, reply) => {
      lifecycle.purge(req.vault, req.params.name);
      return reply.code(204).send();
    });

    app.post<{ Params: NameParamsT }>('/deletedsecrets/:name/recover', { schema: { params: NameParams } }, async (req) =>
      renderSecret(lifecycle.recover(req.vault, req.params.name), req.vault, req.apiVersion),
    );

    app.post<{ Params: NameParamsT }>('/secrets/:name/backup', { schema: { params: NameParams } }, async (req) => ({
      value: await secrets.backup(req.vault, req.params.name),
    }));

    app.post<{ Body: BackupBodyT }>('/secrets/restore', { schema: { body: BackupBody } }, async (req) =>
      renderSecret(await secrets.restore(req.vault, req.body.value), req.vault, req.apiVersion),
    );
  };
}
