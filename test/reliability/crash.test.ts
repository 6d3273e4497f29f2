import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startChild, tempDir, type Child } from './child.js';

/**
 * Crash safety: kyanite is SIGKILLed at random moments under concurrent writes, again and again on one data dir.
 * Whatever it acknowledged with a 2xx must survive: the WAL is in the OS cache once a transaction commits, and
 * synchronous=NORMAL only risks the last commits on a power cut, which a test cannot produce (docs/reliability.md).
 */
const KILLS = 21;
const WRITERS = 6;

interface Ack {
  name: string;
  version: string;
  value: string;
}

const dataDir = tempDir('kyanite-crash-');
let child: Child | undefined;
afterAll(async () => {
  await child?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Writers that keep setting distinct values until `stop` says so; each 2xx is recorded. */
async function writeLoad(c: Child, round: number, acks: Ack[], stop: { now: boolean }): Promise<number> {
  let attempts = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let seq = 0; !stop.now; seq++) {
        const name = `crash-${w}-${seq % 5}`;
        const value = `r${round}-w${w}-s${seq}-${Math.random().toString(36).slice(2)}`;
        attempts++;
        try {
          const res = await c.request('PUT', `/secrets/${name}`, { value });
          if (res.status >= 200 && res.status < 300) {
            const id = String(res.json().id);
            acks.push({ name, version: id.slice(id.lastIndexOf('/') + 1), value });
          }
        } catch {
          // The connection died with the process: not acknowledged, so nothing is owed.
          return;
        }
      }
    }),
  );
  return attempts;
}

/** Read-only, before the restart: the file as the crash left it must be a sound database holding every ack. */
function checkOnDisk(acks: Ack[]): number {
  const db = new Database(path.join(dataDir, 'kyanite.db'), { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const get = db.prepare("SELECT body FROM versions WHERE vault = 'default' AND kind = 'secret' AND name = ? AND version = ?");
    let found = 0;
    for (const a of acks) {
      const row = get.get(a.name, a.version) as { body: string } | undefined;
      expect(row, `${a.name}/${a.version} acknowledged but missing after a kill`).toBeDefined();
      expect(JSON.parse(row!.body).value).toBe(a.value);
      found++;
    }
    return found;
  } finally {
    db.close();
  }
}

/** Through the API after the restart, with bounded parallelism. */
async function checkOverHttp(c: Child, acks: Ack[]): Promise<number> {
  let verified = 0;
  const queue = [...acks];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let a = queue.pop(); a; a = queue.pop()) {
        const res = await c.request('GET', `/secrets/${a.name}/${a.version}`);
        expect(res.status, res.text).toBe(200);
        expect(res.json().value).toBe(a.value);
        verified++;
      }
    }),
  );
  return verified;
}

describe('crash safety', () => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs under load`, async () => {
    const all: Ack[] = [];
    let survived = 0;
    let attempts = 0;
    let verifiedOnDisk = 0;
    let verifiedOverHttp = 0;
    const started = Date.now();
    for (let round = 0; round < KILLS; round++) {
      child = await startChild(dataDir);
      // The round just killed is what is at risk: all of it over HTTP; the whole history is checked on disk.
      const previous = all.filter((a) => a.value.startsWith(`r${round - 1}-`));
      verifiedOverHttp += await checkOverHttp(child, previous);

      const acks: Ack[] = [];
      const stop = { now: false };
      const load = writeLoad(child, round, acks, stop);
      // Let some writes be acknowledged first (a loaded machine is slow to start), then kill at a random moment.
      for (const until = Date.now() + 10_000; acks.length < 5 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.random() * 320));
      const victim = child;
      await victim.kill('SIGKILL');
      stop.now = true;
      attempts += await load;
      child = undefined;
      survived++;
      all.push(...acks);
      verifiedOnDisk += checkOnDisk(all);
    }

    // A last, clean start: every write of every round, over HTTP.
    child = await startChild(dataDir);
    const finalVerified = await checkOverHttp(child, all);
    expect(finalVerified).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(KILLS * 5);
    console.log(
      `[crash] kills survived: ${survived}; write attempts: ${attempts}; writes acknowledged: ${all.length}; ` +
        `verified on disk after kills: ${verifiedOnDisk} (cumulative); verified over HTTP after restarts: ${verifiedOverHttp}; ` +
        `final HTTP verification: ${finalVerified}/${all.length}; integrity_check ok ${survived}/${survived}; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 150_000);
});
