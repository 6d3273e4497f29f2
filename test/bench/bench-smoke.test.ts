import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../bench/lib/scenarios.js';

/*
 * `npm run bench -- --smoke` as CI runs it, so the benchmark cannot rot: every scenario must still start Kyanite
 * and its baseline, measure both and print its row. Speed is not judged here (smoke figures are too short to
 * mean anything); the full run and docs/performance.md are for that.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --smoke', () => {
  let tmp: string;
  let out: string;
  let run: Run;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, 'dist/server/main.js'))) {
      throw new Error('dist/server/main.js is missing: run `npm run build` first (npm test does)');
    }
    // The bench is compiled on its own (src/ is built by `npm run build`), as `npm run bench` does.
    const build = await node([tsc, '-p', 'bench/tsconfig.json'], 60_000);
    if (build.code !== 0) throw new Error(`compiling bench/ failed:\n${build.stdout}${build.stderr}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyanite-bench-test-'));
    // Its own output file, so a person's bench/results/latest.json from a full run is left alone.
    out = path.join(tmp, 'smoke.json');
    run = await node(['dist/bench/run.js', '--smoke', '--out', out], 170_000);
  }, 240_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0: every scenario ran (targets are only reported in smoke mode)', () => {
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  });

  it('prints a table row for every scenario, with its baseline', () => {
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('| '));
    for (const s of SCENARIOS) {
      const row = rows.find((l) => l.startsWith(`| ${s.title} `));
      expect(row, `no row for ${s.id} in:\n${run.stdout}`).toBeDefined();
      expect(row).not.toContain('ERROR');
      // scenario | rate | p50 | p99 | baseline | ratio | target | result: the baseline and ratio cells are filled.
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[5], `${s.id} has no baseline figure`).not.toBe('—');
      expect(cells[6], `${s.id} has no ratio`).toMatch(/^\d+\.\d\d$/);
    }
  });

  it('writes the JSON with machine facts and per-scenario figures, targets and verdicts', () => {
    const result = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      mode: string;
      node: string;
      cpu: string;
      cores: number;
      date: string;
      scenarios: Array<{
        id: string;
        kyanite?: Record<string, number>;
        baseline?: Record<string, number>;
        ratio?: number;
        target?: { limit: number };
        pass: boolean | null;
        error?: string;
      }>;
    };
    expect(result.mode).toBe('smoke');
    expect(result.node).toBe(process.version);
    expect(result.cpu).toBeTruthy();
    expect(result.cores).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(result.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
    for (const s of result.scenarios) {
      expect(s.error, s.id).toBeUndefined();
      expect(s.kyanite, s.id).toBeDefined();
      expect(s.baseline, s.id).toBeDefined();
      expect(typeof s.ratio, s.id).toBe('number');
      const info = SCENARIOS.find((x) => x.id === s.id)!;
      if (info.target) expect(typeof s.pass, s.id).toBe('boolean');
      else expect(s.pass, s.id).toBeNull();
    }
  });
});
