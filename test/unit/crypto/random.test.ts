import { describe, expect, it } from 'vitest';
import { newVersionId, pooledRandomBytes } from '../../../src/crypto/random.js';
import { modInverse } from '../../../src/crypto/ec-math.js';

describe('pooled random bytes', () => {
  it('hands out every byte once, across refills of the pool, and copies the caller may keep', () => {
    const seen = new Set<string>();
    // 300 draws of 32 bytes cross the 4 KiB pool's refill twice; equal 32-byte draws would mean reuse.
    for (let i = 0; i < 300; i++) {
      const bytes = pooledRandomBytes(32);
      expect(bytes).toHaveLength(32);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(300);
    const kept = pooledRandomBytes(16);
    const copy = Buffer.from(kept);
    pooledRandomBytes(4096);
    expect(kept.equals(copy)).toBe(true);
  });

  it('serves requests larger than the pool directly', () => {
    expect(pooledRandomBytes(10_000)).toHaveLength(10_000);
  });

  it('makes 32-hex-character version ids', () => {
    expect(newVersionId()).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('modular inverse', () => {
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n; // P-256 order
  it('inverts modulo the P-256 order and refuses what has no inverse', () => {
    for (const v of [1n, 2n, 12345678901234567890n, n - 1n]) expect((modInverse(v, n) * v) % n).toBe(1n);
    expect(() => modInverse(6n, 9n)).toThrow('not invertible');
  });
});
