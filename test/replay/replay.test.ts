import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isObject, loadSessions, recordingsDir, vaultHosts, vaultSettings, type Session } from './recordings.js';
import { replaySession, report, showsIssuing, tally, type Result } from './runner.js';

/**
 * Replays every session the Azure SDKs recorded against the real Key Vault service (docs/fidelity.md) against
 * Kyanite over HTTPS, each in a vault of its own whose settings match the recording's. Every interaction that
 * differs is reported, and the suite fails on any of them (threshold.json: maxFailed 0), when fewer pass than
 * minPassed (a number that only goes up), or when Kyanite answers any of them with a 5xx.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** "Every comparable interaction passes": no failure at all (maxFailed 0), and at least minPassed pass (only goes up). */
const { minPassed, maxFailed } = JSON.parse(fs.readFileSync(path.join(here, 'threshold.json'), 'utf8')) as { minPassed: number; maxFailed: number };

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
    sessions.forEach((session, n) => {
      const hosts = vaultHosts(session);
      if (hosts.length <= 1) serverOf(session).k.domain.vaults.ensure(vaultOf(n), vaultSettings(session));
      // A session that used two vaults gets two, each with the settings its own answers show.
      else hosts.forEach((host, k) => serverOf(session).k.domain.vaults.ensure(k === 0 ? vaultOf(n) : `${vaultOf(n)}v${k + 1}`, vaultSettings(session, host)));
    });
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
        const hosts = vaultHosts(session);
        const others = new Map(hosts.slice(1).map((host, k) => [host, server.vaultUrl(`${vaultOf(n)}v${k + 2}`)]));
        const target = { agent: server.agent, base: server.vaultUrl(vaultOf(n)), ...(server === timed && { finishIssuance }), ...(others.size > 0 && { others }) };
        const results = await replaySession(session, target);
        done.push({ name: session.name, results });
        const errors = results.filter((r) => r.serverError).map((r) => `#${r.number} ${r.method} ${r.path}: ${r.reasons.join('; ')}`);
        expect(errors, 'Kyanite answered 5xx').toEqual([]);
      });
    });
  });

  describe('totals', () => {
    it(`passes every comparable interaction: at most ${maxFailed} failed, at least ${minPassed} passed (threshold.json)`, () => {
      console.log(report(done));
      const total = tally(done.flatMap((s) => s.results));
      expect(done.length, 'every session replayed').toBe(sessions.length);
      const failures = done.flatMap((s) => s.results).filter((r) => r.outcome === 'failed').map((r) => `${r.session} #${r.number} ${r.method} ${r.path}: ${r.reasons.join('; ')}`);
      expect(failures.length, `failed interactions:\n${failures.join('\n')}`).toBeLessThanOrEqual(maxFailed);
      expect(total.passed).toBeGreaterThanOrEqual(minPassed);
    });
  });
});
