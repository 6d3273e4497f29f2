import { randomBytes } from 'node:crypto';
import type https from 'node:https';
import { compareAnswer } from './compare.js';
import { send } from './http.js';
import { SessionMap } from './mapping.js';
import { isObject, planSession, type Interaction, type Json, type Session } from './recordings.js';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface Result {
  session: string;
  /** 1-based position in the recording, as people count. */
  number: number;
  method: string;
  path: string;
  outcome: Outcome;
  /** Why it failed, or why it was skipped. */
  reasons: string[];
  /** Skipped because the real service was still settling (as opposed to not replayable at all). */
  settling: boolean;
  notes: string[];
  /** Kyanite answered 5xx: always a bug. */
  serverError: boolean;
}

export interface Target {
  agent: https.Agent;
  /** https://NAME.vault.localhost:PORT of the session's own vault. */
  base: string;
}

/** nbf/exp the session's requests set: Kyanite must give those back as sent. */
function timesSet(session: Session): Set<number> {
  const times = new Set<number>();
  for (const i of session.interactions) {
    const attrs = isObject(i.requestBody) ? i.requestBody.attributes : undefined;
    if (!isObject(attrs)) continue;
    for (const k of ['nbf', 'exp']) if (typeof attrs[k] === 'number') times.add(attrs[k]);
  }
  return times;
}

/**
 * Values a request carries that only the real service could have made. With Kyanite's own earlier answer mapped
 * in, the request is replayable; without one it cannot be, whatever Kyanite does.
 */
function unreplayable(i: Interaction, map: SessionMap): string | undefined {
  const value = isObject(i.requestBody) && typeof i.requestBody.value === 'string' ? i.requestBody.value : undefined;
  if (value === undefined || map.values.has(value)) return undefined;
  if (/\/restore$/.test(i.path) && value.includes('…[truncated')) {
    return 'not replayable: the backup blob is truncated in the corpus and no earlier backup in the session maps it';
  }
  if (/\/(decrypt|unwrapkey)$/i.test(i.path)) return "not replayable: the ciphertext was made with the real service's key";
  if (/\/verify$/i.test(i.path)) return "not replayable: the signature was made with the real service's key";
  return undefined;
}

export async function replaySession(session: Session, target: Target): Promise<Result[]> {
  const authority = new URL(target.base).host;
  // Object names unique per run, so a rerun against a persistent Kyanite cannot collide with an earlier one.
  const map = new SessionMap(session.source.recordedHosts, authority, `r${randomBytes(3).toString('hex')}`);
  map.collectNames(session.interactions);
  const setTimes = timesSet(session);
  const results: Result[] = [];

  for (const step of planSession(session)) {
    const i = step.interaction;
    const base = { session: session.name, number: step.index + 1, method: i.method, path: map.mapPath(i.path), notes: [], serverError: false };
    if (step.kind === 'skip') {
      results.push({ ...base, outcome: 'skipped', reasons: [step.reason], settling: true });
      continue;
    }
    const why = unreplayable(i, map);
    if (why) {
      results.push({ ...base, outcome: 'skipped', reasons: [why], settling: false });
      continue;
    }
    const challenge = i.status === 401;
    const body: Json = challenge ? null : map.mapBody(i.requestBody);
    let answer;
    try {
      answer = await send(target.agent, { base: target.base, method: i.method, path: base.path, query: i.query, body, authorize: !challenge });
    } catch (err) {
      results.push({ ...base, outcome: 'failed', reasons: [`request failed: ${(err as Error).message}`], settling: false });
      continue;
    }
    const verdict = compareAnswer({ map, interaction: i, setTimes }, answer);
    // REPLAY_VERBOSE=1 prints each exchange side by side, for working out why one differs.
    if (process.env.REPLAY_VERBOSE) {
      console.log(`--- ${session.name} #${step.index + 1} ${i.method} ${base.path}\n  recorded ${i.status} ${JSON.stringify(i.responseBody)}\n  kyanite  ${answer.status} ${answer.text}`);
    }
    results.push({
      ...base,
      outcome: verdict.problems.length === 0 ? 'passed' : 'failed',
      reasons: verdict.problems,
      settling: false,
      notes: verdict.notes,
      serverError: answer.status >= 500,
    });
  }
  return results;
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

export function tally(results: Result[]): Tally {
  return {
    passed: results.filter((r) => r.outcome === 'passed').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    skipped: results.filter((r) => r.outcome === 'skipped').length,
  };
}

export const line = (t: Tally) => `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;

/** The report: per session, the total (one line the CI harness reads), failures, skips, and softer notes. */
export function report(sessions: Array<{ name: string; results: Result[] }>): string {
  const all = sessions.flatMap((s) => s.results);
  const out: string[] = [];
  for (const s of sessions) out.push(`${s.name}: ${line(tally(s.results))}`);
  const failures = all.filter((r) => r.outcome === 'failed');
  if (failures.length) {
    out.push('', 'failures:');
    for (const r of failures) out.push(`  ${r.session} #${r.number} ${r.method} ${r.path}: ${r.reasons.join('; ')}`);
  }
  const skipped = all.filter((r) => r.outcome === 'skipped');
  if (skipped.length) {
    const settling = skipped.filter((r) => r.settling).length;
    out.push('', `skipped: ${settling} service settling, ${skipped.length - settling} not replayable`);
    for (const r of skipped) out.push(`  ${r.session} #${r.number} ${r.method} ${r.path}: ${r.reasons.join('; ')}`);
  }
  const notes = all.filter((r) => r.notes.length);
  if (notes.length) {
    out.push('', 'notes (not failures):');
    for (const r of notes) out.push(`  ${r.session} #${r.number} ${r.method} ${r.path}: ${r.notes.join('; ')}`);
  }
  out.push('', `replay: ${line(tally(all))}`);
  return out.join('\n');
}
