import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { objectIdFor } from '../../identity/index.js';
import { queryValue } from '../checks.js';

/**
 * The little of Microsoft Graph that `az keyvault create` reads to put the caller in the new vault's access policy:
 * the signed-in principal's object id, or a service principal's by its app id.
 */

/** The token's `oid` when it is a JWT that carries one (Kyanite's tokens do); not verified, only read. */
export function objectIdOfToken(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { oid?: unknown };
    return typeof claims.oid === 'string' ? claims.oid : undefined;
  } catch {
    return undefined;
  }
}

/** The object id an opaque token stands for (any-token mode): one fixed principal. */
export const ANONYMOUS_OBJECT_ID = objectIdFor('kyanite-anonymous');

/** `objectIdOf` gives a declared principal's own object id (the one its tokens carry); by default the derived one. */
export function graphRoutes(objectIdOf: (appId: string) => string = objectIdFor): FastifyPluginAsync {
  return async (app) => {
    app.get('/v1.0/me', async (request: FastifyRequest) => {
      const id = objectIdOfToken(request.bearer) ?? ANONYMOUS_OBJECT_ID;
      return { id, displayName: 'Kyanite user', userPrincipalName: `${id}@kyanite.localhost` };
    });

    app.get('/v1.0/servicePrincipals', async (request) => {
      const filter = queryValue(request, '$filter') ?? '';
      const appId = /eq\s+'([^']+)'/i.exec(filter)?.[1];
      if (!appId) return { value: [] };
      return { value: [{ id: objectIdOf(appId), appId, displayName: appId, servicePrincipalNames: [appId] }] };
    });
  };
}
