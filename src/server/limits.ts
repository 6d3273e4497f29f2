import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeyVaultError } from '../domain/errors.js';
import { sendError } from './errors.js';

/**
 * Connection-level limits of the HTTP server, and the answer a client gets when it breaks one before any route runs.
 * The body limit lives in app.ts (BODY_LIMIT) because Fastify enforces it per route; docs/reliability.md lists all.
 */
export interface ServerLimits {
  /** Milliseconds a client has to send the complete request head (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Milliseconds a client has to send the complete request, head and body (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** Open connections at most; further connections are closed before TLS (Node's maxConnections). */
  maxConnections: number;
}

/** The request body limit: a 25 KiB secret, a PFX or a key import fit many times over. */
export const BODY_LIMIT = 1024 * 1024;

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  maxConnections: 1000,
};

/**
 * How often Node looks for connections past their timeouts. Its default of 30 s would let a 1 s timeout fire after
 * 31 s; walking the connection list once a second costs next to nothing at maxConnections = 1000.
 */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

/** Options that Node reads only when the server is created (http.createServer / https.createServer). */
export function serverCreationOptions(limits: ServerLimits): http.ServerOptions {
  return {
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_INTERVAL_MS, limits.headersTimeoutMs, limits.requestTimeoutMs),
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
}

/**
 * TLS options that bound the handshake. Node's default of 120 s let plain TCP connections that never start TLS hold
 * a connection slot each for two minutes; the handshake is part of getting the request head in, so it gets the
 * same time as the head.
 */
export function tlsCreationOptions(limits: ServerLimits): { handshakeTimeout: number } {
  return { handshakeTimeout: limits.headersTimeoutMs };
}

/** Applies the limits that Fastify would otherwise overwrite after creating the server (it sets requestTimeout). */
export function applyServerLimits(server: http.Server, limits: ServerLimits, log: FastifyBaseLogger): void {
  // Node requires headersTimeout <= requestTimeout when both are set.
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  server.maxConnections = limits.maxConnections;
  // One warning per burst, not one per refused socket: a client stuck in a reconnect loop must not flood the log.
  let dropped = 0;
  let warnedAt = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - warnedAt < 10_000) return;
    warnedAt = now;
    log.warn({ dropped, maxConnections: limits.maxConnections }, 'connection refused: --max-connections reached');
    dropped = 0;
  });
}

/** The status and error of a request that never reached the router. */
function classify(err: NodeJS.ErrnoException): KeyVaultError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new KeyVaultError(408, 'RequestTimeout', 'The request was not received in full within the time allowed.');
    case 'HPE_HEADER_OVERFLOW':
      return new KeyVaultError(431, 'RequestHeaderFieldsTooLarge', 'The request line and headers exceed 16 KiB.');
    default:
      return new KeyVaultError(400, 'BadRequest', `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).`);
  }
}

/** Errors of Node's HTTP layer, raised once TLS is up: the only ones that an HTTP answer can reach the client for. */
const isHttpError = (err: NodeJS.ErrnoException): boolean =>
  err.code !== undefined && (err.code.startsWith('HPE_') || err.code === 'ERR_HTTP_REQUEST_TIMEOUT');

/**
 * Fastify's clientErrorHandler: Node's parser refused the request (malformed head, headers too large, timeout). The
 * answer is written on the raw socket in the service's error shape, then the connection is closed, since the parser
 * cannot resynchronise on it.
 *
 * The https server also routes TLS failures here (a handshake that timed out or failed, a client speaking plain
 * HTTP). Such a socket has no TLS session to carry an answer: a write on it never completes, so end() would never
 * finish and the socket would hold its connection slot for good (CLOSE-WAIT once the client gives up). Those, and
 * any error that is not the HTTP parser's, are destroyed at once.
 */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.destroyed) return;
  if (!isHttpError(err)) {
    socket.destroy();
    return;
  }
  const known = classify(err);
  this.log.info({ status: known.status, code: err.code }, 'request refused by the HTTP parser');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(known.toBody());
  // end() flushes the answer before closing (destroy() right after write() can drop it on a TLS socket).
  socket.end(
    `HTTP/1.1 ${known.status} ${http.STATUS_CODES[known.status] ?? 'Error'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Node keeps the first of several Host headers and drops the rest; RFC 9112 §3.2 says to refuse such a request,
 * since a proxy in front may have routed on another one. Kyanite picks the vault from Host, so it refuses too.
 */
export function rejectAmbiguousHost(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    let hosts = 0;
    const raw = request.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
    done(hosts > 1 ? new KeyVaultError(400, 'BadRequest', 'The request has more than one Host header.') : undefined);
  });
}

/**
 * Fastify's frameworkErrors: URLs the router cannot take apart (a bad percent escape, a segment over maxParamLength).
 * Without this hook Fastify answers them in its own shape ({"error":"Bad Request","code":"FST_ERR_BAD_URL"}).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const why =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than 2048 characters'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'it has an invalid percent-encoding'
        : error.message;
  const path = request.raw.url ?? '';
  request.log.info({ code: error.code }, 'request refused by the router');
  void sendError(reply, new KeyVaultError(400, 'BadParameter', `The URL ${JSON.stringify(path.length > 100 ? `${path.slice(0, 100)}…` : path)} is not valid: ${why}.`));
}
