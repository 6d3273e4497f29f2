import type { FastifyPluginAsync } from 'fastify';

/** Liveness for people, scripts and the container HEALTHCHECK: no auth, no api-version, any host. */
export function healthRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/_kyanite/health', async () => ({ status: 'ok' }));
  };
}
