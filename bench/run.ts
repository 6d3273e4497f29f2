/**
 * `npm run bench`: Kyanite against a bare fastify baseline, scenario by scenario, in one run on one machine.
 *
 *   npm run bench                      full run; exits 1 when a target is missed (and says which)
 *   npm run bench -- --smoke           about a second per scenario with small counts (CI); targets are reported only
 *   npm run bench -- --only secret-get,sign-es256 --out /tmp/x.json
 *   BENCH_KYANITE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only secret-get
 *   node dist/bench/cpuprofile-top.js /tmp/prof/*.cpuprofile     (BENCH_BASELINE_NODE_ARGS profiles the baselines)
 *
 * Three kinds of process take part and never share one: Kyanite (`node dist/server/main.js`), the baseline
 * (`dist/bench/baseline.js`) and the client: autocannon in `dist/bench/load.js` for the throughput scenarios, this
 * runner itself for the sequential ones (key creates, cold start, paging, the SDK). Only one server is under load
 * at any moment: throughput, paging and SDK pairs are measured in alternating turns (Kyanite, baseline, baseline,
 * Kyanite, ...) while the other waits idle; key creates, cold starts and memory run one process after the other.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SecretClient } from '@azure/keyvault-secrets';
import type { BaselineSample, BaselineScenario } from './baseline.js';
import { call, callOk, newAgent } from './lib/client.js';
import { BASELINE_MAIN, KYANITE_MAIN, LoadWorker, ROOT, killAllOnExit, startProcess, waitQuiet, type ServerProcess } from './lib/proc.js';
import { SCENARIOS, type ScenarioInfo } from './lib/scenarios.js';
import { fmt, msSince, percentile, renderTable, round } from './lib/stats.js';
import type { LoadResult, LoadSpec } from './load.js';

// ---------------------------------------------------------------------------------------------------------------
// Settings

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const smoke = argv.includes('--smoke') || process.env['BENCH_SMOKE'] === '1';
const only = option('--only')?.split(',').map((s) => s.trim());
const outPath = path.resolve(option('--out') ?? process.env['BENCH_OUT'] ?? path.join(ROOT, 'bench/results/latest.json'));
/** Extra node flags for Kyanite only (profiling): split on spaces. */
const kyaniteNodeArgs = (process.env['BENCH_KYANITE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
/** The same for the baselines, to compare a profile of both sides. */
const baselineNodeArgs = (process.env['BENCH_BASELINE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

const FULL = {
  /** Throughput: turns per side (K,B / B,K / K,B ...) of loadSeconds each, after one warm-up per side. */
  rounds: 6,
  loadSeconds: 3,
  warmupSeconds: 2,
  creates: 20,
  /**
   * Before measuring, Kyanite must have been quiet (under 10% CPU) this long, waiting at most quietMaxMs: its RSA
   * pool fills in the background after start-up, which is one-time work and not what a turn measures.
   */
  quietMs: 1000,
  quietMaxMs: 20_000,
  coldRuns: 5,
  versions: 10_000,
  listCount: 1000,
  listRuns: 10,
  /** SDK: `rounds` turns per side of sdkSeconds each. */
  sdkSeconds: 2,
  sdkMaxPairs: 20_000,
};
const SMOKE: typeof FULL = {
  rounds: 1,
  loadSeconds: 1,
  warmupSeconds: 0.25,
  creates: 3,
  quietMs: 300,
  quietMaxMs: 1000,
  coldRuns: 1,
  versions: 500,
  listCount: 1000,
  listRuns: 1,
  sdkSeconds: 1,
  sdkMaxPairs: 2_000,
};
const cfg = smoke ? SMOKE : FULL;
const loadSeconds = Number(option('--seconds') ?? cfg.loadSeconds);

/** 256 characters: about a connection string, the kind of value test suites store. */
const SECRET_VALUE = 'k'.repeat(256);
const API = 'api-version=7.5';
const DIGEST = createHash('sha256').update('kyanite bench').digest().toString('base64url');

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Context {
  tmp: string;
  /** Data dir whose tls/ every Kyanite of the run reuses, so all of them present the same CA. */
  shared: string;
  caPem: string;
  agent: https.Agent;
  baselineCert: string;
  baselineKey: string;
  loader: LoadWorker;
}

let dirCount = 0;
function freshDir(ctx: Context, label: string): string {
  const dir = path.join(ctx.tmp, `${label}-${dirCount++}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.cpSync(path.join(ctx.shared, 'tls'), path.join(dir, 'tls'), { recursive: true });
  return dir;
}

function startKyanite(dataDir: string, inMemory: boolean): Promise<ServerProcess> {
  const args = ['--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(inMemory ? ['--in-memory'] : [])];
  return startProcess('kyanite', KYANITE_MAIN, args, { nodeArgs: kyaniteNodeArgs });
}

/** A baseline takes its sample over IPC (or, for cold starts, from a file it reads while starting). */
function startBaseline(ctx: Context, scenario: BaselineScenario, sample?: BaselineSample): Promise<ServerProcess> {
  const args = ['--scenario', scenario, '--cert', ctx.baselineCert, '--key', ctx.baselineKey];
  if (sample) {
    const file = path.join(ctx.tmp, `sample-${scenario}.json`);
    fs.writeFileSync(file, JSON.stringify(sample));
    args.push('--sample', file);
  }
  // No IPC channel where the sample comes from a file: a cold start should not pay for setting one up.
  return startProcess(`baseline ${scenario}`, BASELINE_MAIN, args, { nodeArgs: baselineNodeArgs, ipc: !sample });
}

const origin = (p: ServerProcess): string => `https://127.0.0.1:${p.port}`;

let loader: LoadWorker | undefined;
function load(spec: LoadSpec): Promise<LoadResult> {
  const budget = ((spec.seconds ?? 0) + (spec.warmupSeconds ?? 0)) * 1000 + 120_000;
  return loader!.run(spec, budget);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function using<T>(start: Promise<ServerProcess>, fn: (p: ServerProcess) => Promise<T>): Promise<T> {
  const p = await start;
  try {
    return await fn(p);
  } finally {
    await p.stop();
  }
}

/**
 * Kyanite measured first, then the baseline, never both at once. The baseline's process is started alongside
 * Kyanite's and waits idle (an idle process costs no CPU) until Kyanite has been measured and stopped; that only
 * saves the wait for a second start. Kyanite's answer becomes the baseline's sample, so both send the same bytes.
 */
async function backToBack<T>(
  ctx: Context,
  scenario: BaselineScenario,
  startK: () => Promise<ServerProcess>,
  onKyanite: (k: ServerProcess) => Promise<{ result: T; sample?: BaselineSample }>,
  onBaseline: (b: ServerProcess) => Promise<T>,
): Promise<{ kyanite: T; baseline: T }> {
  const early = startBaseline(ctx, scenario);
  try {
    const k = await using(startK(), onKyanite);
    const baseline = await using(early, async (b) => {
      if (k.sample) await b.send({ sample: k.sample });
      return onBaseline(b);
    });
    return { kyanite: k.result, baseline };
  } catch (err) {
    await early.then(
      (b) => b.stop(),
      () => undefined,
    );
    throw err;
  }
}

/**
 * Both servers up, measured in turns (K,B then B,K then K,B ...), one at a time: the other waits idle, and an idle
 * process costs no CPU. Adjacent turns see the same machine, so a neighbour's load that comes and goes during the
 * run (this machine is shared) moves both sides alike instead of one. Kyanite's answer becomes the baseline's sample.
 */
async function inTurns<T>(
  ctx: Context,
  scenario: BaselineScenario,
  startK: () => Promise<ServerProcess>,
  setUpK: (k: ServerProcess) => Promise<BaselineSample | undefined>,
  measure: (p: ServerProcess, turn: number) => Promise<T>,
  turns: number,
): Promise<{ kyanite: T[]; baseline: T[] }> {
  const early = startBaseline(ctx, scenario);
  let k: ServerProcess | undefined;
  try {
    k = await startK();
    const sample = await setUpK(k);
    await waitQuiet(k, cfg.quietMs, cfg.quietMaxMs);
    const b = await early;
    if (sample) await b.send({ sample });
    const kyanite: T[] = [];
    const baseline: T[] = [];
    for (let turn = 0; turn < turns; turn++) {
      const order = turn % 2 === 0 ? [k, b] : [b, k];
      for (const p of order) (p === k ? kyanite : baseline).push(await measure(p, turn));
    }
    return { kyanite, baseline };
  } finally {
    await Promise.all([k?.stop(), early.then((b) => b.stop(), () => undefined)]);
  }
}

const median = (values: number[]): number => percentile(values, 50);

// ---------------------------------------------------------------------------------------------------------------
// Figures

interface Figure {
  rate?: number;
  p50?: number;
  p99?: number;
  value?: number;
  /** Requests that failed or answered other than 2xx during measurement. */
  errors?: number;
  count?: number;
  /** Throughput of each turn and their median, for the record. */
  turns?: number[];
  medianRate?: number;
}

interface Measured {
  kyanite: Figure;
  baseline: Figure;
  notes?: string[];
}

interface Row extends ScenarioInfo {
  kyanite?: Figure;
  baseline?: Figure;
  ratio?: number;
  pass: boolean | null;
  notes: string[];
  error?: string;
}

/**
 * Several turns of one side. The machine is shared, and a neighbour's work only ever slows a turn down, so the
 * fastest turn is the best estimate of what the server can do: rate, p50 and p99 are that turn's. Every turn's rate
 * and the median are kept in the JSON, and errors and counts are summed over all turns.
 */
function fromLoads(rs: LoadResult[]): Figure {
  const best = rs.reduce((a, b) => (b.rate > a.rate ? b : a));
  return {
    rate: round(best.rate, 1),
    p50: best.p50,
    p99: best.p99,
    errors: rs.reduce((a, r) => a + r.non2xx + r.errors, 0),
    count: rs.reduce((a, r) => a + r.ok, 0),
    turns: rs.map((r) => round(r.rate, 1)),
    medianRate: round(median(rs.map((r) => r.rate)), 1),
  };
}

function latencies(samples: number[], wallMs?: number): Figure {
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    count: samples.length,
    ...(wallMs !== undefined && { rate: round((samples.length * 1000) / wallMs, 2) }),
  };
}

const primaryOf = (info: ScenarioInfo, f: Figure | undefined): number | undefined => f?.[info.primary];

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

/** A throughput pair: prepare Kyanite, then measure both in turns with identical requests. */
async function throughput(
  ctx: Context,
  baseline: BaselineScenario,
  startK: () => Promise<ServerProcess>,
  prepare: (o: string) => Promise<{ spec: Omit<LoadSpec, 'origin'>; sample: BaselineSample }>,
): Promise<Measured> {
  let spec: Omit<LoadSpec, 'origin'> | undefined;
  const r = await inTurns(
    ctx,
    baseline,
    startK,
    async (k) => {
      const prepared = await prepare(origin(k));
      spec = prepared.spec;
      return prepared.sample;
    },
    // The first turn of each side starts with its warm-up (JIT, connections); later turns are measured at once.
    (p, turn) => load({ ...spec!, origin: origin(p), warmupSeconds: turn === 0 ? cfg.warmupSeconds : 0 }),
    cfg.rounds,
  );
  return { kyanite: fromLoads(r.kyanite), baseline: fromLoads(r.baseline), notes: [`${cfg.rounds} turns of ${loadSeconds} s per side`] };
}

const loadShape = (method: LoadSpec['method'], p: string, body?: unknown): Omit<LoadSpec, 'origin'> => ({
  method,
  path: p,
  headers: { authorization: 'Bearer x' },
  ...(body !== undefined && { body: JSON.stringify(body) }),
  connections: 10,
  seconds: loadSeconds,
  warmupSeconds: cfg.warmupSeconds,
});

async function secretGet(ctx: Context): Promise<Measured> {
  return throughput(ctx, 'get', () => startKyanite(ctx.shared, true), async (o) => {
    await callOk(ctx.agent, 'PUT', `${o}/secrets/bench-get?${API}`, { value: SECRET_VALUE });
    const secret = (await callOk(ctx.agent, 'GET', `${o}/secrets/bench-get/?${API}`)).json();
    return { spec: loadShape('GET', `/secrets/bench-get/?${API}`), sample: { secret } };
  });
}

async function secretSet(ctx: Context): Promise<Measured> {
  const dir = freshDir(ctx, 'set');
  return throughput(ctx, 'set', () => startKyanite(dir, false), async (o) => {
    const secret = (await callOk(ctx.agent, 'PUT', `${o}/secrets/bench-set?${API}`, { value: SECRET_VALUE })).json();
    return { spec: loadShape('PUT', `/secrets/bench-set?${API}`, { value: SECRET_VALUE }), sample: { secret } };
  });
}

async function signWith(ctx: Context, alg: 'RS256' | 'ES256'): Promise<Measured> {
  const create = alg === 'RS256' ? { kty: 'RSA', key_size: 2048 } : { kty: 'EC', crv: 'P-256' };
  return throughput(ctx, alg === 'RS256' ? 'rs256' : 'es256', () => startKyanite(ctx.shared, true), async (o) => {
    const key = (await callOk(ctx.agent, 'POST', `${o}/keys/bench-${alg}/create?${API}`, create)).json<{ key: { kid: string } }>();
    const version = key.key.kid.split('/').pop()!;
    const signPath = `/keys/bench-${alg}/${version}/sign?${API}`;
    const body = { alg, value: DIGEST };
    const signed = (await callOk(ctx.agent, 'POST', `${o}${signPath}`, body)).json<{ kid: string }>();
    return { spec: loadShape('POST', signPath, body), sample: { kid: signed.kid } };
  });
}

/** Sequential creates, then a concurrent burst, each after the same idle pause; latencies per request. */
async function createSeries(p: ServerProcess, agent: https.Agent, prefix: string): Promise<{ seq: Figure; burst: Figure }> {
  const o = origin(p);
  const deadline = Date.now() + 180_000;
  const create = async (name: string) => {
    const t = process.hrtime.bigint();
    await callOk(agent, 'POST', `${o}/keys/${name}/create?${API}`, { kty: 'RSA', key_size: 2048 });
    return msSince(t);
  };
  // Each series starts from the steady state a suite meets after its set-up: the RSA pool as full as it gets.
  await waitQuiet(p, cfg.quietMs, cfg.quietMaxMs);
  const seq: number[] = [];
  const seqStart = process.hrtime.bigint();
  for (let i = 0; i < cfg.creates && Date.now() < deadline; i++) seq.push(await create(`${prefix}-s${i}`));
  const seqWall = msSince(seqStart);
  await waitQuiet(p, cfg.quietMs, cfg.quietMaxMs);
  const burstStart = process.hrtime.bigint();
  const burst = await Promise.all(Array.from({ length: cfg.creates }, (_, i) => create(`${prefix}-b${i}`)));
  return { seq: latencies(seq, seqWall), burst: latencies(burst, msSince(burstStart)) };
}

async function keyCreate(ctx: Context): Promise<{ seq: Measured; burst: Measured }> {
  const { kyanite: k, baseline: b } = await backToBack(
    ctx,
    'create',
    () => startKyanite(ctx.shared, true),
    async (p) => ({ result: await createSeries(p, ctx.agent, 'create') }),
    (p) => createSeries(p, ctx.agent, 'create'),
  );
  return { seq: { kyanite: k.seq, baseline: b.seq }, burst: { kyanite: k.burst, baseline: b.burst } };
}

/** Spawn to the first 200 on health, then to the first 200 of a secret GET, on a fresh connection. */
async function coldRun(ctx: Context, start: () => Promise<ServerProcess>): Promise<{ health: number; get: number }> {
  const agent = newAgent(ctx.caPem);
  try {
    return await using(start(), async (p) => {
      const o = origin(p);
      const until = Date.now() + 15_000;
      for (;;) {
        const answer = await call(agent, 'GET', `${o}/_kyanite/health`).catch(() => undefined);
        if (answer?.status === 200) break;
        if (Date.now() > until) throw new Error('no 200 from /_kyanite/health within 15 s');
        await sleep(5);
      }
      const health = msSince(p.spawnedAt);
      await callOk(agent, 'GET', `${o}/secrets/cold/?${API}`);
      return { health, get: msSince(p.spawnedAt) };
    });
  } finally {
    agent.destroy();
  }
}

async function coldStart(ctx: Context): Promise<{ health: Measured; get: Measured }> {
  // A data dir that already holds its CA and one secret: the second and later starts of a suite's emulator.
  const dir = freshDir(ctx, 'cold');
  const secret = await using(startKyanite(dir, false), async (p) => {
    await callOk(ctx.agent, 'PUT', `${origin(p)}/secrets/cold?${API}`, { value: SECRET_VALUE });
    return (await callOk(ctx.agent, 'GET', `${origin(p)}/secrets/cold/?${API}`)).json();
  });
  const k = { health: [] as number[], get: [] as number[] };
  const b = { health: [] as number[], get: [] as number[] };
  // Alternating starts, so both sides meet the same machine; nothing else runs meanwhile.
  for (let run = 0; run < cfg.coldRuns; run++) {
    const kr = await coldRun(ctx, () => startKyanite(dir, false));
    k.health.push(kr.health);
    k.get.push(kr.get);
    // The baseline reads its sample from a file while starting, as Kyanite reads its database.
    const br = await coldRun(ctx, () => startBaseline(ctx, 'coldstart', { secret }));
    b.health.push(br.health);
    b.get.push(br.get);
  }
  return {
    health: { kyanite: latencies(k.health), baseline: latencies(b.health) },
    get: { kyanite: latencies(k.get), baseline: latencies(b.get) },
  };
}

async function memory(ctx: Context): Promise<{ idle: Measured; versions: Measured }> {
  const names = 100;
  const measure = async (p: ServerProcess) => {
    // Idle: start-up work (the RSA pool's first fill) done, no request since.
    await waitQuiet(p, cfg.quietMs, cfg.quietMaxMs);
    const idle = p.rssMb();
    const r = await load({
      origin: origin(p),
      ...loadShape('PUT', `/secrets/mem-{n}?${API}`, { value: SECRET_VALUE }),
      seconds: undefined,
      warmupSeconds: 0,
      amount: cfg.versions,
      cycle: names,
    });
    if (r.ok !== cfg.versions) throw new Error(`stored ${r.ok} of ${cfg.versions} versions (${r.non2xx} non-2xx, ${r.errors} errors)`);
    await waitQuiet(p, cfg.quietMs, cfg.quietMaxMs);
    return { idle: { value: round(idle, 1) }, versions: { value: round(p.rssMb(), 1), count: r.ok } };
  };
  const { kyanite: k, baseline: b } = await backToBack(
    ctx,
    'memory',
    () => startKyanite(ctx.shared, true),
    async (p) => ({ result: await measure(p) }),
    measure,
  );
  const note = `${cfg.versions} versions of ${SECRET_VALUE.length}-character values over ${names} names, in memory`;
  return { idle: { kyanite: k.idle, baseline: b.idle }, versions: { kyanite: k.versions, baseline: b.versions, notes: [note] } };
}

/** Every page of the list, following nextLink; returns the wall time and checks the item count. */
async function listOnce(agent: https.Agent, first: string, expected: number): Promise<number> {
  const t = process.hrtime.bigint();
  let url: string | null = first;
  let items = 0;
  for (let page = 0; url && page < 10_000; page++) {
    const body: { value: unknown[]; nextLink: string | null } = (await callOk(agent, 'GET', url)).json();
    items += body.value.length;
    url = body.nextLink;
  }
  if (items !== expected) throw new Error(`listed ${items} secrets, expected ${expected}`);
  return msSince(t);
}

async function listAll(ctx: Context): Promise<Measured> {
  const n = cfg.listCount;
  const first = (p: ServerProcess) => `${origin(p)}/secrets?${API}&maxresults=25`;
  const r = await inTurns(
    ctx,
    'list',
    () => startKyanite(ctx.shared, true),
    async (k) => {
      const stored = await load({
        origin: origin(k),
        ...loadShape('PUT', `/secrets/list-{n}?${API}`, { value: SECRET_VALUE }),
        seconds: undefined,
        warmupSeconds: 0,
        amount: n,
        pad: 5,
      });
      if (stored.ok !== n) throw new Error(`stored ${stored.ok} of ${n} secrets`);
      const page = (await callOk(ctx.agent, 'GET', first(k))).json<{ value: Array<NonNullable<BaselineSample['listItem']>> }>();
      return { listItem: page.value[0]!, listCount: n };
    },
    async (p, turn) => {
      if (turn === 0) await listOnce(ctx.agent, first(p), n); // warm-up, unmeasured
      return listOnce(ctx.agent, first(p), n);
    },
    cfg.listRuns,
  );
  const figure = (times: number[]): Figure => {
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    return { ...latencies(times), rate: round(1000 / mean, 2) };
  };
  const note = `${n} secrets, ${Math.ceil(n / 25)} pages, ${cfg.listRuns} listings per side`;
  return { kyanite: figure(r.kyanite), baseline: figure(r.baseline), notes: [note] };
}

async function sdkPairs(ctx: Context): Promise<Measured> {
  const credential = { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const turn = async (p: ServerProcess): Promise<{ times: number[]; wallMs: number }> => {
    const agent = newAgent(ctx.caPem);
    try {
      const client = new SecretClient(`https://localhost:${p.port}`, credential, {
        agent,
        // localhost has no parent domain for the SDK's challenge check.
        disableChallengeResourceVerification: true,
        retryOptions: { maxRetries: 0 },
      });
      const pair = async (i: number) => {
        const name = `sdk-${i % 50}`;
        await client.setSecret(name, SECRET_VALUE);
        const got = await client.getSecret(name);
        if (got.value !== SECRET_VALUE) throw new Error('getSecret returned another value');
      };
      // Warm-up: the challenge round trip of a new client, TLS and both sides' JITs.
      for (let i = 0; i < 20; i++) await pair(i);
      const times: number[] = [];
      const start = process.hrtime.bigint();
      const until = Date.now() + cfg.sdkSeconds * 1000;
      for (let i = 0; i < cfg.sdkMaxPairs && Date.now() < until; i++) {
        const t = process.hrtime.bigint();
        await pair(i);
        times.push(msSince(t));
      }
      return { times, wallMs: msSince(start) };
    } finally {
      agent.destroy();
    }
  };
  const r = await inTurns(ctx, 'sdk', () => startKyanite(ctx.shared, true), async () => undefined, turn, cfg.rounds);
  const figure = (turns: Array<{ times: number[]; wallMs: number }>): Figure => {
    // As for throughput: the fastest turn, with every turn's rate and the median kept.
    const rates = turns.map((t) => (t.times.length * 1000) / t.wallMs);
    const best = turns[rates.indexOf(Math.max(...rates))]!;
    return { ...latencies(best.times), rate: round(Math.max(...rates), 1), turns: rates.map((x) => round(x, 1)), medianRate: round(median(rates), 1) };
  };
  const note = `one client, one pair at a time; ${cfg.rounds} turns of ${cfg.sdkSeconds} s per side`;
  return { kyanite: figure(r.kyanite), baseline: figure(r.baseline), notes: [note] };
}

// ---------------------------------------------------------------------------------------------------------------
// Run

interface TlsModule {
  loadTls(options: { dataDir: string }): Promise<{ caPem?: string; issue(hostname: string): Promise<{ certPem: string; keyPem: string }> }>;
}

/** Starts Kyanite once to make the run's CA, then issues the baselines' leaf from that CA (same P-256 key type). */
async function setUp(): Promise<Context> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-bench-'));
  const shared = path.join(tmp, 'shared');
  fs.mkdirSync(shared, { mode: 0o700 });
  const first = await startKyanite(shared, true);
  await first.stop();
  const tlsModule = (await import(pathToFileURL(path.join(ROOT, 'dist/server/tls.js')).href)) as TlsModule;
  const tls = await tlsModule.loadTls({ dataDir: shared });
  const leaf = await tls.issue('localhost');
  const caPem = tls.caPem!;
  const baselineCert = path.join(tmp, 'baseline-cert.pem');
  const baselineKey = path.join(tmp, 'baseline-key.pem');
  fs.writeFileSync(baselineCert, `${leaf.certPem.trimEnd()}\n${caPem.trimEnd()}\n`);
  fs.writeFileSync(baselineKey, leaf.keyPem, { mode: 0o600 });
  loader = await LoadWorker.start();
  return { tmp, shared, caPem, agent: newAgent(caPem), baselineCert, baselineKey, loader };
}

type Runner = (ctx: Context) => Promise<Record<string, Measured>>;

/** Which runner fills which rows; a runner that fills two rows (create, cold start, memory) runs once. */
const RUNNERS: Array<{ ids: string[]; run: Runner }> = [
  { ids: ['secret-get'], run: async (c) => ({ 'secret-get': await secretGet(c) }) },
  { ids: ['secret-set'], run: async (c) => ({ 'secret-set': await secretSet(c) }) },
  { ids: ['sign-rs256'], run: async (c) => ({ 'sign-rs256': await signWith(c, 'RS256') }) },
  { ids: ['sign-es256'], run: async (c) => ({ 'sign-es256': await signWith(c, 'ES256') }) },
  {
    ids: ['create-seq', 'create-burst'],
    run: async (c) => {
      const r = await keyCreate(c);
      return { 'create-seq': r.seq, 'create-burst': r.burst };
    },
  },
  {
    ids: ['cold-health', 'cold-get'],
    run: async (c) => {
      const r = await coldStart(c);
      return { 'cold-health': r.health, 'cold-get': r.get };
    },
  },
  {
    ids: ['rss-idle', 'rss-versions'],
    run: async (c) => {
      const r = await memory(c);
      return { 'rss-idle': r.idle, 'rss-versions': r.versions };
    },
  },
  { ids: ['list-all'], run: async (c) => ({ 'list-all': await listAll(c) }) },
  { ids: ['sdk-set-get'], run: async (c) => ({ 'sdk-set-get': await sdkPairs(c) }) },
];

function judge(info: ScenarioInfo, m: Measured): Row {
  const k = primaryOf(info, m.kyanite);
  const b = primaryOf(info, m.baseline);
  const ratio = k !== undefined && b !== undefined && b !== 0 ? round(k / b, 3) : undefined;
  const notes = [...(m.notes ?? [])];
  const errors = (m.kyanite.errors ?? 0) + (m.baseline.errors ?? 0);
  if (errors > 0) notes.push(`failed or non-2xx responses: kyanite ${m.kyanite.errors ?? 0}, baseline ${m.baseline.errors ?? 0}`);
  let pass: boolean | null = null;
  if (info.target) {
    const t = info.target;
    const actual = t.metric === 'ratio' ? ratio : t.metric === 'p50' ? m.kyanite.p50 : m.kyanite.value;
    pass = actual !== undefined && Number.isFinite(actual) && (t.op === '>=' ? actual >= t.limit : actual <= t.limit);
  }
  // A scenario whose Kyanite side failed requests did not measure what it says.
  if ((m.kyanite.errors ?? 0) > 0) pass = false;
  return { ...info, kyanite: m.kyanite, baseline: m.baseline, ...(ratio !== undefined && { ratio }), pass, notes };
}

function cells(row: Row): string[] {
  const k = row.kyanite;
  const b = row.baseline;
  const rate = row.primary === 'value' ? fmt(k?.value, row.unit) : fmt(k?.rate, row.primary === 'rate' ? row.unit : '/s');
  const baseline = row.primary === 'value' ? fmt(b?.value, row.unit) : row.primary === 'rate' ? fmt(b?.rate, row.unit) : `${fmt(b?.p50, 'ms')} p50`;
  const verdict = row.error ? 'ERROR' : row.pass === null ? '—' : row.pass ? 'pass' : 'MISS';
  // Truncated, not rounded: a ratio of 0.799 must not read as the 0.80 it misses.
  const ratio = row.ratio === undefined ? '—' : (Math.floor(row.ratio * 100) / 100).toFixed(2);
  return [row.title, rate, fmt(k?.p50, 'ms'), fmt(k?.p99, 'ms'), baseline, ratio, row.target?.text ?? '—', verdict];
}

function gitFacts(): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { commit, dirty };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  killAllOnExit();
  const started = Date.now();
  const machine = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    loadavgAtStart: os.loadavg().map((n) => round(n, 2)),
  };
  const wanted = (id: string) => !only || only.includes(id);
  process.stderr.write(`kyanite bench (${smoke ? 'smoke' : 'full'}) on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}\n`);

  const ctx = await setUp();
  const rows: Row[] = [];
  try {
    for (const runner of RUNNERS) {
      const ids = runner.ids.filter(wanted);
      if (ids.length === 0) continue;
      const t = process.hrtime.bigint();
      process.stderr.write(`- ${ids.join(', ')} ... `);
      try {
        const measured = await runner.run(ctx);
        for (const id of ids) rows.push(judge(SCENARIOS.find((s) => s.id === id)!, measured[id]!));
        process.stderr.write(`${(msSince(t) / 1000).toFixed(1)} s\n`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        process.stderr.write(`error: ${message}\n`);
        for (const id of ids) rows.push({ ...SCENARIOS.find((s) => s.id === id)!, pass: false, notes: [], error: message });
      }
    }
  } finally {
    ctx.agent.destroy();
    await ctx.loader.close();
    fs.rmSync(ctx.tmp, { recursive: true, force: true });
  }

  const header = ['scenario', 'rate', 'p50', 'p99', 'baseline', 'ratio', 'target', 'result'];
  process.stdout.write(`\n${renderTable(header, rows.map(cells))}\n`);
  process.stdout.write('ratio = Kyanite / baseline of the compared figure: throughput for rates, p50 for latencies, RSS for memory.\n');
  for (const r of rows) for (const note of r.notes) process.stdout.write(`  ${r.id}: ${note}\n`);

  const missed = rows.filter((r) => r.pass === false);
  const errored = rows.filter((r) => r.error);
  const result = {
    mode: smoke ? 'smoke' : 'full',
    date: new Date(started).toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 1),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    ...machine,
    loadavgAtEnd: os.loadavg().map((n) => round(n, 2)),
    git: gitFacts(),
    settings: { ...cfg, loadSeconds, connections: 10, secretValueChars: SECRET_VALUE.length },
    scenarios: rows,
    passed: missed.length === 0,
  };
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  fs.writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(process.cwd(), outPath) || outPath}\n`);

  for (const r of errored) process.stdout.write(`ERROR ${r.id}: ${r.error}\n`);
  if (missed.length > 0) {
    const list = missed.filter((r) => !r.error).map((r) => `${r.id} (${r.target?.text ?? 'failed requests'})`);
    if (list.length) process.stdout.write(`${smoke ? 'missed (smoke: reported only)' : 'MISSED'}: ${list.join(', ')}\n`);
  }
  // Smoke runs are for "still works", not for speed: only a scenario that could not run fails them.
  if (errored.length > 0 || (!smoke && missed.length > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
