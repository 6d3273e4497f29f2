import { randomBytes } from 'node:crypto';
import type https from 'node:https';
import { compareAnswer, type Answer } from './compare.js';
import { send } from './http.js';
import { SessionMap } from './mapping.js';
import { interactionHosts, isObject, objectOf, planSession, sameJson, SETTLING, type Interaction, type Json, type JsonObject, type Session } from './recordings.js';

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
  /**
   * On a Kyanite that keeps self-signed issuance running (--self-signed-delay): lets running issuance finish, by
   * moving Kyanite's clock past the delay (what a user's test does with POST /_kyanite/clock/advance).
   */
  finishIssuance?: () => Promise<void>;
  /** https://NAME.vault.localhost:PORT of a further vault, by the recorded host it stands for (sessions with two). */
  others?: Map<string, string>;
}

/** The certificate name of a recorded certificate path (`/certificates/NAME[/...]`), lowercased, if any. */
const certificateOf = (path: string): string | undefined => {
  const o = objectOf(path);
  return o?.collection === 'certificates' && !o.deleted ? o.name : undefined;
};

/** A recorded answer that shows issuance still running: an operation inProgress, or a bundle pending without `cer`. */
export const showsIssuing = (body: Json): boolean =>
  isObject(body) && (body.status === 'inProgress' || (isObject(body.pending) && !('cer' in body) && 'policy' in body));
/** A recorded answer that shows issuance done: an operation completed, or a bundle with `cer`. */
const showsIssued = (body: Json): boolean => isObject(body) && (body.status === 'completed' || typeof body.cer === 'string');

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

/** When the session was recorded: the latest created/updated/deleted date its answers show (Unix seconds). */
export function recordingDate(session: Session): number | undefined {
  let latest: number | undefined;
  const visit = (v: Json | undefined) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) {
      for (const k of ['created', 'updated', 'deletedDate']) {
        const t = v[k];
        if (typeof t === 'number' && t > 1_000_000_000 && t < 10_000_000_000) latest = Math.max(latest ?? 0, t);
      }
      Object.values(v).forEach(visit);
    }
  };
  for (const i of session.interactions) visit(i.responseBody);
  return latest;
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


/**
 * The recordings keep no request headers, but a non-JSON answer shows what the client asked for: the service answers
 * `application/pkcs10` only to a request that accepts it (the SDKs' "get the CSR" call). That media type is sent as
 * the request's Accept.
 */
function requestedMediaType(i: Interaction): string | undefined {
  const type = i.responseHeaders['content-type']?.split(';')[0]?.trim();
  return type && !/json/i.test(type) ? type : undefined;
}

/**
 * A request body the converter rebuilt (body-less recorders) holds only what the recording determines. The tags of a
 * certificate create are rebuilt from the first later answer that shows the certificate's policy; when that answer
 * is the one to an update (PATCH) that itself sent those tags, the tags are the update's, not the create's (Java
 * certificateAsyncForAsyncOperations: the test creates without tags and adds `tag1` by the update at #4). They are
 * left out of the create. Every other body is sent as recorded.
 */
function rebuiltFromOwnAnswers(session: Session, index: number): Json {
  const i = session.interactions[index]!;
  const body = i.requestBody;
  const cert = certificateOf(i.path);
  if (!i.requestBodyReconstructed || i.method !== 'POST' || !i.path.endsWith('/create') || !cert || !isObject(body) || !('tags' in body)) return body;
  const source = session.interactions
    .slice(index + 1)
    .find((e) => e.status === 200 && certificateOf(e.path) === cert && isObject(e.responseBody) && (isObject(e.responseBody.policy) || isObject(e.responseBody.key_props)));
  const setByUpdate = source?.method === 'PATCH' && isObject(source.requestBody) && sameJson(source.requestBody.tags, body.tags);
  if (!setByUpdate) return body;
  const { tags: _fromTheUpdate, ...rest } = body;
  return rest;
}

/** A list answer: `{ value: [...], nextLink }`. */
const isListAnswer = (i: Interaction) => i.method === 'GET' && isObject(i.responseBody) && Array.isArray(i.responseBody.value) && 'nextLink' in i.responseBody;
/** A request for a further page: it follows the real service's nextLink, whose paging is the service's own. */
const isContinuation = (i: Interaction) => i.method === 'GET' && '$skiptoken' in i.query;

