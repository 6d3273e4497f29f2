/**
 * The bare baselines: a plain fastify HTTPS server per scenario, in its own process, doing the minimum the
 * scenario's work needs (parse the same request, return a body of the same size, sign with node:crypto) and
 * nothing Kyanite does besides (no auth hook, no vault lookup, no store, no request log).
 *
 *   node dist/bench/baseline.js --scenario get --cert leaf+ca.pem --key key.pem [--sample sample.json]
 *
 * It prints `https://localhost:PORT (listening ...` like Kyanite's banner, so the runner starts both the same way.
 * The certificate is a leaf of Kyanite's own CA with the same P-256 key type, so TLS costs the same on both sides.
 */
import {
  constants,
  generateKeyPair,
  generateKeyPairSync,
  privateEncrypt,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs, promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';

/** What the runner hands over: bodies captured from Kyanite, so both sides send the same number of bytes. */
export interface BaselineSample {
  /** A secret bundle as Kyanite returned it (GET, SET, cold start). */
  secret?: Record<string, unknown>;
  /** One item of Kyanite's secret list, and how many items the list holds. */
  listItem?: { id: string; attributes: Record<string, unknown> };
  listCount?: number;
  /** The kid Kyanite put in its sign responses. */
  kid?: string;
}

export type BaselineScenario = 'get' | 'set' | 'rs256' | 'es256' | 'create' | 'coldstart' | 'memory' | 'list' | 'sdk';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    sample: { type: 'string' },
  },
});
const scenario = values.scenario as BaselineScenario;
/** From --sample, or sent by the runner over IPC once Kyanite has answered (the baseline starts meanwhile). */
let sample: BaselineSample = values.sample ? (JSON.parse(fs.readFileSync(values.sample, 'utf8')) as BaselineSample) : {};
const onSample: Array<() => void> = [];
process.on('message', (m: { sample?: BaselineSample }) => {
  if (!m.sample) return;
  sample = m.sample;
  for (const f of onSample) f();
  process.send?.({ ack: true });
});

/** DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): PKCS#1 v1.5 signs DigestInfo || digest. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface SecretBody {
  value: string;
}
interface SignBody {
  alg: string;
  value: string;
}
interface StoredVersion {
  value: string;
  version: string;
  created: number;
}

const attributes = (created: number) => ({
  enabled: true,
  created,
  updated: created,
  recoveryLevel: 'Recoverable+Purgeable',
  recoverableDays: 90,
});

/** A tiny versioned map, the least a server must keep to answer set/get like a vault would. */
function secretStore() {
  const names = new Map<string, StoredVersion[]>();
  return {
    set(name: string, value: string): StoredVersion {
      const v = { value, version: randomUUID().replaceAll('-', ''), created: Math.floor(Date.now() / 1000) };
      const versions = names.get(name);
      if (versions) versions.push(v);
      else names.set(name, [v]);
      return v;
    },
    get(name: string, version?: string): StoredVersion | undefined {
      const versions = names.get(name);
      if (!versions) return undefined;
      return version ? versions.find((v) => v.version === version) : versions[versions.length - 1];
    },
  };
}

const render = (origin: string, name: string, v: StoredVersion) => ({
  value: v.value,
  id: `${origin}/secrets/${name}/${v.version}`,
  attributes: attributes(v.created),
});

