import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { KeyVaultError } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import { exportSeed, SEED_FORMATS, type SeedFormat } from './seed-file.js';

const Advance = Type.Object({ seconds: Type.Number({ minimum: 0, maximum: 100 * 365 * 86400 }) });
const ExportQuery = Type.Object({ format: Type.Optional(Type.Union(SEED_FORMATS.map((f) => Type.Literal(f)))) });

/**
 * Kyanite's own controls, beside health: the time shift that lets users test expiry, scheduled purges, rotation and
 * renewal without waiting (moving the clock runs what falls due before answering), and the export of the state as a
 * seed document (docs/seed-and-export.md).
 */
export interface AdminOptions {
  /**
   * Serve /_kyanite/export. Off under --auth strict: the document holds every secret and private key and this route
   * takes no token, so there the export is only `kyanite export` on the data dir.
   */
  exportEnabled: boolean;
}

export function adminRoutes(domain: Domain, options: AdminOptions = { exportEnabled: true }): FastifyPluginAsync {
  const state = () => ({ now: new Date(domain.clock.now()).toISOString(), offsetSeconds: domain.clock.offsetSeconds() });
  return async (app) => {
    app.get('/_kyanite/clock', async () => state());
    app.post<{ Body: Static<typeof Advance> }>('/_kyanite/clock/advance', { schema: { body: Advance } }, async (req) => {
      domain.clock.advance(req.body.seconds);
      await domain.sweep();
      return state();
    });
    // The same document as `kyanite export`: every secret value and private key, so nothing may cache it.
    app.get<{ Querystring: Static<typeof ExportQuery> }>('/_kyanite/export', { schema: { querystring: ExportQuery } }, async (req, reply) => {
      if (!options.exportEnabled) {
        throw new KeyVaultError(403, 'Forbidden', 'The export route is off under --auth strict; run `kyanite export` on the data dir instead.');
      }
      const format: SeedFormat = req.query.format ?? 'json';
      reply.header('cache-control', 'no-store');
      reply.type(format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8');
      return exportSeed(domain, format);
    });
  };
}