/** The object name an item of a list is about, from its id (…/keys/NAME[/VERSION], …/deletedkeys/NAME). */
function itemName(item: Json): string | undefined {
  if (!isObject(item)) return undefined;
  const id = [item.id, item.kid, item.recoveryId].find((v): v is string => typeof v === 'string');
  if (!id) return undefined;
  try {
    const segments = new URL(id).pathname.split('/').slice(1);
    return segments[0] === 'certificates' && segments[1] === 'issuers' ? segments[2] : segments[1];
  } catch {
    return undefined;
  }
}

/**
 * A listing as one answer. The real service pages at its own sizes (and may link to empty pages); Kyanite at its
 * own: the pages that the SDK fetched right after a list request are joined into one recorded list, and Kyanite's
 * pages are followed to the end and joined too. The recording vaults were shared by many tests: items of objects
 * this session never addressed were other tests' and are left out of the recorded list (a version list is about
 * the session's own object and is kept whole).
 */
function joinRecordedPages(session: Session, head: number, pages: number[], map: SessionMap): Interaction {
  const rec = session.interactions[head]!;
  const items = [head, ...pages].flatMap((n) => {
    const body = session.interactions[n]!.responseBody;
    return isObject(body) && Array.isArray(body.value) ? body.value : [];
  });
  const ownOnly = !/\/versions$/.test(rec.path);
  const value = ownOnly ? items.filter((item) => {
    const name = itemName(item);
    return name !== undefined && map.names.has(name);
  }) : items;
  return { ...rec, responseBody: { value, nextLink: null } };
}

async function sendAllPages(target: Target, first: Answer): Promise<Answer> {
  let answer = first;
  const items: Json[] = [];
  for (let pages = 0; pages < 100; pages++) {
    if (answer.status !== 200 || !isObject(answer.body) || !Array.isArray(answer.body.value)) return answer;
    items.push(...answer.body.value);
    const next = answer.body.nextLink;
    if (typeof next !== 'string' || next === '') break;
    const url = new URL(next);
    answer = await send(target.agent, { base: target.base, method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body: null, authorize: true });
  }
  return { ...first, body: { value: items, nextLink: null } };
}

/**
 * Objects the session finds already there. The recording vaults were shared: a test may list or delete keys and
 * secrets that other tests made earlier (the Java list tests delete every key they list). A key or secret whose
 * first request in the session is not the one creating it, and which that request shows existing (200 with its
 * bundle), is made before the session starts, with the type, size or curve, content type and tags it shows.
 */
function preexisting(session: Session): Array<{ path: string; body: Json }> {
  const seen = new Set<string>();
  const out: Array<{ path: string; body: Json }> = [];
  for (const i of session.interactions) {
    const [collection, name, third] = i.path.split('/').slice(1);
    if ((collection !== 'keys' && collection !== 'secrets') || !name || name === 'restore') continue;
    if (seen.has(`${collection}/${name}`)) continue;
    seen.add(`${collection}/${name}`);
    const creates = (i.method === 'POST' && third === 'create') || (i.method === 'PUT' && third === undefined);
    if (creates || i.status !== 200 || !isObject(i.responseBody)) continue;
    const b = i.responseBody;
    const shown: JsonObject = {};
    if (isObject(b.tags)) shown.tags = b.tags;
    if (isObject(b.attributes)) {
      const attributes: JsonObject = {};
      for (const k of ['nbf', 'exp']) if (typeof b.attributes[k] === 'number') attributes[k] = b.attributes[k];
      if (b.attributes.enabled === false) attributes.enabled = false;
      if (Object.keys(attributes).length) shown.attributes = attributes;
    }
    const k = b.key;
    if (collection === 'keys' && isObject(k) && typeof k.kty === 'string') {
      const body: JsonObject = { kty: k.kty, ...shown };
      if (typeof k.n === 'string') body.key_size = Buffer.from(k.n, 'base64url').length * 8;
      if (typeof k.crv === 'string') body.crv = k.crv;
      out.push({ path: `/keys/${name}/create`, body });
    } else if (collection === 'secrets') {
      out.push({ path: `/secrets/${name}`, body: { value: 'made before the session', ...(typeof b.contentType === 'string' && { contentType: b.contentType }), ...shown } });
    }
  }
  return out;
}

