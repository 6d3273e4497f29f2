import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/**
 * pino options. Bodies are never logged (they carry secret values and key material) and the default request
 * serializer logs no headers; the redact list is a second guard for anything that logs a request or a header.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-identity-header"]',
        'req.headers.secret',
        'headers.authorization',
        'authorization',
        'value',
        'body',
        'client_secret',
        'access_token',
      ],
      censor: '[redacted]',
    },
  };
}

/** Levels at which request lines are written. */
const LOGS_INFO = new Set(['trace', 'debug', 'info']);

/** One line per request, written when the response has gone. */
export function logRequest(
  log: FastifyBaseLogger,
  request: { method: string; url: string; id: string },
  status: number,
  ms: number,
): void {
  // Checked first so that a quiet server (--log-level warn) builds no log object per request.
  if (!LOGS_INFO.has(log.level)) return;
  log.info({ method: request.method, url: request.url.split('?')[0], status, ms: Math.round(ms * 10) / 10 }, 'request');
}
