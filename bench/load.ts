/**
 * The load generator, always in a process of its own (never the server's, never the baseline's). The runner keeps
 * one for the whole run and sends it one measurement at a time over IPC; by hand, `node dist/bench/load.js
 * '<json spec>'` prints one JSON line of results.
 *
 * autocannon writes requests straight onto keep-alive TLS sockets, so the client side costs little next to
 * the server it measures; on a 2-core machine server and client each get about one core.
 */
import autocannon, { type Result } from 'autocannon';

export interface LoadSpec {
  /** https://127.0.0.1:PORT (loopback only). */
  origin: string;
  method: 'GET' | 'PUT' | 'POST';
  /** Request path; `{n}` is replaced by a request counter (modulo `cycle` when given). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Either a time bound (seconds) or a request count; a count run is still stopped by `maxSeconds`. */
  seconds?: number;
  amount?: number;
  /** A short unmeasured run first, so both sides are measured with warm JITs and open connections. */
  warmupSeconds?: number;
  cycle?: number;
  /** Zero-pads `{n}` to this many digits, so names sort the same as numbers. */
  pad?: number;
}

export interface LoadResult {
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

function once(spec: LoadSpec, seconds: number | undefined, amount: number | undefined): Promise<Result> {
  let counter = 0;
  const url = new URL(spec.origin);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '::1') {
    return Promise.reject(new Error(`the load generator only targets loopback, not ${url.hostname}`));
  }
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        ...(amount !== undefined ? { amount } : { duration: seconds ?? 1 }),
        // Kyanite's certificate names localhost; the SNI picks that leaf (autocannon does not verify the chain).
        servername: 'localhost',
        timeout: 30,
        requests: [
          {
            method: spec.method,
            headers: { 'content-type': 'application/json', ...spec.headers },
            ...(spec.body !== undefined && { body: spec.body }),
            setupRequest: (req) => {
              const n = spec.cycle ? counter++ % spec.cycle : counter++;
              return { ...req, path: spec.path.replaceAll('{n}', String(n).padStart(spec.pad ?? 0, '0')) };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function measure(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSeconds) await once(spec, spec.warmupSeconds, undefined);
  const result = await once(spec, spec.seconds, spec.amount);
  return {
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
  };
}

/** Requests from the runner over IPC, one at a time; the reply carries the same id. */
interface Job {
  id: number;
  spec: LoadSpec;
}

async function main(): Promise<void> {
  if (process.send) {
    // Started by the runner with an IPC channel: one process serves every scenario of the run, which saves a
    // process start (and autocannon's load) per measurement. It is still a process of its own.
    process.on('message', (job: Job) => {
      measure(job.spec).then(
        (result) => process.send!({ id: job.id, result }),
        (err: unknown) => process.send!({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
      );
    });
    process.send({ ready: true });
    return;
  }
  const result = await measure(JSON.parse(process.argv[2] ?? '{}') as LoadSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
