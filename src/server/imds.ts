import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { logRequest } from './logger.js';

/**
 * IMDS over plain HTTP (--imds-port), where the SDKs look for a VM's managed identity: they call
 * http://169.254.169.254/metadata/identity/oauth2/token, or the host AZURE_POD_IDENTITY_AUTHORITY_HOST names. It listens
 * on loopback only and serves IMDS's identity endpoint and nothing else (the same token service, principals and
 * strict-mode rules as the HTTPS port); every other path is a 404, so no secret or admin route is reachable in clear.
 */
export interface ImdsListener {
  port: number;
  /** http://127.0.0.1:PORT, the value for AZURE_POD_IDENTITY_AUTHORITY_HOST. */
  url: string;
  close(): Promise<void>;
}

export const IMDS_HOST = '127.0.0.1';

export async function startImdsListener(options: {
  port: number;
  routes: FastifyPluginAsync;
  logger?: FastifyServerOptions['logger'];
}): Promise<ImdsListener> {
  const app = Fastify({ logger: options.logger ?? false, exposeHeadRoutes: false });
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request.log, request, reply.statusCode, reply.elapsedTime);
    done();
  });
  await app.register(options.routes);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      error_description: `Kyanite's IMDS listener serves /metadata/identity/oauth2/token only, not ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
  await app.listen({ port: options.port, host: IMDS_HOST });
  const port = (app.server.address() as AddressInfo).port;
  return { port, url: `http://${IMDS_HOST}:${port}`, close: () => app.close() };
}
