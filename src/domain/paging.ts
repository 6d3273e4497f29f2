import { badParameter } from './errors.js';

/** maxresults as the service takes it: an integer from 1 to 25, 25 when absent. */
export function parseMaxResults(raw: unknown): number {
  if (raw === undefined || raw === '') return 25;
  const text = String(raw);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 25) {
    throw badParameter(`Invalid maxresults '${text}': maxresults must be an integer from 1 to 25.`);
  }
  return n;
}

/** Skip tokens are opaque to clients: base64url JSON of where the last page ended. */
export function encodeSkipToken(position: string | number): string {
  return Buffer.from(JSON.stringify({ p: position }), 'utf8').toString('base64url');
}

export function decodeSkipToken<T extends string | number>(raw: unknown, type: 'string' | 'number'): T | null {
  if (raw === undefined || raw === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof parsed.p === type) return parsed.p as T;
  } catch {
    // fall through to the error below
  }
  throw badParameter('The $skiptoken is invalid: pass the nextLink of a previous page unchanged.');
}

export interface Page<T> {
  items: T[];
  /** The skip token of the next page, or null on the last page. */
  next: string | null;
}
