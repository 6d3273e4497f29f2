import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real-service recordings (../shared/fixtures/service-recordings, one session per file) and the plan of what to
 * do with each recorded interaction: send it and compare, or skip it for a stated reason.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Interaction {
  method: string;
  /** Path with the vault host stripped, as recorded. */
  path: string;
  query: Record<string, string>;
  requestBody: Json;
  status: number;
  responseBody: Json;
  responseHeaders: Record<string, string>;
  requestBodyReconstructed?: boolean;
}

export interface Session {
  name: string;
  area: string;
  source: { language: string; repo: string; path: string; commit: string; recordedHosts: string[] };
  notes: string[];
  interactions: Interaction[];
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** A copy of ../shared/fixtures/service-recordings kept in the repository, so a clone replays on its own; KYANITE_RECORDINGS can point elsewhere. */
export const recordingsDir = process.env.KYANITE_RECORDINGS ?? path.resolve(here, '../fixtures/service-recordings');

export function loadSessions(dir = recordingsDir): Session[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Session);
}

export const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A recorded 401 is the SDK's first, token-less request of a client: it is replayed without Authorization. */
export const isChallenge = (i: Interaction) => i.status === 401;

function sameRequest(a: Interaction, b: Interaction): boolean {
  return (
    !isChallenge(a) &&
    !isChallenge(b) &&
    a.method === b.method &&
    a.path === b.path &&
    sameJson(a.query as Json, b.query as Json) &&
    sameJson(a.requestBody, b.requestBody)
  );
}

export const SETTLING = 'service settling (eventual consistency)';

export type Step = { kind: 'send'; index: number; interaction: Interaction } | { kind: 'skip'; index: number; interaction: Interaction; reason: string; settling: boolean };

/**
 * Consecutive identical requests are the SDK polling (or retrying) while the real service settled. Kyanite is
 * immediately consistent, so only the last of a run is sent and compared: it is the settled answer. The earlier
 * ones are counted as skipped. A transient 409 on a restore right after a purge is one such run.
 */
export function planSession(session: Session): Step[] {
  const list = session.interactions;
  return list.map((interaction, index) => {
    const next = list[index + 1];
    if (next && sameRequest(interaction, next)) {
      const reason =
        interaction.status === 409 && /\/restore$/.test(interaction.path)
          ? `${SETTLING}: transient 409 on a restore right after a purge`
          : `${SETTLING}: recorded ${interaction.status}, settled answer is a later identical request`;
      return { kind: 'skip', index, interaction, reason, settling: true };
    }
    return { kind: 'send', index, interaction };
  });
}

/**
 * The soft-delete retention the recording's vault had: from recoverableDays when recorded, else from the gap
 * between deletedDate and scheduledPurgeDate, else the recovery level's wording; 90 (the default) otherwise.
 */
export function retentionDays(session: Session): number {
  let days: number | undefined;
  let customized = false;
  const visit = (v: Json | undefined) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      if (typeof v.recoverableDays === 'number') days ??= v.recoverableDays;
      if (typeof v.deletedDate === 'number' && typeof v.scheduledPurgeDate === 'number') {
        days ??= Math.round((v.scheduledPurgeDate - v.deletedDate) / 86_400);
      }
      if (typeof v.recoveryLevel === 'string' && v.recoveryLevel.startsWith('CustomizedRecoverable')) customized = true;
      Object.values(v).forEach(visit);
    }
  };
  for (const i of session.interactions) visit(i.responseBody);
  return days ?? (customized ? 7 : 90);
}
