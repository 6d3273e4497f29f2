import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createClock, type Clock } from '../domain/clock.js';
import { createRsaKeyPool } from '../crypto/rsa-pool.js';
import { createDomain, type Domain } from '../domain/index.js';
import { openStore, type Store } from '../store/index.js';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { loggerOptions } from './logger.js';
import { planesFor } from './planes.js';
import { startImdsListener, type ImdsListener } from './imds.js';
import { listenAddressWarning, loadTls } from './tls.js';
import { SERVICE_LIMIT } from './chaos.js';
import { DEFAULT_LIMITS } from './limits.js';
import { applySeed } from './seed-file.js';
import { inProtectedMode, remoteAccessWarning } from './remote-access.js';

const chaosActive = (c: Config): boolean => Boolean(c.throttle || c.faultRate || c.latency);

/** A running Kyanite: what main.ts prints and what the in-process fixture hands to tests. */
export interface RunningKyanite {
  config: Config;
  app: FastifyInstance;
  domain: Domain;
  store: Store;
  clock: Clock;
  port: number;
  /** https://localhost:PORT */
  url: string;
  caPem: string | undefined;
  caPath: string | undefined;
  /** http://127.0.0.1:PORT of the plain-HTTP IMDS listener (--imds-port), for AZURE_POD_IDENTITY_AUTHORITY_HOST. */
  imdsUrl?: string;
  /** Moves Kyanite's clock forward and applies what falls due (scheduled purges). */
  advanceClock(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;

export interface StartOptions {
  clock?: Clock;
  /** Keep the local CA in memory instead of DATA_DIR/tls (the in-process fixture hands its PEM to clients). */
  ephemeralTls?: boolean;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningKyanite> {
  const clock = options.clock ?? createClock();
  const store = openStore(config.inMemory ? {} : { dataDir: config.dataDir });
  try {
    const domain = createDomain(store, clock, {
      // ~250 ms of a core per RSA-2048 key: twelve ready keys cover a test suite's burst of creates (docs/performance.md).
      rsaPool: createRsaKeyPool({ target: config.keyPool ?? 12 }),
      ...(config.selfSignedDelayMs && { selfSignedDelayMs: config.selfSignedDelayMs }),
    });
    for (const name of config.vaults) if (!domain.vaults.findAny(name)) domain.vaults.ensure(name);
    if (config.seed) await applySeed(config.seed, domain);

    // The logger comes with the app, after the TLS material it needs: warnings wait until it exists.
    let log: FastifyInstance['log'] | undefined;
    const waiting: string[] = [];
    const warn = (message: string) => (log ? log.warn(message) : waiting.push(message));
    const tls = await loadTls({
      // --in-memory keeps no database file, but the CA stays in the data dir so the trust users set up holds.
      ...(!options.ephemeralTls && { dataDir: config.dataDir }),
      ...(config.cert && { certFile: config.cert }),
      ...(config.key && { keyFile: config.key }),
      ...(config.tlsNames && { tlsNames: config.tlsNames }),
      warn,
    });
    if (tls.caPem !== undefined) {
      const listening = listenAddressWarning(config.host, config.tlsNames);
      if (listening !== undefined) warn(listening);
    }
    const { imds: imdsRoutes, ...planes } = planesFor(config, domain, store);
    const app = await buildApp({
      domain,
      logger: loggerOptions(config.logLevel),
      https: tls.serverOptions,
      commits: store.commits,
      ...(inProtectedMode(config) && { loopbackOnly: config.host }),
      // The token service, ARM and, in --auth strict, the data plane's token check.
      ...planes,
      limits: {
        headersTimeoutMs: config.headersTimeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs,
        requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
        maxConnections: config.maxConnections ?? DEFAULT_LIMITS.maxConnections,
      },
      ...(chaosActive(config) && {
        chaos: {
          ...(config.throttle && { throttle: { limit: config.throttleLimit ?? SERVICE_LIMIT } }),
          ...(config.faultRate && { faultRate: config.faultRate }),
          ...(config.latency && { latency: config.latency }),
        },
      }),
    });
    log = app.log;
    for (const message of waiting.splice(0)) log.warn(message);
    await app.listen({ port: config.port, host: config.host });
    const warning = remoteAccessWarning(config);
    if (warning) app.log.warn(warning);
    const port = (app.server.address() as AddressInfo).port;
    let imds: ImdsListener | undefined;
    if (config.imdsPort !== undefined) {
      try {
        imds = await startImdsListener({ port: config.imdsPort, routes: imdsRoutes, logger: loggerOptions(config.logLevel) });
      } catch (err) {
        await app.close();
        throw err;
      }
    }

    const sweeper = setInterval(() => {
      domain.sweep().catch((err: unknown) => app.log.error({ err }, 'scheduled sweep failed'));
    }, SWEEP_INTERVAL_MS);
    sweeper.unref();

    let stopped = false;
    return {
      config,
      app,
      domain,
      store,
      clock,
      port,
      url: `https://localhost:${port}`,
      caPem: tls.caPem,
      caPath: tls.caPath,
      ...(imds && { imdsUrl: imds.url }),
      async advanceClock(seconds) {
        clock.advance(seconds);
        await domain.sweep();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(sweeper);
        await imds?.close();
        await app.close();
        await domain.close();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
