import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built `kyanite` command as a child process on 127.0.0.1, for the tests that must kill it, read its logs or
 * measure its memory. It runs the bundle that `npm start` and the container run, so it needs `npm run build` first.
 */
export const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/kyanite.mjs');

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export interface Child {
  proc: ChildProcess;
  port: number;
  dataDir: string;
  agent: https.Agent;
  /** Everything the child wrote so far. */
  stdout(): string;
  stderr(): string;
  request(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Resident set size of the child, from /proc (Linux only). */
  rssBytes(): number | undefined;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export async function startChild(dataDir: string, args: string[] = [], logLevel = 'warn'): Promise<Child> {
  const proc = spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', dataDir, '--log-level', logLevel, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kyanite did not start: ${out}${err}`)), 30_000);
    const look = () => {
      const m = /serving Azure Key Vault on https:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', look);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kyanite exited with ${code}: ${out}${err}`));
    });
  });
  const agent = new https.Agent({ ca: fs.readFileSync(path.join(dataDir, 'tls', 'ca.pem')), keepAlive: true, maxSockets: 32 });
  return {
    proc,
    port,
    dataDir,
    agent,
    stdout: () => out,
    stderr: () => err,
    request: (method, urlPath, body, headers = {}) => send(port, agent, method, urlPath, body, headers),
    rssBytes() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async kill(signal = 'SIGTERM') {
      agent.destroy();
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill(signal);
      await exited;
    },
  };
}

/** One HTTPS request; a string body is sent as is, anything else as JSON. Bearer token and api-version 7.5 by default. */
export function send(
  port: number,
  agent: https.Agent,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const withVersion = urlPath.includes('api-version=') ? urlPath : `${urlPath}${urlPath.includes('?') ? '&' : '?'}api-version=7.5`;
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        method,
        path: withVersion,
        agent,
        headers: {
          authorization: 'Bearer x',
          host: `localhost:${port}`,
          ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...headers,
        },
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}
