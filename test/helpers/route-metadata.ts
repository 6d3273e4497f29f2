import Fastify, { type FastifyContextConfig } from 'fastify';
import { armPlane } from '../../src/arm/index.js';
import { createRoleAssignments } from '../../src/domain/access.js';
import { createClock } from '../../src/domain/clock.js';
import { createDomain } from '../../src/domain/index.js';
import { dataPlane } from '../../src/routes/index.js';
import type { RoutePermission } from '../../src/server/route-config.js';
import { openStore } from '../../src/store/index.js';

/**
 * Every data-plane (and management-plane) route as registered, with the metadata it declares
 * (src/server/route-config.ts): each plane alone, on its own Fastify instance, with an onRoute hook that sees each
 * route's options before Fastify splits optional parameters.
 */
export interface RegisteredRoute {
  method: string;
  url: string;
  config: FastifyContextConfig;
}

async function collectRoutes(plane: 'data' | 'arm'): Promise<RegisteredRoute[]> {
  const store = openStore({});
  const domain = createDomain(store, createClock());
  const app = Fastify({ exposeHeadRoutes: false });
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, config: { ...route.config } });
  });
  try {
    await app.register(plane === 'data' ? dataPlane({ domain }) : armPlane({ domain, roleAssignments: createRoleAssignments(store) }));
    await app.ready();
  } finally {
    await app.close();
    await domain.close();
    store.close();
  }
  return routes;
}

export const DATA_PLANE_ROUTES: readonly RegisteredRoute[] = await collectRoutes('data');
export const ARM_ROUTES: readonly RegisteredRoute[] = await collectRoutes('arm');

/** `/keys/:name/:version?` and `/keys/{key-name}/{key-version}` both become `/keys/{}/{}`. */
const normalize = (pattern: string): string =>
  pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') || (segment.startsWith('{') && segment.endsWith('}')) ? '{}' : segment.toLowerCase()))
    .join('/')
    .replace(/\/+$/, '');

/** A route with a trailing optional parameter answers with and without it. */
const patternsOf = (url: string): string[] => (/\/:[^/]+\?$/.test(url) ? [url.replace(/\/:[^/]+\?$/, ''), url] : [url]);

const DECLARED = new Map(
  DATA_PLANE_ROUTES.flatMap((r) => patternsOf(r.url).map((p) => [`${r.method} ${normalize(p)}`, r.config.permission] as const)),
);

/** The permission the data-plane route serving `method pattern` declares; undefined when no route serves it. */
export function requiredPermission(method: string, pattern: string): RoutePermission | 'open' | undefined {
  return DECLARED.get(`${method.toUpperCase()} ${normalize(pattern)}`);
}

/** The routes that need a vault permission (all but the open ones), with what they need. */
export const PERMISSION_TABLE: readonly { method: string; pattern: string; required: RoutePermission }[] = DATA_PLANE_ROUTES.flatMap((r) =>
  r.config.permission && r.config.permission !== 'open' ? [{ method: r.method, pattern: r.url, required: r.config.permission }] : [],
);
