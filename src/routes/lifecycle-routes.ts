import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DeletedInfo, DeletedVersion, Lifecycle, ObjectVersion } from '../domain/lifecycle.js';
import type { VaultContext } from '../domain/vaults.js';
import { operation } from '../server/route-config.js';
import { renderPage, type Json } from './render.js';
import { BackupBody, ListQuery, type BackupBodyT, type ListQueryT, type NameParamsT } from './schemas.js';

/**
 * The routes every object collection has, written once: delete, list, list versions, the deleted collection (list,
 * get, purge, recover), backup and restore. Each collection says how it renders a bundle and a list item, and may
 * put its own rules in front of the lifecycle (certificates take their key and secret along).
 */

export interface CollectionRoutes<B> {
  collection: 'secrets' | 'keys' | 'certificates';
  deletedCollection: 'deletedsecrets' | 'deletedkeys' | 'deletedcertificates';
  lifecycle: Lifecycle<B>;
  bundle(v: ObjectVersion<B>, vault: VaultContext, apiVersion: string, deleted?: DeletedInfo): Json;
  item(v: ObjectVersion<B>, vault: VaultContext, apiVersion: string, versioned: boolean, deleted?: DeletedInfo): Json;
  backup(vault: VaultContext, name: string): Promise<string>;
  restore(vault: VaultContext, blob: string): Promise<ObjectVersion<B>>;
  /** Defaults to the lifecycle's; certificates delete, recover and purge their key and secret too. */
  delete?(vault: VaultContext, name: string): ObjectVersion<B> & { deleted?: DeletedInfo };
  recover?(vault: VaultContext, name: string): ObjectVersion<B>;
  purge?(vault: VaultContext, name: string): void;
  /** Leaves items out of the live and deleted lists (certificates hide pending ones unless asked). */
  listed?(v: ObjectVersion<B>, query: ListQueryT): boolean;
}

export function registerLifecycleRoutes<B>(app: FastifyInstance, c: CollectionRoutes<B>): void {
  const { lifecycle, collection, deletedCollection } = c;
  const remove = c.delete ?? ((vault, name) => lifecycle.delete(vault, name));
  const recover = c.recover ?? ((vault, name) => lifecycle.recover(vault, name));
  const purge = c.purge ?? ((vault, name) => lifecycle.purge(vault, name));
  const keep = <T extends ObjectVersion<B>>(items: T[], q: ListQueryT) => (c.listed ? items.filter((v) => c.listed!(v, q)) : items);
  const op = (permission: string) => ({ config: operation(collection, permission) });
  const page = <T>(req: FastifyRequest, p: { items: T[]; next: string | null }, render: (v: T) => Json, path: string, q: ListQueryT) =>
    renderPage(p, render, req.vault, path, req.apiVersion, q.maxresults);

  app.delete<{ Params: NameParamsT }>(`/${collection}/:name`, op('delete'), async (req) => {
    const v = remove(req.vault, req.params.name);
    return c.bundle(v, req.vault, req.apiVersion, v.deleted);
  });

  app.get<{ Querystring: ListQueryT }>(`/${collection}`, { schema: { querystring: ListQuery }, ...op('list') }, async (req) => {
    const q = req.query;
    const p = lifecycle.list(req.vault, q.maxresults, q.$skiptoken);
    return page(req, { ...p, items: keep(p.items, q) }, (v) => c.item(v, req.vault, req.apiVersion, false), `/${collection}`, q);
  });

  app.get<{ Params: NameParamsT; Querystring: ListQueryT }>(
    `/${collection}/:name/versions`,
    { schema: { querystring: ListQuery }, ...op('list') },
    async (req) => {
      const q = req.query;
      const p = lifecycle.listVersions(req.vault, req.params.name, q.maxresults, q.$skiptoken);
      const path = `/${collection}/${encodeURIComponent(req.params.name)}/versions`;
      return page(req, p, (v) => c.item(v, req.vault, req.apiVersion, true), path, q);
    },
  );

  app.get<{ Querystring: ListQueryT }>(`/${deletedCollection}`, { schema: { querystring: ListQuery }, ...op('list') }, async (req) => {
    const q = req.query;
    const p = lifecycle.listDeleted(req.vault, q.maxresults, q.$skiptoken);
    const render = (v: DeletedVersion<B>) => c.item(v, req.vault, req.apiVersion, false, v.deleted);
    return page(req, { ...p, items: keep(p.items, q) }, render, `/${deletedCollection}`, q);
  });

  app.get<{ Params: NameParamsT }>(`/${deletedCollection}/:name`, op('get'), async (req) => {
    const v = lifecycle.getDeleted(req.vault, req.params.name);
    return c.bundle(v, req.vault, req.apiVersion, v.deleted);
  });

  app.delete<{ Params: NameParamsT }>(`/${deletedCollection}/:name`, op('purge'), async (req, reply) => {
    purge(req.vault, req.params.name);
    return reply.code(204).send();
  });

  app.post<{ Params: NameParamsT }>(`/${deletedCollection}/:name/recover`, op('recover'), async (req) =>
    c.bundle(recover(req.vault, req.params.name), req.vault, req.apiVersion),
  );

  app.post<{ Params: NameParamsT }>(`/${collection}/:name/backup`, op('backup'), async (req) => ({
    value: await c.backup(req.vault, req.params.name),
  }));

  app.post<{ Body: BackupBodyT }>(`/${collection}/restore`, { schema: { body: BackupBody }, ...op('restore') }, async (req) =>
    c.bundle(await c.restore(req.vault, req.body.value), req.vault, req.apiVersion),
  );
}
