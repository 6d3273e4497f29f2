import type { ServerOptions } from 'node:https';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { Domain } from '../domain/index.js';
import { dataPlane } from '../routes/index.js';
import type { TokenCheck } from './auth.js';
import { registerErrorHandlers } from './errors.js';
import { adminRoutes } from './admin.js';
import { healthRoutes } from './health.js';
import { registerJsonParser } from './json.js';
import { logRequest } from './logger.js';

export interface AppOptions {
  domain: Domain;
  logger?: FastifyServerOptions['logger'];
  /** Options for https.createServer (key, cert, SNICallback); without them the app serves plain HTTP (tests). */
  https?: ServerOptions;
  tokenCheck?: TokenCheck;
  /** Extra plugins registered at the root (the token service, the management plane). */
  plugins?: FastifyPluginAsync[];
}

/** The request body limit: a 25 KiB secret, a PFX or a key import fit many times over. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * Composition of the HTTP surface: root concerns (errors, JSON, request ids, one log line per request, health), then
 * the data plane and any extra planes. No autoload: the order here is the order that runs.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.https && { https: options.https }),
    // logRequest writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Names go up to 127 characters and tokens further; find-my-way's default of 100 would turn them into 404s.
    routerOptions: { maxParamLength: 2048, caseSensitive: false, ignoreDuplicateSlashes: true, ignoreTrailingSlash: false },
    requestIdHeader: 'x-ms-client-request-id',
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  } as FastifyServerOptions);

  registerErrorHandlers(app);
  registerJsonParser(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-ms-request-id', request.id);
    const clientId = request.headers['x-ms-client-request-id'];
    if (typeof clientId === 'string') reply.header('x-ms-client-request-id', clientId);
  });
  app.addHook('onResponse', async (request, reply) => {
    logRequest(request.log, request, reply.statusCode, reply.elapsedTime);
  });

  await app.register(healthRoutes());
  await app.register(adminRoutes(options.domain));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  await app.register(dataPlane({ domain: options.domain, ...(options.tokenCheck && { tokenCheck: options.tokenCheck }) }));
  return app;
}
