import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeyVaultError } from '../domain/errors.js';
import type { ThrottleClass } from './route-config.js';

/**
 * Trouble on demand, for users who test their own retry and back-off code against Kyanite: Key Vault's throttling
 * (--throttle), failing requests (--fault-rate) and slow ones (--latency). Only the data plane is affected: token,
 * management, health and admin requests pass untouched, so a client can always authenticate and a test harness can
 * always reach /_kyanite. See docs/reliability.md for the model and its simplifications.
 */
export interface ChaosOptions {
  /** Emulate the service's per-vault limits; `limit` is what one plain transaction class allows per 10 s. */
  throttle?: { limit: number };
  /** Share (0..1) of data-plane requests answered 503 ServiceUnavailable. */
  faultRate?: number;
  /** Added delay in milliseconds, drawn uniformly from [min, max]. */
  latency?: { min: number; max: number };
  /** Milliseconds since the epoch; tests pass a fake. */
  now?: () => number;
}

/** The window the service counts transactions in. */
const WINDOW_MS = 10_000;
/** The service's "all other transactions" limit per vault per 10 s (secrets, and RSA-2048/EC software keys). */
export const SERVICE_LIMIT = 4000;

/**
 * Per-10-second limits of the service by transaction class (learn.microsoft.com/azure/key-vault/general/service-limits,
 * software keys; HSM creates and HSM operations have half or less).
 */
const CLASS_LIMITS = {
  secretCreate: 300,
  secretOther: 4000,
  keyCreate: 20,
  keyCreateHsm: 10,
  keyOther: 4000,
} as const;
type TransactionClass = keyof typeof CLASS_LIMITS;

/**
 * Which of the service's tables a request counts in, and against which row: the class its route declares
 * (src/server/route-config.ts), a key create moving to the HSM row when it asks for an HSM key type.
 */
function classify(request: FastifyRequest, declared: ThrottleClass): { bucket: 'keys' | 'secrets'; cls: TransactionClass } {
  if (declared === 'keyCreate') {
    const kty = (request.body as { kty?: unknown } | undefined)?.kty;
    return { bucket: 'keys', cls: typeof kty === 'string' && /-HSM$/i.test(kty) ? 'keyCreateHsm' : 'keyCreate' };
  }
  return { bucket: declared.startsWith('key') ? 'keys' : 'secrets', cls: declared };
}

/**
 * A token bucket per vault and table. The bucket holds one window's worth (1.0) and refills linearly over 10 s; a
 * transaction of a class limited to L per 10 s takes 1/L. The service's weighting is thus kept (a secret create
 * costs 13⅓ reads), and a burst of exactly L passes before the first 429. `limit` scales every class by
 * limit/4000, never below one transaction per window, so a test can reach the limit in a handful of requests.
 */
export function createThrottle(limit: number, now: () => number) {
  const buckets = new Map<string, { level: number; at: number }>();
  const scale = limit / SERVICE_LIMIT;
  return function take(vault: string, bucket: string, cls: TransactionClass): number | undefined {
    const cost = 1 / Math.max(1, Math.floor(CLASS_LIMITS[cls] * scale));
    const key = `${vault.toLowerCase()}/${bucket}`;
    const t = now();
    const b = buckets.get(key) ?? { level: 1, at: t };
    b.level = Math.min(1, b.level + (t - b.at) / WINDOW_MS);
    b.at = t;
    buckets.set(key, b);
    // The epsilon absorbs float drift: ten takes of 0.1 must fit in a full bucket.
    if (b.level + 1e-9 >= cost) {
      b.level -= cost;
      return undefined;
    }
    return Math.max(1, Math.ceil(((cost - b.level) * WINDOW_MS) / 1000));
  };
}

export const throttled = (retryAfterSeconds: number): KeyVaultError =>
  new KeyVaultError(
    429,
    'Throttled',
    'Request was not processed because too many requests were received for this vault (Kyanite --throttle). ' +
      `Retry after ${retryAfterSeconds} seconds.`,
    { headers: { 'retry-after': String(retryAfterSeconds) } },
  );

export const injectedFault = (): KeyVaultError =>
  new KeyVaultError(503, 'ServiceUnavailable', 'The service is temporarily unavailable (fault injected by Kyanite --fault-rate).', {
    headers: { 'retry-after': '1' },
  });

/**
 * Faults are spread evenly rather than drawn at random: request i fails when floor((i+1)·R) > floor(i·R). The share
 * is exact over any run of 1/R requests, runs are reproducible, and for R ≤ 0.5 no two consecutive requests fail, so
 * a client with the SDKs' default of three retries always recovers. R = 1 fails everything.
 */
export function createFaultSchedule(rate: number): () => boolean {
  let i = 0;
  return () => {
    const fail = Math.floor((i + 1) * rate + 1e-9) > Math.floor(i * rate + 1e-9);
    i++;
    return fail;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Registers the hooks at the root; call before the planes are registered so that their routes inherit them. */
export function registerChaos(app: FastifyInstance, options: ChaosOptions): void {
  const now = options.now ?? Date.now;
  const { latency } = options;
  const faultRate = options.faultRate ?? 0;
  const shouldFail = faultRate > 0 ? createFaultSchedule(faultRate) : undefined;

  if (latency || shouldFail) {
    // onRequest: delay and fault before auth and before the body is read, as a slow or failing front end would.
    app.addHook('onRequest', async (request) => {
      // Only data-plane operations declare a throttle class: they alone meet trouble.
      if (!request.routeOptions.config.throttle) return;
      if (latency) await sleep(latency.min + Math.random() * (latency.max - latency.min));
      if (shouldFail?.()) throw injectedFault();
    });
  }

  if (options.throttle) {
    const take = createThrottle(options.throttle.limit, now);
    // preValidation: after the data plane's auth and vault lookup (the 401 challenge is free, as on the service, and
    // only vaults that exist get a bucket), and after parsing, so a key create's kty can pick its row.
    app.addHook('preValidation', async (request) => {
      const declared = request.routeOptions.config.throttle;
      if (!declared || !request.vault) return;
      const { bucket, cls } = classify(request, declared);
      const retryAfter = take(request.vault.name, bucket, cls);
      if (retryAfter !== undefined) throw throttled(retryAfter);
    });
  }
}
