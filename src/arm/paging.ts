import type { FastifyRequest } from 'fastify';
import { queryValue } from './checks.js';
import { badRequest } from './errors.js';
import { originOf } from './ids.js';

export interface ArmPage<T> {
  value: T[];
  nextLink?: string;
}

/**
 * One page of an ARM list. `$top` sets the page size (everything when absent); the nextLink repeats the request
 * with an opaque `$skiptoken`, the offset of the next page.
 */
export function pageOf<T>(request: FastifyRequest, items: readonly T[]): ArmPage<T> {
  const topText = queryValue(request, '$top');
  const top = topText === undefined ? undefined : Number(topText);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) throw badRequest(`The value of $top ('${topText}') must be a positive integer.`);
  const token = queryValue(request, '$skiptoken');
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0) throw badRequest(`The $skiptoken '${token}' is not valid.`);
  const end = top === undefined ? items.length : start + top;
  const page: ArmPage<T> = { value: items.slice(start, end) };
  if (end < items.length) {
    const url = new URL(request.url, originOf(request));
    url.searchParams.set('$skiptoken', Buffer.from(String(end)).toString('base64url'));
    // ARM writes $top and $skiptoken with a literal '$'.
    page.nextLink = url.toString().replace(/%24/g, '$');
  }
  return page;
}