/**
 * Items of Kyanite's deleted-objects list (`GET /deletedkeys` ...) that the recorded list lacks and that are objects
 * the session soft-deleted earlier: the service's deleted list catches up after the DELETE (eventual consistency;
 * C++ GetPropertiesOfSecret lists the deleted secrets before its two just-deleted ones appear, though a GET of each
 * already answered it). Kyanite is consistent at once; those items are left out of the comparison, and the read
 * counts as the service settling. Any other difference still fails it.
 */
function laggingDeletedItems(session: Session, index: number, recorded: Interaction, answer: Answer, map: SessionMap): Json[] {
  if (!/^\/deleted(keys|secrets|certificates)$/i.test(recorded.path) || answer.status !== 200) return [];
  if (!isObject(answer.body) || !Array.isArray(answer.body.value) || !isObject(recorded.responseBody) || !Array.isArray(recorded.responseBody.value)) return [];
  const collection = recorded.path.slice('/deleted'.length).toLowerCase();
  const deleted = new Set<string>();
  for (const i of session.interactions.slice(0, index)) {
    const o = objectOf(i.path);
    if (o?.collection === collection && !o.deleted && i.method === 'DELETE' && i.status === 200) deleted.add(o.name);
  }
  const recordedNames = new Set(recorded.responseBody.value.map((item) => itemName(item)?.toLowerCase()));
  const kyaniteName = new Map([...map.names].map(([rec, mine]) => [mine.toLowerCase(), rec.toLowerCase()]));
  return answer.body.value.filter((item) => {
    const rec = kyaniteName.get(itemName(item)?.toLowerCase() ?? '');
    return rec !== undefined && deleted.has(rec) && !recordedNames.has(rec);
  });
}

/**
 * Versions made before the session. A version list (`/keys/NAME/versions`, `/secrets/NAME/versions`) may show
 * versions that no other answer of the session mentions: an earlier run of the test made them in the shared vault
 * (Java listKeyVersionsForKeyOperations lists a fifth `javaKey` version, created before its four creates). As many
 * versions are made before the session starts, with the body of the session's own create of that name (or, for an
 * object the session never creates, what `preexisting` makes), and before `preexisting`'s, which stays the latest.
 */
function earlierVersions(session: Session): Array<{ path: string; body: Json }> {
  const mentioned = new Set<string>();
  const listed = new Map<string, Set<string>>();
  for (const i of session.interactions) {
    const list = /^\/(keys|secrets)\/([^/]+)\/versions$/.exec(i.path);
    if (list && isObject(i.responseBody) && Array.isArray(i.responseBody.value)) {
      const key = `${list[1]}/${list[2]!.toLowerCase()}`;
      const versions = listed.get(key) ?? new Set<string>();
      for (const item of i.responseBody.value) {
        const version = /\/([0-9a-f]{32})$/.exec(isObject(item) ? String(item.kid ?? item.id ?? '') : '')?.[1];
        if (version) versions.add(version);
      }
      listed.set(key, versions);
    } else for (const v of JSON.stringify(i.responseBody ?? null).match(/[0-9a-f]{32}/g) ?? []) mentioned.add(v);
  }
  const out: Array<{ path: string; body: Json }> = [];
  const shown = preexisting(session);
  for (const [key, versions] of listed) {
    const earlier = [...versions].filter((v) => !mentioned.has(v)).length;
    if (earlier === 0) continue;
    const [collection, name] = key.split('/') as [string, string];
    const path = collection === 'keys' ? `/keys/${name}/create` : `/secrets/${name}`;
    const own = session.interactions.find((i) => i.status === 200 && i.path.toLowerCase() === path && i.method === (collection === 'keys' ? 'POST' : 'PUT') && i.requestBody !== null);
    const body = own?.requestBody ?? shown.find((m) => m.path.toLowerCase() === path)?.body;
    if (body === undefined) continue;
    // Paths keep the session's spelling of the name (the mapping is by recorded name).
    const spelled = (own?.path ?? shown.find((m) => m.path.toLowerCase() === path)!.path);
    for (let n = 0; n < earlier; n++) out.push({ path: spelled, body });
  }
  return out;
}

