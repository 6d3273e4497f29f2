/** A keep-alive HTTPS client for set-up calls and the sequential scenarios (key creates, cold start, lists). */
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** Every name resolves to 127.0.0.1: the bench only ever talks to loopback. */
export const loopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export const newAgent = (caPem: string, keepAlive = true): https.Agent =>
  new https.Agent({ ca: caPem, keepAlive, lookup: loopback, maxSockets: 64 });

export interface Answer {
  status: number;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export const AUTH = { authorization: 'Bearer x' };

export function call(agent: https.Agent, method: string, url: string, body?: unknown, timeoutMs = 60_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      url,
      {
        method,
        agent,
        headers: { ...AUTH, ...(payload !== undefined && { 'content-type': 'application/json' }) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like call, but anything other than 2xx is an error: set-up must not silently measure failures. */
export async function callOk(agent: https.Agent, method: string, url: string, body?: unknown): Promise<Answer> {
  const answer = await call(agent, method, url, body);
  if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${url} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer;
}
