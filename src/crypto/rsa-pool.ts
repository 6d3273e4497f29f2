import { generateKeyPair, type JsonWebKey } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CryptoError } from './errors.js';
import { checkRsaParams } from './jwk.js';
import { fromNodeJwk, type PrivateJwk } from './jwk-model.js';

export interface RsaKeyPool {
  /** A fresh key nobody else has been given: at once if one is ready, else as soon as one is generated. */
  take(bits: number, publicExponent?: number): Promise<PrivateJwk>;
  /** Keeps at least `count` keys of this size (exponent 65537) ready from now on. */
  prefill(bits: number, count: number): void;
  /** Stops refilling and ends the background thread; take() still works, generating on demand. */
  close(): Promise<void>;
}

/** What createRsaKeyPool returns: the pool, plus a count of ready keys for tests and diagnostics. */
export interface InspectableRsaKeyPool extends RsaKeyPool {
  readyCount(bits: number, publicExponent?: number): number;
}

export interface RsaKeyPoolOptions {
  /** Keys kept ready per size once that size has been asked for. Default 4; 0 keeps nothing in reserve. */
  target?: number;
  /** When the first background fill starts; POOL_START_DELAY_MS by default. */
  startDelayMs?: number;
}

/** How long after creation the pool starts filling on its own. */
export const POOL_START_DELAY_MS = 1000;

/*
 * Two ways keys get made, for two different needs:
 * - Refilling in the background runs in one dedicated worker thread, one key at a time. It must never hold the
 *   process open, and a worker can be unref'd where a pending crypto.generateKeyPair cannot; it also leaves
 *   libuv's four threadpool threads free for file and DNS work. The worker's code is passed as a string
 *   (eval: true) so the same file works compiled to dist/ and as TypeScript under vitest, with no worker file
 *   to locate.
 * - A take() that finds nothing ready starts its own crypto.generateKeyPair (libuv's threadpool), which does
 *   keep the process alive: someone is waiting for it. Whichever key of that size arrives first serves the
 *   oldest waiter; the other goes into the pool. Every key is delivered to exactly one place, so none is
 *   handed out twice.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { generateKeyPairSync } = require('node:crypto');
parentPort.on('message', ({ bits, publicExponent }) => {
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent });
    parentPort.postMessage({ jwk: privateKey.export({ format: 'jwk' }) });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

const DEFAULT_EXPONENT = 65537;

interface Waiter {
  resolve(jwk: PrivateJwk): void;
  reject(err: unknown): void;
}

interface SizeState {
  readonly bits: number;
  readonly publicExponent: number;
  readonly ready: PrivateJwk[];
  readonly waiters: Waiter[];
  /** Keys to keep ready; 0 until the size is first asked for. */
  target: number;
}

function generateOnDemand(bits: number, publicExponent: number): Promise<PrivateJwk> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: bits, publicExponent }, (err, _publicKey, privateKey) => {
      if (err) reject(new CryptoError('unsupported', `RSA key generation failed: ${err.message}`));
      else resolve(fromNodeJwk(privateKey.export({ format: 'jwk' })));
    });
  });
}

export function createRsaKeyPool(options: RsaKeyPoolOptions = {}): InspectableRsaKeyPool {
  const target = Math.max(0, Math.floor(options.target ?? 4));
  const sizes = new Map<string, SizeState>();
  let worker: Worker | undefined;
  /** The size the worker is generating for, if any; it works on one key at a time. */
  let workerBusyWith: SizeState | undefined;
  let closed = false;

  const sizeId = (bits: number, publicExponent: number): string => `${bits}/${publicExponent}`;

  function sizeState(bits: number, publicExponent: number): SizeState {
    const id = sizeId(bits, publicExponent);
    let state = sizes.get(id);
    if (!state) {
      state = { bits, publicExponent, ready: [], waiters: [], target: 0 };
      sizes.set(id, state);
    }
    return state;
  }

  function deliver(state: SizeState, jwk: PrivateJwk): void {
    const waiter = state.waiters.shift();
    if (waiter) waiter.resolve(jwk);
    else state.ready.push(jwk);
  }

  function startWorker(): Worker {
    const created = new Worker(WORKER_SOURCE, { eval: true });
    created.on('message', (message: { jwk?: JsonWebKey; error?: string }) => {
      const state = workerBusyWith;
      workerBusyWith = undefined;
      if (state && message.jwk) deliver(state, fromNodeJwk(message.jwk));
      // A size that fails to generate stops being refilled rather than failing in a loop.
      if (state && message.error) state.target = 0;
      refill();
    });
    created.on('error', () => {
      workerBusyWith = undefined;
      if (worker === created) worker = undefined;
    });
    // unref() after the listeners: adding a 'message' listener refs the worker's port again.
    created.unref();
    return created;
  }

  function refill(): void {
    if (closed || workerBusyWith) return;
    const behind = [...sizes.values()].find((s) => s.ready.length < s.target);
    if (!behind) return;
    worker ??= startWorker();
    workerBusyWith = behind;
    worker.postMessage({ bits: behind.bits, publicExponent: behind.publicExponent });
  }

  function take(bits: number, publicExponent = DEFAULT_EXPONENT): Promise<PrivateJwk> {
    try {
      checkRsaParams(bits, publicExponent);
    } catch (err) {
      return Promise.reject(err);
    }
    const state = sizeState(bits, publicExponent);
    state.target = Math.max(state.target, target);
    const ready = state.ready.shift();
    refill();
    if (ready) return Promise.resolve(ready);
    return new Promise<PrivateJwk>((resolve, reject) => {
      state.waiters.push({ resolve, reject });
      generateOnDemand(bits, publicExponent).then(
        (jwk) => deliver(state, jwk),
        (err: unknown) => state.waiters.shift()?.reject(err),
      );
    });
  }

  function prefill(bits: number, count: number): void {
    checkRsaParams(bits, DEFAULT_EXPONENT);
    const state = sizeState(bits, DEFAULT_EXPONENT);
    state.target = Math.max(state.target, Math.floor(count));
    refill();
  }

  async function close(): Promise<void> {
    closed = true;
    const running = worker;
    worker = undefined;
    workerBusyWith = undefined;
    if (running) await running.terminate();
  }

  const readyCount = (bits: number, publicExponent = DEFAULT_EXPONENT): number =>
    sizes.get(sizeId(bits, publicExponent))?.ready.length ?? 0;

  if (target > 0) sizeState(2048, DEFAULT_EXPONENT).target = target;
  // The first fill waits until start-up is over: generating a key takes a whole core for ~250 ms, which a server
  // that is still loading and answering its first requests should not share (a take() or prefill() starts it at once).
  setTimeout(refill, options.startDelayMs ?? POOL_START_DELAY_MS).unref();
  return { take, prefill, close, readyCount };
}
