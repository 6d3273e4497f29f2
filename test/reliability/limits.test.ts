import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { send } from './child.js';

/** The server's limits with small values, over real HTTPS: what a client sees when it breaks each one. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ headersTimeoutMs: 1000, requestTimeoutMs: 2000, maxConnections: 5 });
});
afterAll(async () => ts.stop());

function connect(): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: ts.port, servername: 'localhost', ca: ts.caPem });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `text`, then waits for the server to answer and close; returns what came back and how long it took. */
async function stall(text: string): Promise<{ status: number; body: any; ms: number }> {
  const s = await connect();
  const started = Date.now();
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  s.write(text);
  await new Promise((resolve) => s.once('close', resolve));
  const all = Buffer.concat(chunks).toString();
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(all)?.[1] ?? 0),
    body: JSON.parse(all.slice(all.indexOf('\r\n\r\n') + 4) || 'null'),
    ms: Date.now() - started,
  };
}

describe('limits', () => {
  it('refuses a body over 1 MiB with 413 RequestEntityTooLarge', async () => {
    const res = await send(ts.port, ts.agent, 'PUT', '/secrets/big', { value: 'x'.repeat(1100 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json().error.code).toBe('RequestEntityTooLarge');
    // The route's real limit, not a number fished out of Fastify's message (which has none: it said "0 bytes").
    expect(res.json().error.message).toBe('The request body exceeds the limit of 1048576 bytes.');
  });

  const timeouts: Array<[string, number, string]> = [
    ['the head', 1000, 'GET /secrets/slow?api-version=7.5 HTTP/1.1\r\nHost: localhost\r\n'],
    [
      'the body',
      2000,
      'PUT /secrets/slow?api-version=7.5 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer x\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"value":',
    ],
  ];
  it.each(timeouts)('answers 408 RequestTimeout in the error shape when %s does not arrive within %i ms', async (what, limitMs, text) => {
    const res = await stall(text);
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe('RequestTimeout');
    // Node checks for overdue requests once a second (connectionsCheckingInterval), hence the slack.
    expect(res.ms).toBeGreaterThanOrEqual(limitMs - 100);
    expect(res.ms).toBeLessThan(limitMs + 3000);
    console.log(`[limits] ${what} not sent within ${limitMs} ms: 408 RequestTimeout after ${res.ms} ms`);
  });

  it('closes connections beyond maxConnections before the TLS handshake, and accepts again once one closes', async () => {
    // The test agent may hold keep-alive sockets; drop them so the count is ours.
    ts.agent.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const open = await Promise.all(Array.from({ length: 5 }, () => connect()));
    await expect(connect()).rejects.toThrow(/ECONNRESET|socket disconnected|socket hang up|EPIPE/i);
    open.pop()!.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const again = await connect();
    again.destroy();
    for (const s of open) s.destroy();
    console.log('[limits] maxConnections 5: the 6th connection was closed before TLS; after one closed, a new one was accepted');
  });

  it('gives every slot back when clients never finish the TLS handshake (destroyed, not left in CLOSE-WAIT)', async () => {
    ts.agent.destroy();
    await new Promise((r) => setTimeout(r, 100));
    // Fill every slot with plain TCP connections that never start TLS: the handshake timeout (bound by the 1 s
    // headers timeout) must close each of them on the server's side.
    const idle = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: ts.port }, () => resolve(s));
        s.once('error', reject);
      })),
    );
    const started = Date.now();
    const closedByServer = await Promise.all(
      idle.map((s) => new Promise<number>((resolve) => {
        s.on('data', () => undefined);
        s.once('close', () => resolve(Date.now() - started));
      })),
    );
    expect(Math.max(...closedByServer)).toBeLessThan(5000);
    // The server holds none of them any more, and a real client gets in at once.
    const count = await new Promise<number>((resolve, reject) => ts.k.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(count).toBe(0);
    const res = await send(ts.port, ts.agent, 'GET', '/_kyanite/health');
    expect(res.status).toBe(200);
    console.log(`[limits] 5 idle plain-TCP connections closed by the server after ${Math.max(...closedByServer)} ms; slots free again`);
  }, 20_000);

  it('closes a client that speaks plain HTTP to the TLS port at once, without holding its slot', async () => {
    const s = net.connect({ host: '127.0.0.1', port: ts.port });
    await new Promise((r) => s.once('connect', r));
    const started = Date.now();
    s.on('data', () => undefined);
    s.write('GET /_kyanite/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    expect(Date.now() - started).toBeLessThan(900);
  });
});
