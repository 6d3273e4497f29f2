import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../domain/index.js';
import { requireLoopbackClient } from './remote-access.js';
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
   * Under --auth strict: throws unless the request carries a valid token of an admin principal. The export holds
   * every secret and private key, and the clock can purge soft-deleted objects for good and expire every token.
   */
  adminCheck?: (request: FastifyRequest) => void;
}

/**
 * Every admin route answers loopback clients only (src/server/remote-access.ts), and under --auth strict an admin
 * principal's token only. The hook sits in this plugin, so a route added here cannot miss it.
 */
export function adminRoutes(domain: Domain, options: AdminOptions = {}): FastifyPluginAsync {
  const state = () => ({ now: new Date(domain.clock.now()).toISOString(), offsetSeconds: domain.clock.offsetSeconds() });
  return async (app) => {
    app.addHook('onRequest', (request, _reply, done) => {
      try {
        requireLoopbackClient(request);
        options.adminCheck?.(request);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    app.get('/_kyanite/clock', async () => state());
    app.post<{ Body: Static<typeof Advance> }>('/_kyanite/clock/advance', { schema: { body: Advance } }, async (req) => {
      domain.clock.advance(req.body.seconds);
      await domain.sweep();
      return state();
    });
    // The same document as `kyanite export`: every secret value and private key, so nothing may cache it.
    app.get<{ Querystring: Static<typeof ExportQuery> }>('/_kyanite/export', { schema: { querystring: ExportQuery } }, async (req, reply) => {
      const format: SeedFormat = req.query.format ?? 'json';
      reply.header('cache-control', 'no-store');
      reply.type(format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8');
      return exportSeed(domain, format);
    });
  };
}
