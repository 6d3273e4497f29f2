import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createClock, type Clock } from '../../src/domain/clock.js';
import { createDomain, type Domain, type DomainOptions } from '../../src/domain/index.js';
import { buildApp } from '../../src/server/app.js';
import { rootPlanes } from '../../src/server/planes.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface TestApp {
  app: FastifyInstance;
  domain: Domain;
  store: Store;
  clock: Clock;
  /** inject with a bearer token and api-version 7.5 unless the options say otherwise. */
  call(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function buildTestApp(
  options: { vaults?: string[]; domain?: DomainOptions; dataDir?: string; loopbackOnly?: string } = {},
): Promise<TestApp> {
  const store = openStore(options.dataDir ? { dataDir: options.dataDir } : {});
  const clock = createClock();
  const domain = createDomain(store, clock, options.domain);
  for (const v of ['default', ...(options.vaults ?? [])]) domain.vaults.ensure(v);
  const app = await buildApp({
    domain,
    commits: store.commits,
    plugins: rootPlanes({ domain, store, auth: 'any' }),
    ...(options.loopbackOnly !== undefined && { loopbackOnly: options.loopbackOnly }),
  });
  return {
    app,
    domain,
    store,
    clock,
    call(method, url, body, headers = {}) {
      const withVersion = url.includes('api-version') ? url : `${url}${url.includes('?') ? '&' : '?'}api-version=7.5`;
      return app.inject({
        method,
        url: withVersion,
        headers: { authorization: 'Bearer test-token', host: 'localhost:8443', ...headers },
        ...(body !== undefined && { payload: body as InjectOptions['payload'] }),
      });
    },
    async close() {
      await app.close();
      await domain.close();
      store.close();
    },
  };
}
