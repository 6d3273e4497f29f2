#!/usr/bin/env node
// Converts the Azure SDKs' Key Vault test recordings into Kyanite's replay format (test/fixtures/service-recordings
// and test/fixtures/recordings-corpus; the format is described in test/fixtures/service-recordings/README.md).
//
//   node scripts/recordings/convert.mjs RAW_DIR OUT_DIR
//
// RAW_DIR holds the downloaded recordings and a sources.json: [{ "file", "language", "repo", "path", "commit" }].
// Formats understood (detected from the content, not the language):
//   - test-proxy / .NET SessionRecords: { "Entries": [{ RequestUri, RequestMethod, RequestBody, StatusCode,
//     ResponseHeaders, ResponseBody }] } (.NET, JS since 2022, Python, Go, Java since 2022)
//   - C++ recorder (until Dec 2022): { "networkCallRecords": [{ Method, Url, Response: { STATUS_CODE, BODY, ... } }] }
//   - Java recorder (azure-keyvault-java, azure-sdk-for-java until 2022): { "networkCallRecords": [{ Method, Uri,
//     Response: { StatusCode, Body, ... } }] }
// The C++ and Java recorders store no request bodies. The rules below rebuild a body only where the recording
// itself determines it; a session is kept up to (not including) its first request whose body it does not
// determine. Every rule applies to every session alike: no per-session exception.
import fs from 'node:fs';
import path from 'node:path';

const VAULT_HOST = /\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)$/i;
const MHSM = /managedhsm|_mhsm|mhsm/i;
const KEPT_HEADERS = ['content-type', 'www-authenticate', 'location', 'retry-after'];

const parseJson = (v) => {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return null;
  }
};

const lowerHeaders = (h = {}) => {
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    const key = k.toLowerCase();
    if (KEPT_HEADERS.includes(key)) out[key] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
};

