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

/**
 * Two folders: the 20 sessions first collected (a copy of ../shared/fixtures/service-recordings) and the corpus
 * scripts/recordings/convert.mjs makes from the SDKs' recordings (one sub-folder per language). KYANITE_RECORDINGS
 * (folders separated by the path delimiter) replays others instead.
 */
export const recordingsDirs = process.env.KYANITE_RECORDINGS?.split(path.delimiter) ?? [
  path.resolve(here, '../fixtures/service-recordings'),
  path.resolve(here, '../fixtures/recordings-corpus'),
];
export const recordingsDir = recordingsDirs.join(path.delimiter);

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : []));
}

export function loadSessions(dirs = recordingsDirs): Session[] {
  return dirs.flatMap(jsonFiles).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Session);
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

/** An error the service answers while it settles, which the SDK's retry policy repeats (not a second client call). */
const TRANSIENT = new Set([409, 429, 500, 502, 503, 504]);

/**
 * Consecutive identical GETs are the SDK polling while the real service settled. Kyanite is immediately
 * consistent, so only the last of a run is sent and compared: it is the settled answer. The earlier ones are
 * counted as skipped. A PUT, POST, PATCH or DELETE is always sent, however often it repeats (each is a client
 * call), except a transient error answer (409/429/5xx) that the SDK's retry policy repeated at once: that is one
 * call, and the retry's answer is the one compared (the 409 on a restore right after a purge).
 */
export function planSession(session: Session): Step[] {
  const list = session.interactions;
  const deletedJustNow = deletedBeforeAnyWrite(list);
  return list.map((interaction, index) => {
    const next = list[index + 1];
    const poll = interaction.method === 'GET';
    const retried = !poll && TRANSIENT.has(interaction.status);
    if (next && (poll || retried) && sameRequest(interaction, next)) {
      const reason = retried
        ? `${SETTLING}: transient ${interaction.status} the SDK retried at once`
        : `${SETTLING}: recorded ${interaction.status}, settled answer is a later identical request`;
      return { kind: 'skip', index, interaction, reason, settling: true };
    }
    if (deletedJustNow.has(index)) {
      const reason = `${SETTLING}: recorded 404 for the deleted object right after its DELETE (no write between); the service had not listed it as deleted yet`;
      return { kind: 'skip', index, interaction, reason, settling: true };
    }
    return { kind: 'send', index, interaction };
  });
}

/** `/keys/NAME`, `/deletedkeys/NAME` ... → `keys/name` (names are case-insensitive), or undefined for other paths. */
export function objectOf(path: string): { collection: string; name: string; deleted: boolean } | undefined {
  const m = /^\/(deleted)?(keys|secrets|certificates)\/([^/]+)/i.exec(path);
  if (!m || ['restore', 'import', 'issuers', 'contacts'].includes(m[3]!.toLowerCase())) return undefined;
  return { collection: m[2]!.toLowerCase(), name: m[3]!.toLowerCase(), deleted: m[1] !== undefined };
}

/**
 * Reads of `/deletedX/NAME` recorded 404 after a successful `DELETE /X/NAME`, with no other write to NAME between:
 * the service's deleted-object view lags behind the DELETE (eventual consistency), and the SDK's poller read it
 * before it settled. Such a read is the service settling, whether or not the recording goes on to a settled read
 * (C++ DeleteKeyOperationPoll ends on it). Only GETs: a write is always sent.
 */
function deletedBeforeAnyWrite(list: Interaction[]): Set<number> {
  const out = new Set<number>();
  const justDeleted = new Set<string>();
  list.forEach((i, index) => {
    const o = objectOf(i.path);
    if (!o) return;
    const key = `${o.collection}/${o.name}`;
    if (i.method === 'GET') {
      if (o.deleted && i.status === 404 && justDeleted.has(key)) out.add(index);
      return;
    }
    // Soft-deleted only (the answer has a recoveryId): without soft delete a 404 there is the settled answer.
    const softDeleted = isObject(i.responseBody) && typeof i.responseBody.recoveryId === 'string';
    if (i.method === 'DELETE' && !o.deleted && i.status === 200 && softDeleted) justDeleted.add(key);
    else justDeleted.delete(key);
  });
  return out;
}

/** The vault hosts an answer's ids name (https://HOST/keys/...), lowercased. */
function hostsNamed(body: Json): string[] {
  const text = JSON.stringify(body ?? null);
  return [...text.matchAll(/https:\/\/([A-Za-z0-9.-]+)\/(?:keys|secrets|certificates|deletedkeys|deletedsecrets|deletedcertificates)\//g)].map((m) => m[1]!.toLowerCase());
}

/**
 * The vaults a session used, by the hosts its answers' ids name. Recorders sanitize request URLs but not always ids
 * (the C++ sessions request `redacted.vault.azure.net` and answer ids on the real host), so ids decide; a session whose
 * ids name two hosts used two vaults (Java transparentAuthentication: a second vault, without soft delete, for the
 * last create). One host, or none: one vault.
 */
export function vaultHosts(session: Session): string[] {
  const hosts: string[] = [];
  for (const i of session.interactions) for (const h of hostsNamed(i.responseBody)) if (!hosts.includes(h)) hosts.push(h);
  return hosts;
}

/**
 * The vault host each interaction went to, for sessions that used more than one: the host its answer's ids name, or
 * (a 401 challenge, an error, an empty answer) that of the next interaction that names one, else the previous one.
 */
export function interactionHosts(session: Session): Array<string | undefined> {
  const own = session.interactions.map((i) => hostsNamed(i.responseBody)[0]);
  return own.map((h, n) => h ?? own.slice(n + 1).find((x) => x !== undefined) ?? own.slice(0, n).reverse().find((x) => x !== undefined));
}

/** The vault settings a recording shows: soft delete off ("Purgeable"), purge protection (no "+Purgeable"), retention. */
export function vaultSettings(session: Session, host?: string): { enableSoftDelete: boolean; enablePurgeProtection: boolean; softDeleteRetentionInDays: number } {
  if (host !== undefined) {
    // Only what that vault answered (a session that used two vaults).
    const hosts = interactionHosts(session);
    session = { ...session, interactions: session.interactions.filter((_, n) => hosts[n] === host) };
  }
  // A shared vault's lists show other objects, some from before a setting changed: the level most answers show wins.
  const levels = new Map<string, number>();
  const visit = (v: Json | undefined) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      if (typeof v.recoveryLevel === 'string') levels.set(v.recoveryLevel, (levels.get(v.recoveryLevel) ?? 0) + 1);
      Object.values(v).forEach(visit);
    }
  };
  for (const i of session.interactions) visit(i.responseBody);
  const level = [...levels].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'Recoverable+Purgeable';
  const enableSoftDelete = level !== 'Purgeable';
  const enablePurgeProtection = /Recoverable$/.test(level);
  return { enableSoftDelete, enablePurgeProtection, softDeleteRetentionInDays: retentionDays(session) };
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
