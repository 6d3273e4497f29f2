import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../domain/errors.js';
import { challengeHeader, parseHost } from './hosts.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bearer token of an authenticated request. */
    bearer: string;
  }
}

/** Decides whether a bearer token may proceed; throws a KeyVaultError (401/403) when not. */
export type TokenCheck = (token: string, request: FastifyRequest) => void;

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * onRequest for the data plane. It runs before the body is read: the SDKs' first request of each client comes
 * without a token (and with its body stripped), and must get the 401 challenge, never a result.
 */
export function createAuthHook(check?: TokenCheck) {
  return function authenticate(request: FastifyRequest): void {
    const header = request.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) throw unauthorized(challengeHeader(parseHost(request.headers.host)));
    request.bearer = match[1]!;
    check?.(request.bearer, request);
  };
}
