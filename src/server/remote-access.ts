import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeyVaultError } from '../domain/errors.js';
import { sendError } from './errors.js';

/**
 * Who may reach Kyanite from where. Kyanite's default, --auth any, accepts every bearer token: right for one
 * developer's machine, where only local programs reach 127.0.0.1, and a hole anywhere else. So, as Redis does in
 * its protected mode, a Kyanite that listens beyond loopback with --auth any answers loopback clients only, until
 * the user says with --allow-remote that everyone who can reach the address may read everything. The admin routes
 * (/_kyanite/*: export, clock, and any to come) answer loopback clients only, whatever the flags.
 */

/** 127.0.0.0/8, ::1, and the IPv4-mapped form of the former (a dual-stack socket reports ::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** Whether a listen address (--host) reaches loopback clients only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || isLoopbackAddress(h);
}

export interface RemoteAccessSettings {
  host: string;
  auth: 'any' | 'strict';
  allowRemote?: boolean;
}

/** Protected mode: --auth any on an address other clients can reach, without --allow-remote. */
export const inProtectedMode = (s: RemoteAccessSettings): boolean => s.auth === 'any' && !isLoopbackHost(s.host) && !s.allowRemote;

/** The start-up warning for the two risky settings, or undefined when there is nothing to warn about. */
export function remoteAccessWarning(s: RemoteAccessSettings): string | undefined {
  if (s.auth !== 'any' || isLoopbackHost(s.host)) return undefined;
  if (!s.allowRemote) {
    return (
      `Protected mode: Kyanite listens on ${s.host} with --auth any, so it answers loopback clients only (others get 403). ` +
      'To serve other hosts, use --auth strict, or --allow-remote (KYANITE_ALLOW_REMOTE=true) if everyone who can ' +
      'reach this address may read every secret and key.'
    );
  }
  return `--allow-remote with --auth any on ${s.host}: every client that reaches this address can read every secret and key.`;
}

const protectedModeRefusal = (host: string): KeyVaultError =>
  new KeyVaultError(
    403,
    'Forbidden',
    `Kyanite is in protected mode: it listens on ${host} with --auth any, where any client could read every secret ` +
      'and key, so it answers loopback clients only. Start it with --auth strict to check tokens against access ' +
      'policies, or with --allow-remote (KYANITE_ALLOW_REMOTE=true) if every client that can reach it is trusted.',
  );

/**
 * Protected mode's hook: first of all on every request, so no plane answers a remote client anything else. It
 * answers itself rather than passing the error on, so the refusal has Key Vault's shape on every plane (the token
 * service would render an error in its own).
 */
export function registerProtectedMode(app: FastifyInstance, host: string): void {
  const refusal = protectedModeRefusal(host);
  app.addHook('onRequest', (request, reply, done) => {
    if (isLoopbackAddress(request.socket.remoteAddress)) return done();
    request.log.info({ remoteAddress: request.socket.remoteAddress }, 'refused: protected mode');
    void sendError(reply, refusal);
  });
}

/** The admin routes' rule: loopback clients only, whatever the flags. */
export function requireLoopbackClient(request: FastifyRequest): void {
  if (isLoopbackAddress(request.socket.remoteAddress)) return;
  throw new KeyVaultError(
    403,
    'Forbidden',
    "Kyanite's admin routes (/_kyanite/...) answer clients on this machine (loopback) only.",
  );
}
