import type { FastifyRequest } from 'fastify';
import { KeyVaultError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiVersion: string;
  }
}

/** Every published data-plane version, stable and preview, as clients send them. */
export const DATA_PLANE_VERSIONS: readonly string[] = [
  '2015-06-01', '2016-10-01',
  '7.0', '7.0-preview', '7.1', '7.1-preview', '7.2', '7.2-preview', '7.3', '7.3-preview', '7.4', '7.4-preview.1',
  '7.5', '7.5-preview.1', '7.6', '7.6-preview.1', '7.6-preview.2',
  '2025-06-01-preview', '2025-07-01', '2026-01-01-preview', '2026-03-01-preview', '2026-04-01',
  '2026-05-01-preview', '2026-07-01-preview',
];
export const LATEST_DATA_PLANE_VERSION = '2026-04-01';

const known = new Set(DATA_PLANE_VERSIONS);

/** onRequest: the data plane requires a known api-version (checked after the auth challenge, as the service does). */
export function checkDataPlaneApiVersion(request: FastifyRequest): void {
  const raw = (request.query as Record<string, unknown>)['api-version'];
  const version = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (typeof version !== 'string' || version === '') {
    throw new KeyVaultError(400, 'BadParameter', 'The api-version query parameter is missing: every request needs ?api-version=<version>.');
  }
  if (!known.has(version)) {
    throw new KeyVaultError(
      400,
      'BadParameter',
      `The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST_DATA_PLANE_VERSION}).`,
    );
  }
  request.apiVersion = version;
}

/** Compares two data-plane versions by release order ("7.1" < "7.3-preview" < "2025-07-01"). */
export function versionAtLeast(version: string, minimum: string): boolean {
  return releaseOrder(version) >= releaseOrder(minimum);
}

function computeReleaseOrder(v: string): number {
  const base = v.replace(/-preview.*$/, '');
  const rank = /^\d+\.\d+$/.test(base) ? 20170000 + Number(base) * 1000 : Number(base.replace(/-/g, '').slice(0, 8)) || 0;
  // 2015-06-01 and 2016-10-01 predate 7.0; the dated versions from 2025 follow 7.6.
  return v.startsWith('2015') || v.startsWith('2016') ? rank - 10_000_000 : rank;
}

// Rendering asks this on every response; the published versions are ranked once.
const publishedOrder = new Map(DATA_PLANE_VERSIONS.map((v) => [v, computeReleaseOrder(v)]));
const releaseOrder = (v: string): number => publishedOrder.get(v) ?? computeReleaseOrder(v);
