import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isObject, loadSessions, recordingsDir, vaultSettings, type Session } from './recordings.js';
import { replaySession, report, showsIssuing, tally, type Result } from './runner.js';

/**
 * Replays every session the Azure SDKs recorded against the real Key Vault service (docs/fidelity.md) against
 * Kyanite over HTTPS, each in a vault of its own whose retention matches the recording's. An interaction that
 * differs is reported, not thrown: the suite fails when fewer interactions pass than threshold.json says (a number
 * that only goes up), or when Kyanite answers any of them with a 5xx.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const { minPassed } = JSON.parse(fs.readFileSync(path.join(here, 'threshold.json'), 'utf8')) as { minPassed: number };

const sessions = loadSessions();
const vaultOf = (n: number) => `replay${n + 1}`;
const done: Array<{ name: string; results: Result[] }> = [];

/**
 * Kyanite issues self-signed certificates at once; the service takes seconds. A session that requests cancellation
 * of a certificate operation, or updates a certificate while the recording shows it still issuing, needs the
 * issuance still running, as it was: those sessions replay on a second Kyanite started with the option that restores
 * the timing (--self-signed-delay, here one minute: longer than any session). Where such a recording later shows the
 * certificate issued, the replay moves that Kyanite's clock past the delay first (runner.ts, finishIssuance).
 */
const SELF_SIGNED_DELAY_MS = 60_000;
const cancels = (s: Session) =>
  s.interactions.some((i) => i.method === 'PATCH' && i.path.endsWith('/pending') && isObject(i.requestBody) && i.requestBody.cancellation_requested === true);
const updatesWhileIssuing = (s: Session) =>
  s.interactions.some((i) => i.method === 'PATCH' && /^\/certificates\/[^/]+\/?[0-9a-f]*$/i.test(i.path) && !/^\/certificates\/issuers/i.test(i.path) && showsIssuing(i.responseBody));
const needsIssuanceRunning = (s: Session) => cancels(s) || updatesWhileIssuing(s);

describe('replay of real-service recordings', () => {
  let quick: TestServer;
  let timed: TestServer;
  const serverOf = (session: Session) => (needsIssuanceRunning(session) ? timed : quick);

  beforeAll(async () => {
    quick = await startTestServer({ vaults: ['default'] });
    timed = await startTestServer({ vaults: ['default'], selfSignedDelayMs: SELF_SIGNED_DELAY_MS });
    // Soft delete, purge protection and retention decide recoveryLevel, recoverableDays and scheduledPurgeDate: each
    // session's vault is made with the recording's settings (made, not changed: the vault rules refuse turning soft
    // delete or purge protection off once on, on every path).
    sessions.forEach((session, n) => serverOf(session).k.domain.vaults.ensure(vaultOf(n), vaultSettings(session)));
  });

  afterAll(async () => {
    await quick?.stop();
    await timed?.stop();
  });

  it('finds the recordings', () => {
    expect(sessions.length, `no recordings in ${recordingsDir}`).toBeGreaterThan(0);
  });

  sessions.forEach((session, n) => {
    describe(session.name, () => {
      it('replays in order', async () => {
        const server = serverOf(session);
        const finishIssuance = () => server.k.advanceClock(SELF_SIGNED_DELAY_MS / 1000 + 1);
        const target = { agent: server.agent, base: server.vaultUrl(vaultOf(n)), ...(server === timed && { finishIssuance }) };
        const results = await replaySession(session, target);
        done.push({ name: session.name, results });
        const errors = results.filter((r) => r.serverError).map((r) => `#${r.number} ${r.method} ${r.path}: ${r.reasons.join('; ')}`);
        expect(errors, 'Kyanite answered 5xx').toEqual([]);
      });
    });
  });

  describe('totals', () => {
    it(`passes at least ${minPassed} interactions (threshold.json)`, () => {
      console.log(report(done));
      const total = tally(done.flatMap((s) => s.results));
      expect(done.length, 'every session replayed').toBe(sessions.length);
      expect(total.passed).toBeGreaterThanOrEqual(minPassed);
    });
  });
});
