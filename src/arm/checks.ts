import type { FastifyRequest } from 'fastify';
import type { TokenCheck } from '../server/auth.js';
import { parseHost } from '../server/hosts.js';
import { acceptsVersion, KEYVAULT_VERSIONS, type VersionRule } from './api-versions.js';
import { authenticationMalformed, authenticationMissing, invalidApiVersion, missingApiVersion } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    armApiVersion: string;
  }
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The token service's address on the port the client used: where a 401 points. */
export const authorityOf = (request: FastifyRequest): string => {
  const { port } = parseHost(request.headers.host);
  return `https://localhost${port && port !== '443' ? `:${port}` : ''}/`;
};

/**
 * ARM needs a Bearer token on every request; it sends no challenge round as the vault hosts do (the management
 * clients send their token on the first request), so a missing header is simply AuthenticationFailed.
 */
export function requireBearer(request: FastifyRequest, check?: TokenCheck): void {
  const header = request.headers.authorization;
  if (!header) throw authenticationMissing(authorityOf(request));
  const match = BEARER.exec(header);
  if (!match) throw authenticationMalformed(authorityOf(request));
  request.bearer = match[1]!;
  check?.(request.bearer, request);
}

export function queryValue(request: FastifyRequest, name: string): string | undefined {
  const raw = (request.query as Record<string, unknown>)[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return typeof value === 'string' ? value : undefined;
}

export function requireApiVersion(request: FastifyRequest, rule: VersionRule): void {
  const version = queryValue(request, 'api-version');
  if (!version) throw missingApiVersion();
  if (!acceptsVersion(rule, version)) throw invalidApiVersion(version, rule === 'keyvault' ? KEYVAULT_VERSIONS : ['YYYY-MM-DD[-preview]']);
  request.armApiVersion = version;
}