export async function replaySession(session: Session, target: Target): Promise<Result[]> {
  const authority = new URL(target.base).host;
  // Object names unique per run, so a rerun against a persistent Kyanite cannot collide with an earlier one.
  const others = new Map([...(target.others ?? [])].map(([host, base]) => [host, new URL(base).host]));
  const map = new SessionMap(session.source.recordedHosts, authority, `r${randomBytes(3).toString('hex')}`, others);
  const hosts = interactionHosts(session);
  const baseOf = (index: number) => target.others?.get(hosts[index] ?? '') ?? target.base;
  map.collectNames(session.interactions);
  const setTimes = timesSet(session);
  const recordedAt = recordingDate(session);
  const results: Result[] = [];

  const apiVersion = session.interactions.find((i) => i.query['api-version'])?.query['api-version'] ?? '7.0';
  for (const made of [...earlierVersions(session), ...preexisting(session)]) {
    const method = made.path.endsWith('/create') ? 'POST' : 'PUT';
    await send(target.agent, { base: target.base, method, path: map.mapPath(made.path), query: { 'api-version': apiVersion }, body: made.body, authorize: true });
  }

  // Pages that follow a list request are compared with it, as one list (see joinRecordedPages).
  const pagesOf = new Map<number, number[]>();
  const headOf = new Map<number, number>();
  let lastList: number | undefined;
  session.interactions.forEach((i, n) => {
    if (isContinuation(i) && lastList !== undefined && session.interactions[lastList]!.path === i.path) {
      pagesOf.get(lastList)!.push(n);
      headOf.set(n, lastList);
    } else if (isListAnswer(i)) {
      lastList = n;
      pagesOf.set(n, []);
    } else lastList = undefined;
  });

  // Certificates the recording showed issuing (see Target.finishIssuance): when it first shows one issued, the
  // replay lets Kyanite's issuance finish, as the service's had by then.
  const issuing = new Set<string>();
  for (const step of planSession(session)) {
    const i = step.interaction;
    const cert = certificateOf(i.path);
    if (cert && target.finishIssuance) {
      if (showsIssuing(i.responseBody)) issuing.add(cert);
      else if (showsIssued(i.responseBody) && issuing.delete(cert)) await target.finishIssuance();
    }
    const head = headOf.get(step.index);
    if (head !== undefined) {
      const of = results.find((r) => r.number === head + 1);
      results.push({
        session: session.name,
        number: step.index + 1,
        method: i.method,
        path: map.mapPath(i.path),
        outcome: of?.outcome ?? 'failed',
        reasons: [`a further page of the list at #${head + 1}, compared with it as one list`, ...(of?.outcome === 'failed' ? of.reasons : [])],
        settling: of?.settling ?? false,
        notes: [],
        serverError: false,
      });
      continue;
    }
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
    const body: Json = challenge ? null : map.mapBody(rebuiltFromOwnAnswers(session, step.index));
    let answer;
    try {
      const accept = requestedMediaType(i);
      answer = await send(target.agent, { base: baseOf(step.index), method: i.method, path: base.path, query: i.query, body, authorize: !challenge, ...(accept && { accept }) });
    } catch (err) {
      results.push({ ...base, outcome: 'failed', reasons: [`request failed: ${(err as Error).message}`], settling: false });
      continue;
    }
    let recorded = i;
    if (pagesOf.has(step.index) && !challenge) {
      recorded = joinRecordedPages(session, step.index, pagesOf.get(step.index)!, map);
      answer = await sendAllPages(target, answer);
    }
    const lagging = laggingDeletedItems(session, step.index, recorded, answer, map);
    if (lagging.length) answer = { ...answer, body: { ...(answer.body as JsonObject), value: ((answer.body as JsonObject).value as Json[]).filter((item) => !lagging.includes(item)) } };
    const verdict = compareAnswer({ map, interaction: recorded, setTimes, ...(recordedAt && { recordedAt }) }, answer);
    // REPLAY_VERBOSE=1 prints each exchange side by side, for working out why one differs.
    if (process.env.REPLAY_VERBOSE) {
      console.log(`--- ${session.name} #${step.index + 1} ${i.method} ${base.path}\n  recorded ${i.status} ${JSON.stringify(i.responseBody)}\n  kyanite  ${answer.status} ${answer.text}`);
    }
    if (lagging.length && verdict.problems.length === 0) {
      const reason = `${SETTLING}: the deleted-objects list did not show yet ${lagging.length} object(s) the session had just deleted; the rest of the list matches`;
      results.push({ ...base, outcome: 'skipped', reasons: [reason], settling: true, notes: verdict.notes });
      continue;
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
