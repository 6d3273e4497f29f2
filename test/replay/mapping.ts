import { isObject, type Interaction, type Json } from './recordings.js';

/**
 * What a recorded session's values become in this run: object names (made unique per run), versions and other
 * server-generated values (learned from Kyanite's own answers), and the vault host.
 */

const VERSION = /^[0-9a-f]{32}$/;

/** Second path segments that are operations, not object names. */
const RESERVED = new Set(['restore', 'contacts', 'issuers', 'import']);
const NAMED_COLLECTIONS = new Set(['secrets', 'keys', 'certificates', 'deletedsecrets', 'deletedkeys', 'deletedcertificates']);

/** Positions of object names in a path's segments (['keys', NAME, VERSION, 'sign'] → [1]). */
function namePositions(segments: string[]): number[] {
  const [collection, second] = segments;
  if (!collection || !NAMED_COLLECTIONS.has(collection) || second === undefined || second === '') return [];
  if (collection === 'certificates' && second === 'issuers') return segments.length > 2 ? [2] : [];
  if (RESERVED.has(second) && segments.length === 2) return [];
  return [1];
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface ExpectedId {
  /** The id as Kyanite should write it, with <version> where the version is not known yet. */
  text: string;
  pattern: RegExp;
  /** Recorded versions not yet mapped, in the order of the pattern's groups. */
  unknown: string[];
}

export class SessionMap {
  readonly names = new Map<string, string>();
  readonly versions = new Map<string, string>();
  /** Recorded server-generated value → Kyanite's value at the same place of the same answer. */
  readonly values = new Map<string, string>();
  private readonly hosts: Set<string>;

  /**
   * `authority` is Kyanite's host:port for the session's vault; `others` maps a recorded vault host to another of
   * Kyanite's vaults, for sessions that used two vaults (their ids name each).
   */
  constructor(
    recordedHosts: string[],
    readonly authority: string,
    private readonly suffix: string,
    private readonly others: Map<string, string> = new Map(),
  ) {
    this.hosts = new Set(recordedHosts.map((h) => h.toLowerCase()));
  }

  private authorityOf(recordedHost: string): string {
    return this.others.get(recordedHost.toLowerCase()) ?? this.authority;
  }

  /** Every object name a session addresses gets a fresh name for this run. */
  collectNames(interactions: Interaction[]): void {
    for (const i of interactions) {
      const segments = i.path.split('/').slice(1);
      for (const at of namePositions(segments)) this.nameFor(segments[at]!);
    }
  }

  private nameFor(recorded: string): string {
    let name = this.names.get(recorded);
    if (!name) {
      name = `${recorded}${recorded.endsWith('-') ? '' : '-'}${this.suffix}`;
      this.names.set(recorded, name);
    }
    return name;
  }

  /** Path segments with names and known versions translated. */
  private mapSegments(segments: string[]): string[] {
    const names = namePositions(segments);
    return segments.map((s, at) => {
      if (names.includes(at)) return this.names.get(s) ?? s;
      return this.versions.get(s) ?? s;
    });
  }

  mapPath(path: string): string {
    return '/' + this.mapSegments(path.split('/').slice(1)).join('/');
  }

  /** A recorded vault URL (https://<recorded host>/...) or undefined when the text is not one. */
  private parseRecordedUrl(text: string): { host: string; segments: string[]; rest: string } | undefined {
    const m = /^https:\/\/([^/?#]+)(\/[^?#]*)?(.*)$/i.exec(text);
    if (!m || !this.hosts.has(m[1]!.toLowerCase())) return undefined;
    return { host: m[1]!, segments: (m[2] ?? '/').split('/').slice(1), rest: m[3] ?? '' };
  }

  isRecordedUrl(text: string): boolean {
    return this.parseRecordedUrl(text) !== undefined;
  }

  /** What Kyanite should answer for a recorded id: its host, the run's names, the versions it gave earlier. */
  expectedId(recorded: string): ExpectedId | undefined {
    const url = this.parseRecordedUrl(recorded);
    if (!url) return undefined;
    const names = namePositions(url.segments);
    const unknown: string[] = [];
    const text: string[] = [];
    const pattern: string[] = [];
    url.segments.forEach((s, at) => {
      if (names.includes(at)) {
        const n = this.names.get(s) ?? s;
        text.push(n);
        pattern.push(escapeRegex(n));
      } else if (VERSION.test(s) && !this.versions.has(s)) {
        unknown.push(s);
        text.push('<32 hex>');
        pattern.push('([0-9a-f]{32})');
      } else {
        const v = this.versions.get(s) ?? s;
        text.push(v);
        pattern.push(escapeRegex(v));
      }
    });
    const base = `https://${this.authorityOf(url.host)}/`;
    return {
      text: base + text.join('/'),
      // Names match case-insensitively in Key Vault, but ids keep the spelling: compare exactly.
      pattern: new RegExp(`^${escapeRegex(base)}${pattern.join('/')}$`),
      unknown,
    };
  }

  /** Checks Kyanite's id against a recorded one; learns versions seen for the first time. Returns a problem or undefined. */
  checkId(recorded: string, actual: string, where: string): string | undefined {
    const expected = this.expectedId(recorded.split('?')[0]!);
    if (!expected) return undefined;
    const m = expected.pattern.exec(actual.split('?')[0]!);
    if (!m) return `${where}: expected ${expected.text}, got ${actual}`;
    expected.unknown.forEach((v, n) => this.versions.set(v, m[n + 1]!));
    return undefined;
  }

  /** Remembers a server-generated value (a backup blob, signature, ciphertext, CSR...) the first time it is seen. */
  learn(recorded: string, actual: string): void {
    if (recorded !== actual && !this.values.has(recorded)) this.values.set(recorded, actual);
  }

  /** A recorded string as it must be sent in this run. */
  mapString(s: string): string {
    const known = this.values.get(s);
    if (known !== undefined) return known;
    if (this.isRecordedUrl(s)) {
      const url = this.parseRecordedUrl(s)!;
      return `https://${this.authorityOf(url.host)}/${this.mapSegments(url.segments).join('/')}${url.rest}`;
    }
    return this.names.get(s) ?? s;
  }

  mapBody(body: Json): Json {
    if (typeof body === 'string') return this.mapString(body);
    if (Array.isArray(body)) return body.map((v) => this.mapBody(v));
    if (isObject(body)) return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, this.mapBody(v)]));
    return body;
  }

  /** Free text (an error message) with recorded names and ids translated, for a like-for-like comparison. */
  mapText(text: string): string {
    let out = text.replace(/https:\/\/[^\s'"]+/g, (url) => {
      const trail = /[.,;:)]+$/.exec(url)?.[0] ?? '';
      const bare = trail ? url.slice(0, -trail.length) : url;
      const expected = this.expectedId(bare);
      return expected ? expected.text + trail : url;
    });
    const names = [...this.names.keys()].sort((a, b) => b.length - a.length);
    for (const n of names) {
      out = out.replace(new RegExp(`(?<![A-Za-z0-9-])${escapeRegex(n)}(?![A-Za-z0-9-])`, 'g'), this.names.get(n)!);
    }
    return out;
  }
}
