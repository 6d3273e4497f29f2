import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../domain/index.js';
import type { VaultContext } from '../domain/vaults.js';
import { checkDataPlaneApiVersion } from '../server/api-version.js';
import { createAuthHook, type TokenCheck } from '../server/auth.js';
import { parseHost, vaultNameForHost } from '../server/hosts.js';
import { certificateRoutes } from './certificates.js';
import { keyRoutes } from './keys.js';
import { secretRoutes } from './secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    vault: VaultContext;
  }
}

export interface DataPlaneOptions {
  domain: Domain;
  tokenCheck?: TokenCheck;
}

/**
 * The Key Vault data plane as one encapsulated context. Its onRequest hooks run in this order for every route:
 * the auth challenge (before the body is read), the api-version check, the vault named by the Host header, then (in
 * --auth strict) the operation against that vault's access policies or role assignments.
 */
export function dataPlane({ domain, tokenCheck }: DataPlaneOptions): FastifyPluginAsync {
  const authenticate = createAuthHook(tokenCheck);
  return async (app) => {
    app.decorateRequest('vault', null as unknown as VaultContext);
    // The callback form: an async hook would cost a promise and a microtask on every data-plane request.
    app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
      try {
        authenticate(request);
        checkDataPlaneApiVersion(request);
        const host = parseHost(request.headers.host);
        request.vault = domain.vaults.context(vaultNameForHost(host.hostname), `https://${host.authority}`);
        tokenCheck?.authorize?.(request);
      } catch (err) {
        done(err as Error);
        return;
      }
      done();
    });
    await app.register(secretRoutes(domain.secrets));
    await app.register(keyRoutes(domain.keys));
    await app.register(certificateRoutes(domain.certificates));
  };
}