/** One recorded exchange in a neutral form, before the vault host is stripped. */
function readRecording(raw) {
  if (Array.isArray(raw.Entries)) {
    return {
      bodies: true,
      entries: raw.Entries.map((e) => ({
        method: e.RequestMethod,
        url: e.RequestUri,
        requestBody: parseJson(e.RequestBody),
        status: Number(e.StatusCode),
        responseBody: parseJson(e.ResponseBody),
        responseHeaders: lowerHeaders(e.ResponseHeaders),
      })),
    };
  }
  if (Array.isArray(raw.networkCallRecords)) {
    return {
      bodies: false,
      entries: raw.networkCallRecords.map((r) => {
        const res = r.Response ?? {};
        const { BODY, Body, STATUS_CODE, StatusCode, ...headers } = res;
        return {
          method: r.Method,
          url: r.Url ?? r.Uri,
          requestBody: null,
          status: Number(STATUS_CODE ?? StatusCode),
          responseBody: parseJson(BODY ?? Body),
          responseHeaders: lowerHeaders(headers),
        };
      }),
    };
  }
  throw new Error('unknown recording format');
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (o, keys) => Object.fromEntries(keys.filter((k) => isObject(o) && o[k] !== undefined).map((k) => [k, o[k]]));

/** Attributes a client sets (the rest are the service's): enabled only when false, the SDKs' default being true. */
function settableAttributes(attrs) {
  if (!isObject(attrs)) return undefined;
  const out = pick(attrs, ['nbf', 'exp', 'exportable']);
  if (attrs.enabled === false) out.enabled = false;
  return Object.keys(out).length ? out : undefined;
}

/** A policy as a client sends it: without the service's id and dates. */
function policyOf(p) {
  const out = pick(p, ['key_props', 'secret_props', 'x509_props', 'lifetime_actions', 'issuer']);
  if (isObject(p.attributes)) out.attributes = { enabled: p.attributes.enabled ?? true };
  return out;
}

const b64urlBytes = (s) => Buffer.from(String(s).replace(/-/g, '+').replace(/_/g, '/'), 'base64').length;

/**
 * The request body a body-less recorder must have sent, when the recording determines it; undefined when it does
 * not (the session is cut there). `null` means "no body".
 */
function rebuildBody(entry, earlier, later) {
  const { method, path: p, responseBody: res, status } = entry;
  const seg = p.split('/').slice(1);
  if (status === 401) return null; // the challenge carries no body
  if (method === 'GET' || method === 'DELETE') return null;
  const last = seg[seg.length - 1];
  if (method === 'POST' && /^(recover|backup|pending)$/.test(last)) return null;
  if (status >= 400) return undefined; // the failing request's body is not in the answer
  // Create key: kty, size or curve, operations, attributes and tags as the service answered them.
  if (method === 'POST' && seg[0] === 'keys' && last === 'create' && isObject(res?.key)) {
    const k = res.key;
    const body = { kty: k.kty };
    if (/^RSA/.test(k.kty) && k.n) body.key_size = b64urlBytes(k.n) * 8;
    if (k.crv) body.crv = k.crv;
    if (Array.isArray(k.key_ops)) body.key_ops = k.key_ops;
    const attributes = settableAttributes(res.attributes);
    if (attributes) body.attributes = attributes;
    if (res.tags) body.tags = res.tags;
    if (res.release_policy) return undefined; // the policy's data is not recoverable from the answer
    return body;
  }
  // Set secret: the answer echoes value, contentType, attributes and tags.
  if (method === 'PUT' && seg[0] === 'secrets' && seg.length === 2 && isObject(res) && typeof res.value === 'string') {
    return { value: res.value, ...pick(res, ['contentType', 'tags']), ...(settableAttributes(res.attributes) && { attributes: settableAttributes(res.attributes) }) };
  }
  // Update secret/key: what the answer shows after the update is what the update set.
  if (method === 'PATCH' && (seg[0] === 'secrets' || seg[0] === 'keys') && isObject(res)) {
    const body = pick(res, seg[0] === 'secrets' ? ['contentType', 'tags'] : ['tags']);
    if (seg[0] === 'keys' && Array.isArray(res.key?.key_ops)) body.key_ops = res.key.key_ops;
    body.attributes = { ...pick(res.attributes, ['nbf', 'exp']), enabled: res.attributes?.enabled ?? true };
    return body;
  }
  // Restore: the blob of the session's last backup of the same collection.
  if (method === 'POST' && seg.length === 2 && seg[1] === 'restore') {
    const backup = [...earlier].reverse().find((e) => e.path.startsWith(`/${seg[0]}/`) && e.path.endsWith('/backup') && isObject(e.responseBody));
    return backup ? { value: backup.responseBody.value } : undefined;
  }
  // Create certificate: the policy (and attributes, tags) the first later answer about the certificate shows: the
  // bundle or /policy. The defaults the service added come back as sent, so the comparison is unchanged by them.
  if (method === 'POST' && seg[0] === 'certificates' && seg.length === 3 && last === 'create') {
    const shown = later.find((e) => e.status === 200 && e.path.split('/')[2] === seg[1] && isObject(e.responseBody) && (isObject(e.responseBody.policy) || isObject(e.responseBody.key_props)));
    if (!shown) return undefined;
    const b = shown.responseBody;
    const policy = policyOf(isObject(b.policy) ? b.policy : b);
    const body = { policy };
    if (isObject(b.policy) && b.tags) body.tags = b.tags;
    return body;
  }
  // Cancel a certificate operation: the answer shows the flag as set.
  if (method === 'PATCH' && seg[0] === 'certificates' && last === 'pending' && isObject(res)) return { cancellation_requested: res.cancellation_requested };
  // Update certificate policy: the answer is the whole policy after the update.
  if (method === 'PATCH' && seg[0] === 'certificates' && last === 'policy' && isObject(res)) return policyOf(res);
  // Update certificate: attributes and tags as the answer shows them.
  if (method === 'PATCH' && seg[0] === 'certificates' && seg[1] !== 'issuers' && seg.length <= 3 && isObject(res) && isObject(res.attributes)) {
    return { attributes: { enabled: res.attributes.enabled ?? true }, ...pick(res, ['tags']) };
  }
  // Issuers: provider, credentials (the answer never shows a password), organization details, enabled.
  if ((method === 'PUT' || method === 'PATCH') && seg[0] === 'certificates' && seg[1] === 'issuers' && isObject(res)) {
    return { ...pick(res, ['provider', 'credentials', 'org_details']), attributes: { enabled: res.attributes?.enabled ?? true } };
  }
  // Rotation policy: the answer shows the actions and expiry time as set.
  if (method === 'PUT' && seg[0] === 'keys' && last === 'rotationpolicy' && isObject(res)) {
    return { ...pick(res, ['lifetimeActions']), ...(isObject(res.attributes) && { attributes: pick(res.attributes, ['expiryTime']) }) };
  }
  // Contacts: the answer lists them as set.
  if (method === 'PUT' && p === '/certificates/contacts' && isObject(res)) return { contacts: res.contacts };
  return undefined;
}

const AREA_OPS = /\/(sign|verify|encrypt|decrypt|wrapkey|unwrapkey)$/i;

function areaOf(interactions) {
  if (interactions.some((i) => AREA_OPS.test(i.path))) return 'crypto';
  const counts = {};
  for (const i of interactions) {
    const c = i.path.split('/')[1]?.replace(/^deleted/, '') ?? '';
    counts[c] = (counts[c] ?? 0) + 1;
  }
  const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'other';
  return ['keys', 'secrets', 'certificates'].includes(top) ? top : 'other';
}

const LANG_PREFIX = { '.NET': 'net', JavaScript: 'js', Python: 'py', Java: 'java', Go: 'go', 'C++': 'cpp' };

export function convert(raw, source) {
  if (MHSM.test(source.path)) return { skipped: 'Managed HSM recording' };
  const { bodies, entries } = readRecording(raw);
  const hosts = new Set();
  const interactions = [];
  const notes = [];
  let cut;
  const vaultEntries = [];
  for (const e of entries) {
    let url;
    try {
      url = new URL(e.url);
    } catch {
      continue;
    }
    if (MHSM.test(url.hostname)) return { skipped: 'Managed HSM host' };
    if (!VAULT_HOST.test(url.hostname)) continue; // token service, ARM, storage: not the vault's data plane
    hosts.add(url.hostname);
    vaultEntries.push({
      method: e.method.toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      requestBody: e.requestBody,
      status: e.status,
      responseBody: e.responseBody,
      responseHeaders: e.responseHeaders,
    });
  }
  for (const [n, entry] of vaultEntries.entries()) {
    if (!bodies) {
      const body = rebuildBody(entry, interactions, vaultEntries.slice(n + 1));
      if (body === undefined) {
        cut = `${entry.method} ${entry.path} (${entry.status})`;
        break;
      }
      entry.requestBody = body;
      entry.requestBodyRecorded = false;
      if (body !== null) entry.requestBodyReconstructed = true;
    }
    interactions.push(entry);
  }
  if (!bodies) notes.push('The recorder stored no request bodies; bodies were rebuilt from the recorded answers by the rules in scripts/recordings/convert.mjs (flagged requestBodyReconstructed).');
  if (cut) notes.push(`Cut before ${cut}: the recording does not determine that request's body.`);
  // Ids in the answers may name the vault differently from the request URLs (a recorder sanitizing one, not the other).
  const text = JSON.stringify(interactions.map((i) => i.responseBody));
  for (const m of text.matchAll(/https:\/\/([A-Za-z0-9.-]+)/g)) if (VAULT_HOST.test(m[1])) hosts.add(m[1]);
  if (interactions.length === 0) return { skipped: cut ? `nothing before ${cut}` : 'no vault interactions' };
  const test = path.basename(source.path).replace(/\.(json|yaml)$/, '').replace(/^recording_/, '');
  const dir = path.basename(path.dirname(source.path));
  const pkg = /keyvault[-.](?:azure-keyvault-|security-keyvault-)?([a-z]+)|keyvault-(secrets|keys|certificates)|azkeys|azsecrets|azcertificates/i.exec(source.path);
  const tag = `${dir}-${test}`.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 110);
  return {
    session: {
      name: `${LANG_PREFIX[source.language] ?? source.language}-${areaOf(interactions)}-${tag}`,
      area: areaOf(interactions),
      errorStatuses: [...new Set(interactions.map((i) => i.status).filter((s) => s >= 400))].sort(),
      source: { language: source.language, repo: source.repo, path: source.path, commit: source.commit, recordedHosts: [...hosts] },
      notes,
      interactions,
    },
    package: pkg?.[0],
  };
}

function main() {
  const [rawDir, outDir] = process.argv.slice(2);
  if (!rawDir || !outDir) {
    console.error('usage: convert.mjs RAW_DIR OUT_DIR');
    process.exit(2);
  }
  const sources = JSON.parse(fs.readFileSync(path.join(rawDir, 'sources.json'), 'utf8'));
  let kept = 0;
  let count = 0;
  for (const s of sources) {
    let raw;
    try {
      raw = JSON.parse(fs.readFileSync(path.join(rawDir, s.file), 'utf8'));
    } catch (err) {
      console.log(`skip ${s.file}: ${err.message}`);
      continue;
    }
    const out = convert(raw, s);
    if (out.skipped) {
      console.log(`skip ${s.path}: ${out.skipped}`);
      continue;
    }
    const dir = path.join(outDir, LANG_PREFIX[s.language] ?? s.language);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${out.session.name}.json`), JSON.stringify(out.session, null, 1) + '\n');
    kept++;
    count += out.session.interactions.length;
  }
  console.log(`${kept} sessions, ${count} interactions written to ${outDir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
