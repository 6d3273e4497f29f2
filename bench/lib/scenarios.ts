/**
 * The rows `npm run bench` prints, in order, with their targets (issue 9). Kept apart from the runner so the
 * smoke test can check that every one of them was measured without starting a run of its own.
 */
export interface ScenarioInfo {
  id: string;
  title: string;
  /** What is compared with the baseline: a throughput, a latency (p50) or a size. */
  primary: 'rate' | 'p50' | 'value';
  unit: string;
  target?: { text: string; metric: 'ratio' | 'p50' | 'value'; op: '>=' | '<='; limit: number };
}

export const SCENARIOS: readonly ScenarioInfo[] = [
  { id: 'secret-get', title: 'secret GET, 10 conns', primary: 'rate', unit: 'req/s', target: { text: '>= 75% of bare', metric: 'ratio', op: '>=', limit: 0.75 } },
  { id: 'secret-set', title: 'secret SET durable, 10 conns', primary: 'rate', unit: 'req/s', target: { text: '>= 50% of bare', metric: 'ratio', op: '>=', limit: 0.5 } },
  { id: 'sign-rs256', title: 'RS256 sign, 10 conns', primary: 'rate', unit: 'req/s', target: { text: '>= 80% of bare', metric: 'ratio', op: '>=', limit: 0.8 } },
  { id: 'sign-es256', title: 'ES256 sign, 10 conns', primary: 'rate', unit: 'req/s', target: { text: '>= 50% of bare', metric: 'ratio', op: '>=', limit: 0.5 } },
  { id: 'create-seq', title: 'RSA-2048 create, sequential', primary: 'p50', unit: 'ms', target: { text: 'p50 <= 20 ms', metric: 'p50', op: '<=', limit: 20 } },
  { id: 'create-burst', title: 'RSA-2048 create, burst', primary: 'p50', unit: 'ms' },
  { id: 'cold-health', title: 'cold start to /_kyanite/health 200', primary: 'p50', unit: 'ms', target: { text: '<= 400 ms', metric: 'p50', op: '<=', limit: 400 } },
  { id: 'cold-get', title: 'cold start to first secret GET 200', primary: 'p50', unit: 'ms', target: { text: '<= 400 ms', metric: 'p50', op: '<=', limit: 400 } },
  { id: 'rss-idle', title: 'RSS idle', primary: 'value', unit: 'MB', target: { text: '<= 120 MB', metric: 'value', op: '<=', limit: 120 } },
  { id: 'rss-versions', title: 'RSS after storing secret versions', primary: 'value', unit: 'MB' },
  { id: 'list-all', title: 'list secrets, every page (25/page)', primary: 'p50', unit: 'ms', target: { text: '<= 1000 ms', metric: 'p50', op: '<=', limit: 1000 } },
  { id: 'sdk-set-get', title: 'SDK setSecret+getSecret pairs', primary: 'rate', unit: 'pairs/s' },
];
