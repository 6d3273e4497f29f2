import https from 'node:https';
import type { Answer } from './compare.js';
import type { Json } from './recordings.js';

export interface Outgoing {
  /** https://NAME.vault.localhost:PORT */
  base: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: Json;
  /** False for recorded 401 challenges: the SDKs send their first request without a token. */
  authorize: boolean;
  /** The media type the client asked for, when not JSON (the CSR as PKCS#10). */
  accept?: string;
}

/** One request to Kyanite over real HTTPS through the test server's agent (its CA, every name on 127.0.0.1). */
export function send(agent: https.Agent, out: Outgoing): Promise<Answer> {
  const url = new URL(out.base + out.path);
  for (const [k, v] of Object.entries(out.query)) url.searchParams.set(k, v);
  const payload = out.body === null ? undefined : JSON.stringify(out.body);
  const headers: Record<string, string> = {};
  if (out.authorize) headers.authorization = 'Bearer replay';
  if (out.accept) headers.accept = out.accept;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    // The recorded path goes out byte for byte (a trailing slash means "latest version" to the service).
    const req = https.request({ protocol: 'https:', hostname: url.hostname, port: url.port, path: out.path + url.search, method: out.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Json | undefined;
        try {
          body = text.length > 0 ? (JSON.parse(text) as Json) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
