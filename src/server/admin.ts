import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';

const Advance = Type.Object({ seconds: Type.Number({ minimum: 0, maximum: 100 * 365 * 86400 }) });

/**
 * Kyanite's own controls, beside health: the time shift that lets users test expiry, scheduled purges, rotation and
 * renewal without waiting. Moving the clock runs what falls due before answering.
 */
export function adminRoutes(domain: Domain): FastifyPluginAsync {
  const state = () => ({ now: new Date(domain.clock.now()).toISOString(), offsetSeconds: domain.clock.offsetSeconds() });
  return async (app) => {
    app.get('/_kyanite/clock', async () => state());
    app.post<{ Body: Static<typeof Advance> }>('/_kyanite/clock/advance', { schema: { body: Advance } }, async (req) => {
      domain.clock.advance(req.body.seconds);
      await domain.sweep();
      return state();
    });
  };
}
