import type { SessionMap } from './mapping.js';
import { isObject, sameJson, type Interaction, type Json, type JsonObject } from './recordings.js';

/**
 * How one of Kyanite's answers is held against the recorded one: status, JSON shape (same keys, same value types,
 * arrays element by element), deterministic values, and ids on Kyanite's host. Server-generated values found on
 * the way (versions, blobs, signatures, ciphertexts, CSRs) are learned so that later requests can carry Kyanite's.
 *
 * Keys allowed to differ (the whole allow-list):
 * - `nextLink`: null, absent or a string. Whether a list has a next page is paging policy; the service itself
 *   answers null, a link, or even a link to an empty page.
 * - Certificate issuance timing. The recordings read certificates while the real issuer was still working
 *   (`status: "inProgress"`, a bundle with `pending` and `attributes.enabled: false`). An emulator that issues at
 *   once answers the completed forms: `status: "completed"` with `target` and without `status_details`; a bundle
 *   with `cer`, `kid`, `sid`, `x5t` and without `pending`, enabled. Those differences, and only there, are accepted.
 * - Fields by recording date: ADDED_LATER and DROPPED_LATER below, each entry with its evidence.
 */

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Json | undefined;
}

export interface Verdict {
  problems: string[];
  /** Differences that do not fail the interaction (error message wording). */
  notes: string[];
}

export interface CompareContext {
  map: SessionMap;
  interaction: Interaction;
  /** nbf/exp values the session's own requests set: those come back as sent. */
  setTimes: Set<number>;
  /** When the session was recorded (Unix seconds, the latest date its answers show), if they show one. */
  recordedAt?: number;
}

/**
 * Fields the service added to an api-version's answers after that version shipped. A recording made at that
 * api-version before the service sent the field lacks it; Kyanite answers as the service does today. Each entry: the
 * field, the object it sits in, the api-version, the first recording that has it (`since`, Unix seconds) and the
 * evidence. Applied by the recording's date, to every session alike.
 */
export const ADDED_LATER: ReadonlyArray<{ key: string; parent: string; apiVersion: string; since: number; evidence: string }> = [
  {
    key: 'exportable',
    parent: 'attributes',
    apiVersion: '7.3',
    since: Date.UTC(2022, 8, 26) / 1000,
    evidence:
      'key attributes at 7.3: absent in every 7.3 recording up to 2022-05-27 (C++ Dec 2021-May 2022, JS May 2022, Python Apr 2022), present in C++ RecoverOperationResumeToken (2022-09-26)',
  },
];

/**
 * Fields only older recordings show, which the service no longer sends: a recording made before `absentFrom` (Unix
 * seconds, the first recording of the same request without them) may have them; Kyanite answers as the service
 * does today, without. `where` says which answers: a certificate bundle (the top level of an answer with `cer`).
 */
export const DROPPED_LATER: ReadonlyArray<{ keys: string[]; where: 'certificate bundle'; absentFrom: number; evidence: string }> = [
  {
    keys: ['subject', 'issuer', 'serialnumber'],
    where: 'certificate bundle',
    absentFrom: Date.UTC(2024, 3, 11) / 1000,
    evidence:
      'GET /certificates/NAME/VERSION: present in C++ GetCertificateVersion at 7.3 (Nov 2021), absent in the same test at 7.5 (Apr 2024, Azure/azure-sdk-assets cpp recordings)',
  },
];

const droppedLater = (ctx: CompareContext, keys: string[], parent: JsonObject | undefined): boolean => {
  const key = keys[keys.length - 1] ?? '';
  return DROPPED_LATER.some(
    (f) => f.keys.includes(key) && keys.length === 1 && parent !== undefined && 'cer' in parent && ctx.recordedAt !== undefined && ctx.recordedAt < f.absentFrom,
  );
};

const addedLater = (ctx: CompareContext, keys: string[]): boolean => {
  const apiVersion = ctx.interaction.query['api-version'];
  const [parent, key] = keys.slice(-2);
  return ADDED_LATER.some((f) => f.key === key && f.parent === parent && f.apiVersion === apiVersion && ctx.recordedAt !== undefined && ctx.recordedAt < f.since);
};

