import type { ServerOptions } from 'node:https';
import { createRequire } from 'node:module';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { Domain } from '../domain/index.js';
import type { CommitBatch } from '../store/index.js';
import { dataPlane } from '../routes/index.js';
import type { TokenCheck } from './auth.js';
import { registerErrorHandlers } from './errors.js';
import { adminRoutes, type AdminOptions } from './admin.js';
import { registerProtectedMode } from './remote-access.js';
import { healthRoutes } from './health.js';
import { registerJsonParser } from './json.js';
import { logRequest } from './logger.js';
import { registerGroupCommit } from './group-commit.js';
import { registerChaos, type ChaosOptions } from './chaos.js';
import { BODY_LIMIT, DEFAULT_LIMITS, applyServerLimits, clientErrorHandler, frameworkErrors, rejectAmbiguousHost, serverCreationOptions, tlsCreationOptions, type ServerLimits } from './limits.js';

export interface AppOptions {
  domain: Domain;
  logger?: FastifyServerOptions['logger'];
  /** Options for https.createServer (key, cert, SNICallback); without them the app serves plain HTTP (tests). */
  https?: ServerOptions;
  tokenCheck?: TokenCheck;
  /** The admin routes' token check (strict mode); they answer loopback clients only in any case. */
  adminCheck?: AdminOptions['adminCheck'];
  /**
   * Protected mode (src/server/remote-access.ts): answer loopback clients only. The listen address it names in the
   * refusal.
   */
  loopbackOnly?: string;
  /** Extra plugins registered at the root (the token service, the management plane). */
  plugins?: FastifyPluginAsync[];
  /** Timeouts and connection limit of the server (src/server/limits.ts); the defaults otherwise. */
  limits?: ServerLimits;
  /** Throttling, faults and latency for users' resilience tests (src/server/chaos.ts); off without it. */
  chaos?: ChaosOptions;
  /** Group commit of a durable store (src/server/group-commit.ts); without it every write commits on its own. */
  commits?: CommitBatch;
}

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type CompileRoute<F> = (route: { schema: unknown; method?: string; url?: string }) => F;
type Builder<F> = (externalSchemas: unknown, options: unknown) => CompileRoute<F>;
type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** One of fastify's default compiler factories, required from fastify's own folder so the versions are fastify's. */
const fastifyDefault = <F>(pkg: '@fastify/ajv-compiler' | '@fastify/fast-json-stringify-compiler'): Builder<F> =>
  (createRequire(createRequire(import.meta.url).resolve('fastify'))(pkg) as () => Builder<F>)();

/**
 * Fastify's own compilers (same packages, same ajv options), run when first needed instead of before listen.
 * Compiling every route's schemas up front, and loading ajv for it, was the largest part of start-up in the
 * cold-start benchmark (docs/performance.md), while a test suite calls a handful of routes. A route's validators
 * are compiled on its first request; the serializer compiler is only loaded for response schemas (none so far).
 */
function lazyCompilers(): Factories {
  let validators: Builder<Validate> | undefined;
  const buildValidator: Builder<Validate> = (externalSchemas, ajvOptions) => {
    let compile: CompileRoute<Validate> | undefined;
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data, context) => {
        if (!validate) {
          validators ??= fastifyDefault<Validate>('@fastify/ajv-compiler');
          compile ??= validators(externalSchemas, ajvOptions);
          validate = compile(route);
        }
        const valid = context === undefined ? validate(data) : validate(data, context);
        lazy.errors = validate.errors;
        return valid;
      };
      // Fastify hands ajv functions (marked by schemaEnv) the parent data, so ajv may change the root as before.
      lazy.schemaEnv = true;
      return lazy;
    };
  };
  let serializers: Builder<unknown> | undefined;
  const buildSerializer: Builder<unknown> = (externalSchemas, serializerOptions) => (route) => {
    serializers ??= fastifyDefault<unknown>('@fastify/fast-json-stringify-compiler');
    return serializers(externalSchemas, serializerOptions)(route);
  };
  // Fastify types these with ajv's and fast-json-stringify's function types; the wrappers have what fastify reads.
  return { buildValidator, buildSerializer } as unknown as Factories;
}

/**
 * Composition of the HTTP surface: root concerns (errors, JSON, request ids, one log line per request, health), then
 * the data plane and any extra planes. No autoload: the order here is the order that runs.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.https ? { https: { ...options.https, ...serverCreationOptions(limits), ...tlsCreationOptions(limits) } } : { http: serverCreationOptions(limits) }),
    requestTimeout: limits.requestTimeoutMs,
    clientErrorHandler,
    frameworkErrors,
    // logRequest writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Names go up to 127 characters and tokens further; find-my-way's default of 100 would turn them into 404s.
    routerOptions: { maxParamLength: 2048, caseSensitive: false, ignoreDuplicateSlashes: true, ignoreTrailingSlash: false },
    // Key Vault has no HEAD operations (the one HEAD route, ARM's resource-group check, is declared); a HEAD twin of
    // every GET would be a third of all routes to register at start-up.
    exposeHeadRoutes: false,
    requestIdHeader: 'x-ms-client-request-id',
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaController: { compilersFactory: lazyCompilers() },
  } as FastifyServerOptions);

  applyServerLimits(app.server, limits, app.log);
  if (options.loopbackOnly !== undefined) registerProtectedMode(app, options.loopbackOnly);
  registerErrorHandlers(app);
  registerJsonParser(app);
  rejectAmbiguousHost(app);
  if (options.chaos) registerChaos(app, options.chaos);
  if (options.commits) registerGroupCommit(app, options.commits);

  // Hooks on every request take fastify's callback form: an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-ms-request-id', request.id);
    const clientId = request.headers['x-ms-client-request-id'];
    if (typeof clientId === 'string') reply.header('x-ms-client-request-id', clientId);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request.log, request, reply.statusCode, reply.elapsedTime);
    done();
  });

  await app.register(healthRoutes());
  await app.register(adminRoutes(options.domain, options.adminCheck ? { adminCheck: options.adminCheck } : {}));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  await app.register(dataPlane({ domain: options.domain, ...(options.tokenCheck && { tokenCheck: options.tokenCheck }) }));
  return app;
}
