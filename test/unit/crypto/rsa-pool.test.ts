import { spawn } from 'node:child_process';
import { verify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { CryptoError, createRsaKeyPool, keySize, signDigest, verifyDigest, type InspectableRsaKeyPool } from '../../../src/crypto/index.js';
import { nodeKeys, sha } from './fixtures.js';

const pools: InspectableRsaKeyPool[] = [];
const newPool = (target?: number): InspectableRsaKeyPool => {
  const pool = createRsaKeyPool(target === undefined ? {} : { target });
  pools.push(pool);
  return pool;
};
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

async function eventually(condition: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('RSA key pool', () => {
  it('hands out a different key on every take, even when takes outrun the pool', async () => {
    const pool = newPool(1);
    const keys = await Promise.all([1, 2, 3, 4].map(() => pool.take(2048)));
    expect(new Set(keys.map((k) => k.n)).size).toBe(4);
    expect(keys.every((k) => k.kty === 'RSA' && keySize(k) === 2048)).toBe(true);
  });

  it('gives keys that sign and verify', async () => {
    const pool = newPool(0);
    const jwk = await pool.take(2048);
    const message = Buffer.from('pooled');
    const signature = signDigest(jwk, 'RS256', sha('sha256', message));
    expect(verifyDigest(jwk, 'RS256', sha('sha256', message), signature)).toBe(true);
    expect(verify('sha256', message, nodeKeys(jwk).publicKey, signature)).toBe(true);
  });

  it('keeps 2048/65537 warm from creation, other sizes only once asked for', async () => {
    const pool = newPool(2);
    await eventually(() => pool.readyCount(2048) === 2);
    expect(pool.readyCount(3072)).toBe(0);
    const first = await pool.take(2048);
    expect(pool.readyCount(2048)).toBe(1);
    await eventually(() => pool.readyCount(2048) === 2);
    const second = await pool.take(2048);
    expect(second.n).not.toBe(first.n);
  });

  it('keeps a size warm after its first take, exponent included', async () => {
    const pool = newPool(1);
    const key = await pool.take(2048, 3);
    expect(key.e).toBe('Aw');
    await eventually(() => pool.readyCount(2048, 3) === 1);
  });

  it('prefills on request, even with no default target', async () => {
    const pool = newPool(0);
    pool.prefill(2048, 2);
    await eventually(() => pool.readyCount(2048) === 2);
  });

  it('refuses sizes Key Vault does not make', async () => {
    const pool = newPool(0);
    await expect(pool.take(1024)).rejects.toBeInstanceOf(CryptoError);
    await expect(pool.take(2048, 4)).rejects.toBeInstanceOf(CryptoError);
    expect(() => pool.prefill(512, 1)).toThrow(CryptoError);
  });

  it('stops refilling after close() but still serves take()', async () => {
    const pool = newPool(2);
    await pool.close();
    const key = await pool.take(2048);
    expect(keySize(key)).toBe(2048);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pool.readyCount(2048)).toBe(0);
  });
});

/**
 * The pool must never hold a process open. Run it in a child Node process, which needs plain JavaScript: transpile
 * the crypto sources (type stripping only) into a temporary folder.
 */
describe('process exit', () => {
  const sourceDir = new URL('../../../src/crypto/', import.meta.url);
  let outDir: string | undefined;

  function compiledCrypto(): string {
    if (outDir) return outDir;
    outDir = mkdtempSync(join(tmpdir(), 'kyanite-pool-'));
    for (const file of readdirSync(sourceDir).filter((f) => f.endsWith('.ts'))) {
      const { outputText } = ts.transpileModule(readFileSync(new URL(file, sourceDir), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
    }
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
    return outDir;
  }

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  function runChild(script: string): Promise<{ code: number | null; stdout: string; ms: number }> {
    const dir = compiledCrypto();
    const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, script);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, ms: Date.now() - started });
      });
    });
  }

  it.each([
    ['without close()', ''],
    ['after close()', 'await pool.close();'],
  ])('lets the process exit %s while keys are still being generated', async (_label, closing) => {
    const result = await runChild(`
      import { createRsaKeyPool } from './rsa-pool.js';
      const pool = createRsaKeyPool({ target: 4 });
      pool.prefill(4096, 2);
      const key = await pool.take(2048);
      ${closing}
      console.log(key.n ? 'took a key' : 'no key');
    `);
    expect(result).toMatchObject({ code: 0, stdout: 'took a key\n' });
  });
});
