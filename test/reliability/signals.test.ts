import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, tempDir } from './child.js';

/**
 * SIGTERM at any moment after the command has begun must end in a graceful stop with exit 0: supervisors, test
 * runners and the build (which writes the code cache from a real start and stops it on the banner) signal whenever
 * they like. Run with both cores kept busy, since load is what widened the old window (handlers were installed only
 * after the banner, so a signal during start-up killed the process).
 */

/**
 * Whether the command has begun: the launcher names the process `kyanite` right after taking the signals. (Node
 * itself catches SIGTERM from its own start, only to die of it, so the signal mask tells nothing.)
 */
function hasBegun(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'kyanite';
  } catch {
    return false;
  }
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the banner was out when the command was first seen to have begun. */
  bannerAtBegin: boolean;
  out: string;
}

/** Starts the command, waits until it has begun, then signals after `delayMs` (or on the banner). */
function startAndSignal(delayMs: number | 'banner'): Promise<Run> {
  const dataDir = tempDir('kyanite-signal-');
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--key-pool', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let bannerAtBegin = false;
  const exited = new Promise<Run>((resolve) =>
    child.once('exit', (code, signal) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, signal, bannerAtBegin, out });
    }),
  );
  if (delayMs === 'banner') {
    child.stdout!.on('data', () => {
      if (out.includes('serving Azure Key Vault')) child.kill('SIGTERM');
    });
  } else {
    const poll = setInterval(() => {
      if (child.exitCode !== null) return clearInterval(poll);
      if (!hasBegun(child.pid!)) return;
      clearInterval(poll);
      bannerAtBegin = out.includes('serving Azure Key Vault');
      setTimeout(() => child.kill('SIGTERM'), delayMs);
    }, 1);
  }
  return exited;
}

let burners: ChildProcess[] = [];
beforeAll(() => {
  // Two busy loops, one per core, stopped after the tests (and after 2 minutes whatever happens).
  burners = [0, 1].map(() =>
    spawn(process.execPath, ['-e', 'const end = Date.now() + 120000; while (Date.now() < end) {}'], { stdio: 'ignore' }),
  );
});
afterAll(() => {
  for (const b of burners) b.kill('SIGKILL');
});

describe('signals', () => {
  it('takes SIGTERM from the moment the command begins, long before the banner', async () => {
    const run = await startAndSignal(0);
    expect(run.bannerAtBegin).toBe(false);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('stops gracefully with exit 0 on SIGTERM at 20 moments of start-up and right after the banner, under load', async () => {
    const delays = [...Array.from({ length: 20 }, (_, i) => i * 25), 'banner' as const, 'banner' as const];
    const results: string[] = [];
    for (const delay of delays) {
      const run = await startAndSignal(delay);
      results.push(`${delay}:${run.code ?? run.signal}`);
      expect({ delay, code: run.code, signal: run.signal }, run.out).toEqual({ delay, code: 0, signal: null });
    }
    console.log(`[signals] SIGTERM this long after the command began (ms:exit) ${results.join(' ')}`);
  }, 180_000);
});