function routes(app: FastifyInstance): void {
  switch (scenario) {
    case 'get':
      app.get('/secrets/:name/:version?', async () => sample.secret);
      return;
    case 'set':
      // Same path and method as Kyanite, so the load generator sends byte-identical requests to both.
      app.put<{ Body: SecretBody }>('/secrets/:name', async (req) => ({ ...sample.secret, value: req.body.value }));
      return;
    case 'rs256': {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      app.post<{ Body: SignBody }>('/keys/:name/:version/sign', async (req) => {
        const digest = Buffer.from(req.body.value, 'base64url');
        const signature = privateEncrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
          Buffer.concat([SHA256_DIGEST_INFO, digest]),
        );
        return { kid: sample.kid, value: signature.toString('base64url') };
      });
      return;
    }
    case 'es256': {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      app.post<{ Body: SignBody }>('/keys/:name/:version/sign', async (req) => {
        // Node's native ES256 hashes its input again: the ceiling the issue compares with, not a digest signer.
        const signature = sign('sha256', Buffer.from(req.body.value, 'base64url'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
        return { kid: sample.kid, value: signature.toString('base64url') };
      });
      return;
    }
    case 'create': {
      const generate = promisify(generateKeyPair) as (
        type: 'rsa',
        options: { modulusLength: number },
      ) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
      app.post<{ Params: { name: string } }>('/keys/:name/create', async (req) => {
        const { publicKey } = await generate('rsa', { modulusLength: 2048 });
        const jwk = publicKey.export({ format: 'jwk' });
        const created = Math.floor(Date.now() / 1000);
        return {
          key: {
            kid: `https://${req.headers.host}/keys/${req.params.name}/${randomUUID().replaceAll('-', '')}`,
            kty: 'RSA',
            key_ops: ['sign', 'verify', 'encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
            n: jwk.n,
            e: jwk.e,
          },
          attributes: attributes(created),
        };
      });
      return;
    }
    case 'coldstart':
      app.get('/_kyanite/health', async () => ({ status: 'ok' }));
      app.get('/secrets/:name/:version?', async () => sample.secret);
      return;
    case 'memory': {
      const store = secretStore();
      app.put<{ Params: { name: string }; Body: SecretBody }>('/secrets/:name', async (req) =>
        render(`https://${req.headers.host}`, req.params.name, store.set(req.params.name, req.body.value)),
      );
      return;
    }
    case 'list': {
      let items: Array<{ id: string; attributes: Record<string, unknown> }> = [];
      const build = () => {
        const item = sample.listItem;
        if (!item) return;
        const names = Array.from({ length: sample.listCount ?? 0 }, (_, i) => `list-${String(i).padStart(5, '0')}`).sort();
        items = names.map((name) => ({ ...item, id: item.id.replace(/[^/]+$/, name) }));
      };
      build();
      onSample.push(build);
      app.get<{ Querystring: { maxresults?: string; $skiptoken?: string } }>('/secrets', async (req) => {
        const size = Number(req.query.maxresults ?? 25);
        const start = req.query.$skiptoken ? Number(Buffer.from(req.query.$skiptoken, 'base64url').toString()) : 0;
        const end = start + size;
        const q = new URLSearchParams({ 'api-version': '7.5', $skiptoken: Buffer.from(String(end)).toString('base64url'), maxresults: String(size) });
        return { value: items.slice(start, end), nextLink: end < items.length ? `https://${req.headers.host}/secrets?${q.toString()}` : null };
      });
      return;
    }
    case 'sdk': {
      const store = secretStore();
      // The SDKs send their first request without a token and expect this challenge, as from the service.
      app.addHook('onRequest', async (req, reply) => {
        if (!req.headers.authorization) {
          return reply
            .code(401)
            .header('www-authenticate', `Bearer authorization="https://${req.headers.host}", resource="https://vault.azure.net"`)
            .send({ error: { code: 'Unauthorized', message: 'token required' } });
        }
        return undefined;
      });
      app.put<{ Params: { name: string }; Body: SecretBody }>('/secrets/:name', async (req) =>
        render(`https://${req.headers.host}`, req.params.name, store.set(req.params.name, req.body.value)),
      );
      app.get<{ Params: { name: string; version?: string } }>('/secrets/:name/:version?', async (req, reply) => {
        const v = store.get(req.params.name, req.params.version || undefined);
        if (!v) return reply.code(404).send({ error: { code: 'SecretNotFound', message: 'not found' } });
        return render(`https://${req.headers.host}`, req.params.name, v);
      });
      return;
    }
    default:
      throw new Error(`unknown baseline scenario '${String(scenario)}'`);
  }
}

async function main(): Promise<void> {
  const app = Fastify({
    logger: false,
    https: { cert: fs.readFileSync(values.cert!, 'utf8'), key: fs.readFileSync(values.key!, 'utf8') },
  });
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  process.stdout.write(`baseline ${scenario} on https://localhost:${port} (listening on 127.0.0.1:${port})\n`);
  // An IPC channel (the runner's) would keep the process alive after close: exit explicitly.
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