const typeOf = (v: Json | undefined): string => (v === undefined ? 'absent' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

const ID_KEYS = new Set(['id', 'kid', 'sid', 'recoveryId', 'target']);
/** Values that are the service's own making: they are never compared, but learned for later requests. */
const GENERATED_KEYS = new Set(['value', 'csr', 'cer', 'x5t', 'x5t#S256', 'request_id', 'n', 'e', 'x', 'y', 'x5c', 'tag', 'iv', 'aad']);
/** Keys whose value is decided by what the session sent or by the vault's settings. */
const VALUE_KEYS = new Set([
  'contentType',
  'kty',
  'crv',
  'recoveryLevel',
  'recoverableDays',
  'exportable',
  'managed',
  'cancellation_requested',
  'status',
  'provider',
]);
/** Every leaf under these is what the session set (policies, issuers, contacts, tags, key operations). */
const SET_SUBTREES = new Set([
  'tags',
  'key_ops',
  'key_props',
  'secret_props',
  'x509_props',
  'lifetime_actions',
  'lifetimeActions',
  'issuer',
  'credentials',
  'org_details',
  'contacts',
]);

/** `value` is the session's own data for secret bundles, verify results, and decrypt/unwrap results. */
function valueIsSet(path: string): boolean {
  if (/^\/(deleted)?secrets\//i.test(path) && !/\/backup$/i.test(path) && !/^\/secrets\/restore$/i.test(path)) return true;
  return /\/(verify|decrypt|unwrapkey)$/i.test(path);
}

/** Issuance still running when recorded: the allowances described at the top of the file apply. */
// A bundle with `cer` is issued: its `pending` link is the completed operation's, and is compared.
const recordedMidIssuance = (o: JsonObject) => o.status === 'inProgress' || ('pending' in o && !('cer' in o));
const ISSUANCE_EXTRA = new Set(['cer', 'kid', 'sid', 'x5t', 'target']);
const ISSUANCE_MISSING = new Set(['pending', 'status_details']);

export function compareAnswer(ctx: CompareContext, answer: Answer): Verdict {
  const { interaction: rec, map } = ctx;
  const problems: string[] = [];
  const notes: string[] = [];

  if (answer.status !== rec.status) {
    const err = isObject(answer.body) && isObject(answer.body.error) ? ` (${answer.body.error.code}: ${answer.body.error.message})` : '';
    problems.push(`status: expected ${rec.status}, got ${answer.status}${err}`);
    return { problems, notes };
  }

  checkHeaders(ctx, answer, problems);

  // The 2017 service answered its 401 challenge with no body; since 2019 it sends the Unauthorized error. Clients
  // read only the status and WWW-Authenticate, which are compared above, so an empty recorded 401 body is not.
  if (rec.responseBody === null && rec.status === 401) return { problems, notes };
  // The Java recorder kept only JSON bodies: a non-JSON answer (the CSR as PKCS#10) is recorded with its content type
  // and without its body. The content type is compared (checkHeaders), and that there is a body.
  const recordedType = rec.responseHeaders['content-type']?.split(';')[0]?.trim();
  if (rec.responseBody === null && recordedType && !/json/i.test(recordedType)) {
    if (answer.text.length === 0) problems.push(`body: expected a ${recordedType} body, got none`);
    return { problems, notes };
  }
  if (rec.responseBody === null) {
    if (answer.text.length > 0) problems.push(`body: expected empty, got ${answer.text.slice(0, 120)}`);
    return { problems, notes };
  }
  if (answer.body === undefined) {
    problems.push(`body: expected JSON, got ${JSON.stringify(answer.text.slice(0, 120))}`);
    return { problems, notes };
  }

  const walk = (expected: Json | undefined, actual: Json | undefined, keys: string[], where: string, parent: JsonObject | undefined) => {
    const last = keys[keys.length - 1] ?? '';
    const midIssuance = parent !== undefined && recordedMidIssuance(parent);

    if (last === 'nextLink' && (actual === undefined || actual === null || typeof actual === 'string')) return;
    if (expected === undefined) {
      if (!(midIssuance && ISSUANCE_EXTRA.has(last)) && !addedLater(ctx, keys)) problems.push(`${where}: unexpected key (Kyanite sent ${brief(actual)})`);
      return;
    }
    if (actual === undefined) {
      if (!(midIssuance && ISSUANCE_MISSING.has(last)) && !droppedLater(ctx, keys, parent)) problems.push(`${where}: missing (recorded ${brief(expected)})`);
      return;
    }
    if (midIssuance && last === 'pending') return;
    if (typeOf(expected) !== typeOf(actual)) {
      problems.push(`${where}: expected ${typeOf(expected)} ${brief(expected)}, got ${typeOf(actual)} ${brief(actual)}`);
      return;
    }

    if (Array.isArray(expected) && Array.isArray(actual)) {
      const reordered = sameIdsOtherOrder(map, expected, actual);
      if (reordered) {
        // Version lists are ordered by version id. Kyanite's ids are its own random ones, so the order that matches is
        // "ascending by id" on each side, not the recorded sequence mapped across.
        const bothByVersionId = isAscending(expected.map(itemId)) && isAscending(actual.map(itemId));
        if (!bothByVersionId) problems.push(`${where}: the same ids in another order: recorded ${reordered.want}, Kyanite ${reordered.got}`);
        actual = reordered.actual;
      }
      const valued = keys.some((k) => SET_SUBTREES.has(k));
      if (valued && expected.length !== actual.length) {
        problems.push(`${where}: expected ${brief(mapValue(map, expected))}, got ${brief(actual)}`);
        return;
      }
      if (expected.length !== actual.length) problems.push(`${where}: expected ${expected.length} elements, got ${actual.length}`);
      actual.forEach((a, n) => {
        const e = expected[n] ?? expected[0];
        if (e !== undefined) walk(e, a, keys, `${where}[${n}]`, parent);
      });
      return;
    }

    if (isObject(expected) && isObject(actual)) {
      const all = new Set([...Object.keys(expected), ...Object.keys(actual)]);
      for (const k of all) walk(expected[k], actual[k], [...keys, k], where ? `${where}.${k}` : k, expected);
      checkRetention(expected, actual, where, problems);
      return;
    }

    // A leaf of the same type on both sides.
    if (typeof expected === 'string' && typeof actual === 'string' && ID_KEYS.has(last) && map.isRecordedUrl(expected)) {
      const problem = map.checkId(expected, actual, where);
      if (problem) problems.push(problem);
      return;
    }
    if (isDeterministic(ctx, keys, expected)) {
      const want = mapValue(map, expected);
      if (!sameJson(want, actual)) {
        if (midIssuance && last === 'status' && actual === 'completed') return;
        problems.push(`${where}: expected ${brief(want)}, got ${brief(actual)}`);
      }
      return;
    }
    if (keys[0] === 'error' && last === 'message' && typeof expected === 'string' && typeof actual === 'string') {
      // Names are translated for the comparison, unless the message holds a name only by accident ("missing").
      const want = normalise(map.mapText(expected));
      const got = normalise(actual);
      if (want !== got && normalise(expected) !== got) notes.push(`error.message: recorded "${want}", Kyanite "${got}"`);
      return;
    }
    if (typeof expected === 'string' && typeof actual === 'string' && GENERATED_KEYS.has(last)) map.learn(expected, actual);
  };

  walk(rec.responseBody, answer.body, [], '', undefined);
  return { problems, notes };
}

function isDeterministic(ctx: CompareContext, keys: string[], expected: Json): boolean {
  const last = keys[keys.length - 1] ?? '';
  const above = keys[keys.length - 2];
  if (last === 'created' || last === 'updated') return false;
  if (last === 'enabled' && above === 'attributes') {
    // The bundle of a certificate still being issued is disabled; the completed one is not (see the allow-list).
    const body = ctx.interaction.responseBody;
    return !(keys.length === 2 && isObject(body) && recordedMidIssuance(body));
  }
  if (keys.length === 2 && keys[0] === 'error' && last === 'code') return true;
  if (VALUE_KEYS.has(last)) return true;
  if (keys.some((k) => SET_SUBTREES.has(k))) return true;
  if ((last === 'nbf' || last === 'exp') && typeof expected === 'number') return ctx.setTimes.has(expected);
  if (keys.length === 1 && last === 'value') {
    // A certificate's secret (managed) holds the certificate and key the service made: generated, not set.
    const body = ctx.interaction.responseBody;
    if (isObject(body) && body.managed === true) return false;
    return valueIsSet(ctx.interaction.path);
  }
  return false;
}

/** The gap between deletion and scheduled purge is the vault's retention, which the session's vault reproduces. */
function checkRetention(expected: JsonObject, actual: JsonObject, where: string, problems: string[]) {
  const span = (o: JsonObject) =>
    typeof o.deletedDate === 'number' && typeof o.scheduledPurgeDate === 'number' ? o.scheduledPurgeDate - o.deletedDate : undefined;
  const e = span(expected);
  const a = span(actual);
  if (e !== undefined && a !== undefined && e !== a) {
    problems.push(`${where ? where + '.' : ''}scheduledPurgeDate - deletedDate: expected ${e}s (${e / 86_400} days), got ${a}s`);
  }
}

function checkHeaders(ctx: CompareContext, answer: Answer, problems: string[]) {
  const rec = ctx.interaction;
  const header = (name: string) => {
    const v = answer.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  if (rec.responseHeaders['www-authenticate'] !== undefined) {
    const got = header('www-authenticate');
    if (!got) problems.push('www-authenticate: missing');
    else if (!/^Bearer authorization="https:\/\/[^"]+", resource="https:\/\/[^"]+"$/.test(got)) {
      problems.push(`www-authenticate: expected Bearer authorization="...", resource="...", got ${got}`);
    }
  }
  const location = rec.responseHeaders.location;
  if (location !== undefined) {
    const got = header('location');
    if (!got) problems.push('location: missing');
    else {
      const problem = ctx.map.checkId(location, got, 'location');
      if (problem) problems.push(problem);
    }
  }
  if (rec.responseBody !== null && /json/.test(rec.responseHeaders['content-type'] ?? '')) {
    const got = header('content-type') ?? '';
    if (!/^application\/json/.test(got)) problems.push(`content-type: expected application/json, got ${got || 'none'}`);
  }
  const recordedType = rec.responseHeaders['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (recordedType && !/json/.test(recordedType)) {
    const got = header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (got !== recordedType) problems.push(`content-type: expected ${recordedType}, got ${got ?? 'none'}`);
  }
}

/**
 * Lists of objects with ids whose versions are all known: when Kyanite has the same ids in another order, that is
 * one problem (the order), and the elements are then compared pairwise by id.
 */
function sameIdsOtherOrder(map: SessionMap, expected: Json[], actual: Json[]): { want: string; got: string; actual: Json[] } | undefined {
  if (expected.length !== actual.length || expected.length < 2) return undefined;
  const ids = expected.map((e) => (itemId(e) ? map.expectedId(itemId(e)) : undefined));
  if (ids.some((id) => !id)) return undefined;
  const got = actual.map(itemId);
  // Ids whose version the session has not seen yet (versions made before it: runner.ts, earlierVersions) stand for
  // Kyanite's ids that no known one claims, taken in Kyanite's order; the walk then learns them.
  const claimed = new Set(ids.filter((id) => id!.unknown.length === 0).map((id) => id!.text));
  const unclaimed = got.filter((id) => !claimed.has(id));
  if (ids.filter((id) => id!.unknown.length > 0).some((id) => id!.unknown.length > 1 || !unclaimed.some((g) => id!.pattern.test(g)))) return undefined;
  const want = ids.map((id) => (id!.unknown.length === 0 ? id!.text : unclaimed.shift()!));
  if (sameJson(want, got) || !sameJson([...want].sort(), [...got].sort())) return undefined;
  const tail = (list: string[]) => `[${list.map((id) => id.slice(id.lastIndexOf('/') + 1)).join(', ')}]`;
  return { want: tail(want), got: tail(got), actual: want.map((id) => actual[got.indexOf(id)]!) };
}

/** The id of a list item: `id` (secrets, certificates) or `kid` (keys). */
const itemId = (v: Json | undefined): string => (isObject(v) ? [v.id, v.kid].find((x): x is string => typeof x === 'string') ?? '' : '');

const isAscending = (ids: string[]): boolean => ids.every((id, i) => i === 0 || ids[i - 1]!.toLowerCase() <= id.toLowerCase());

/** A recorded value as it must read in this run (names and ids translated). */
function mapValue(map: SessionMap, v: Json): Json {
  return map.mapBody(v);
}

/** Versions are the service's own: messages are compared without them. */
const normalise = (s: string) => s.replace(/[0-9a-f]{32}/g, '<32 hex>').trim();

function brief(v: Json | undefined): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
