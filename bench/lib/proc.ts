/**
 * Child processes of a bench run: Kyanite, the bare baselines and the load generator each get their own process,
 * so no server shares an event loop (or a core's time slice) with the client that measures it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from '../load.js';
import { msSince } from './stats.js';

/** The repository root: the nearest folder above this file whose package.json names kyanite. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kyanite') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the kyanite repository root');
    dir = up;
  }
}

export const ROOT = repoRoot();
/** Compiled entry points: `npm run bench` builds src/ and bench/ into dist/ first. */
/** What `npm start` and the container run (the bundle of scripts/bundle.mjs). */
export const KYANITE_MAIN = path.join(ROOT, 'dist/bundle/kyanite.mjs');
export const BASELINE_MAIN = path.join(ROOT, 'dist/bench/baseline.js');
export const LOAD_MAIN = path.join(ROOT, 'dist/bench/load.js');

/** Kyanite's banner and the baselines' ready line both carry this. */
const READY = /https:\/\/localhost:(\d+) \(listening/;

const live = new Set<ChildProcess>();

/** Kills what this run started (by pid, one by one) if the runner itself is stopped or crashes. */
export function killAllOnExit(): void {
  const killAll = () => {
    for (const child of live) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export interface ServerProcess {
  label: string;
  pid: number;
  port: number;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
  /** hrtime of the spawn, for cold-start measurements that go past the ready line. */
  spawnedAt: bigint;
  /** Resident set size of the whole process (all threads), in MB. */
  rssMb(): number;
  /** Sends a message over IPC (started with `ipc: true`) and waits for the child's `{ ack: true }`. */
  send(message: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  nodeArgs?: string[];
  cwd?: string;
  timeoutMs?: number;
  /** Opens an IPC channel (the baselines take their sample body that way). */
  ipc?: boolean;
}

export function startProcess(label: string, script: string, args: string[], options: StartOptions = {}): Promise<ServerProcess> {
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    // Keep only the tail: a misbehaving child must not grow the runner's memory.
    stderr = (stderr + d.toString('utf8')).slice(-8000);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${label} printed no ready line within ${options.timeoutMs ?? 30000} ms. stderr: ${stderr}`));
    }, options.timeoutMs ?? 30000);
    const onData = (d: Buffer) => {
      stdout = (stdout + d.toString('utf8')).slice(-8000);
      const m = READY.exec(stdout);
      if (!m) return;
      const readyMs = msSince(spawnedAt);
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      // Drain the rest so a chatty child never blocks on a full pipe.
      child.stdout!.resume();
      const send = (message: Record<string, unknown>) =>
        new Promise<void>((ok, fail) => {
          if (!child.send) return fail(new Error(`${label} has no IPC channel`));
          const onMessage = (reply: { ack?: boolean }) => {
            if (!reply.ack) return;
            child.off('message', onMessage);
            ok();
          };
          child.on('message', onMessage);
          child.send(message, (err) => err && fail(err));
        });
      resolve({ label, pid: child.pid!, port: Number(m[1]), readyMs, spawnedAt, rssMb: () => rssMb(child.pid!), send, stop });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before it was ready. stderr: ${stderr}`));
    });
  });
}

/** CPU time (user + system, all threads) of a process in ms, from /proc; undefined where there is no /proc. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'; utime and stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Kyanite starts filling its RSA key pool this long after start-up (src/crypto/rsa-pool.ts), plus a margin. */
const POOL_START_MS = 1500;

/**
 * Waits until a process has been quiet (under 10% of a core) for `quietMs`, at most `maxMs`: Kyanite fills its RSA
 * key pool in a background thread a second after start-up, and a throughput turn must not measure that one-time work,
 * so the quiet spell is only looked for once the pool has had time to start. Returns how long it waited. Without
 * /proc it simply waits `quietMs`.
 */
export async function waitQuiet(p: { pid: number; spawnedAt: bigint }, quietMs: number, maxMs: number): Promise<number> {
  const { pid } = p;
  const start = Date.now();
  const sinceSpawnMs = Number(process.hrtime.bigint() - p.spawnedAt) / 1e6;
  if (sinceSpawnMs < POOL_START_MS) await new Promise((r) => setTimeout(r, POOL_START_MS - sinceSpawnMs));
  const step = 250;
  let quietSince = Date.now();
  let last = cpuMs(pid);
  if (last === undefined) {
    await new Promise((r) => setTimeout(r, quietMs));
    return Date.now() - start;
  }
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, step));
    const now = cpuMs(pid);
    if (now === undefined) break;
    if (now - last > step * 0.1) quietSince = Date.now();
    last = now;
    if (Date.now() - quietSince >= quietMs) break;
  }
  return Date.now() - start;
}

/** VmRSS from /proc (Linux); elsewhere `ps`, which reports the same figure in KiB. */
export function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return Number(spawnSyncText('ps', ['-o', 'rss=', '-p', String(pid)]).trim()) / 1024;
}

function spawnSyncText(cmd: string, args: string[]): string {
  return spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';
}

/**
 * The load generator process (dist/bench/load.js), kept for the whole run and driven over IPC: one measurement at a
 * time, each bounded by its own time budget.
 */
export class LoadWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  #nextId = 0;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr!.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString('utf8')).slice(-8000)));
    child.on('message', (m: { id?: number; result?: LoadResult; error?: string }) => {
      const job = m.id === undefined ? undefined : this.#pending.get(m.id);
      if (!job) return;
      this.#pending.delete(m.id!);
      clearTimeout(job.timer);
      if (m.result) job.resolve(m.result);
      else job.reject(new Error(`load generator: ${m.error ?? 'no result'}`));
    });
    child.on('exit', (code, signal) => {
      for (const job of this.#pending.values()) {
        clearTimeout(job.timer);
        job.reject(new Error(`load generator exited (${code ?? signal}): ${this.#stderr}`));
      }
      this.#pending.clear();
    });
  }

  static start(): Promise<LoadWorker> {
    const child = spawn(process.execPath, [LOAD_MAIN], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    const worker = new LoadWorker(child);
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(worker));
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready: ${worker.#stderr}`)));
    });
  }

  run(spec: LoadSpec, timeoutMs: number): Promise<LoadResult> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`load generator gave no result within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#child.send!({ id, spec });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGTERM');
    await exited;
  }
}
