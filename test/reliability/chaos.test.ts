import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, describe, expect, it } from 'vitest';
import { createFaultSchedule, createThrottle } from '../../src/server/chaos.js';
import { staticCredential } from '../helpers/server.js';
import { startChild, tempDir, type Child } from './child.js';

/**
 * --fault-rate, --latency and --throttle as users meet them: through the SDK with its default retry options, which
 * must recover; plus the throttle's weighting against the service's documented numbers.
 */
const children: Child[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(args: string[]): Promise<Child> {
  const dir = tempDir('kyanite-chaos-');
  dirs.push(dir);
  const c = await startChild(dir, args);
  children.push(c);
  return c;
}

/**
 * A SecretClient counting every answer of the given status it sees (retries included): default retry options unless
 * `maxRetries` is given.
 */
function client(c: Child, status: number, maxRetries?: number): { secrets: SecretClient; seen: () => number } {
  let seen = 0;
  const counter: PipelinePolicy = {
    name: 'count-status',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status === status) seen++;
      return response;
    },
  };
  const agent = new https.Agent({ ca: fs.readFileSync(path.join(c.dataDir, 'tls', 'ca.pem')), keepAlive: true });
  const secrets = new SecretClient(`https://localhost:${c.port}`, staticCredential, {
    agent,
    disableChallengeResourceVerification: true,
    additionalPolicies: [{ policy: counter, position: 'perRetry' }],
    ...(maxRetries !== undefined && { retryOptions: { maxRetries } }),
  });
  return { secrets, seen: () => seen };
}

describe('the throttle model', () => {
  it('weights as the service documents: 300 secret creates or 4000 reads or 20 key creates per 10 s', () => {
    let t = 0;
    const count = (cls: Parameters<ReturnType<typeof createThrottle>>[2]) => {
      const take = createThrottle(4000, () => t);
      let n = 0;
      while (take('v', 'b', cls) === undefined) n++;
      return n;
    };
    expect(count('secretCreate')).toBe(300);
    expect(count('secretOther')).toBe(4000);
    expect(count('keyCreate')).toBe(20);
    expect(count('keyCreateHsm')).toBe(10);
    const take = createThrottle(10, () => t);
    for (let i = 0; i < 10; i++) expect(take('v', 'secrets', 'secretOther')).toBeUndefined();
    expect(take('v', 'secrets', 'secretOther')).toBe(1);
    expect(take('other-vault', 'secrets', 'secretOther')).toBeUndefined();
    t += 1000;
    expect(take('v', 'secrets', 'secretOther')).toBeUndefined();
  });

  it('spreads faults evenly at the requested share', () => {
    const fail = createFaultSchedule(0.3);
    const runs = Array.from({ length: 1000 }, () => fail());
    expect(runs.filter(Boolean)).toHaveLength(300);
    expect(runs.some((f, i) => f && runs[i + 1])).toBe(false);
  });
});

describe('--fault-rate and --latency', () => {
  it('the SDK with default retries completes 30 operations at --fault-rate 0.3 --latency 20:60', async () => {
    const c = await start(['--fault-rate', '0.3', '--latency', '20:60']);
    const { secrets, seen } = client(c, 503);
    const started = Date.now();
    for (let i = 0; i < 15; i++) {
      await secrets.setSecret(`flaky-${i}`, `value-${i}`);
      expect((await secrets.getSecret(`flaky-${i}`)).value).toBe(`value-${i}`);
    }
    const ms = Date.now() - started;
    expect(seen()).toBeGreaterThan(5);
    const direct = await c.request('GET', '/secrets/flaky-0');
    if (direct.status === 503) {
      expect(direct.json().error.code).toBe('ServiceUnavailable');
      expect(direct.headers['retry-after']).toBe('1');
    }
    console.log(`[chaos] fault-rate 0.3: 30 SDK operations succeeded; ${seen()} answers were 503 and retried; ${(ms / 1000).toFixed(1)} s`);
  }, 90_000);
});

describe('--throttle', () => {
  it('a burst gets 429 with Retry-After, which the SDK retries to success', async () => {
    const c = await start(['--throttle', '--throttle-limit', '40']);
    // The bucket holds 40 reads and refills 4 a second, so 60 reads at once must meet 429s however slow the machine
    // is; with Retry-After honoured and room for ten retries, every read gets through within the refill time.
    const { secrets, seen } = client(c, 429, 10);
    await secrets.setSecret('hot', 'v');
    const burst = await Promise.all(Array.from({ length: 60 }, () => secrets.getSecret('hot')));
    expect(burst.every((s) => s.value === 'v')).toBe(true);
    expect(seen()).toBeGreaterThan(0);

    // Right after the burst the bucket is empty: a raw burst meets the 429 itself.
    const raw = await Promise.all(Array.from({ length: 40 }, () => c.request('GET', '/secrets/hot')));
    const throttled = raw.find((r) => r.status === 429);
    expect(throttled).toBeDefined();
    expect(throttled!.json().error.code).toBe('Throttled');
    expect(Number(throttled!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Token and health requests are never throttled.
    expect((await c.request('GET', '/_kyanite/health')).status).toBe(200);
    console.log(`[chaos] throttle-limit 40: a burst of 60 reads after a create saw ${seen()} 429s, all retried to success; Retry-After ${String(throttled!.headers['retry-after'])} s`);
  }, 90_000);
});
