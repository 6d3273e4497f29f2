import { describe, expect, it } from 'vitest';
import { assertAttributesAllow } from '../../../src/domain/attribute-gate.js';

/** The one attribute gate of key and secret operations: what it refuses, with which code, in which order. */
describe('assertAttributesAllow', () => {
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      const e = err as { status: number; message: string; inner?: string };
      return { status: e.status, inner: e.inner, message: e.message };
    }
    return undefined;
  };

  it('refuses a disabled object before anything else', () => {
    expect(refusal(() => assertAttributesAllow({ enabled: false, exp: 10 }, { kind: 'key', operation: 'sign', permitted: false, at: 20 }))).toEqual({
      status: 403,
      inner: 'KeyDisabled',
      message: 'Operation sign is not allowed on a disabled key.',
    });
    expect(refusal(() => assertAttributesAllow({ enabled: false }, { kind: 'secret', operation: 'get' }))).toMatchObject({ inner: 'SecretDisabled' });
  });

  it('then an operation the object does not permit, then the validity window', () => {
    expect(refusal(() => assertAttributesAllow({ enabled: true, exp: 10 }, { kind: 'key', operation: 'wrapKey', permitted: false, at: 20 }))).toEqual({
      status: 403,
      inner: 'KeyOperationForbidden',
      message: 'Operation wrapKey is not permitted on this key.',
    });
    expect(refusal(() => assertAttributesAllow({ enabled: true, nbf: 30, exp: 40 }, { kind: 'key', operation: 'release', at: 20 }))).toMatchObject({
      inner: 'KeyNotYetValid',
      message: 'Operation release is not allowed on a key that is not yet valid.',
    });
    expect(refusal(() => assertAttributesAllow({ enabled: true, nbf: 30, exp: 40 }, { kind: 'key', operation: 'sign', at: 40 }))).toMatchObject({
      inner: 'KeyExpired',
      message: 'Operation sign is not allowed on an expired key.',
    });
    expect(refusal(() => assertAttributesAllow({ enabled: true, nbf: 30, exp: 40 }, { kind: 'key', operation: 'sign', at: 39 }))).toBeUndefined();
  });

  it('judges the window only for time-bound operations (no `at`: verify, decrypt, a secret read)', () => {
    expect(refusal(() => assertAttributesAllow({ enabled: true, exp: 10 }, { kind: 'key', operation: 'verify', permitted: true }))).toBeUndefined();
    expect(refusal(() => assertAttributesAllow({ enabled: true, nbf: 99 }, { kind: 'secret', operation: 'get' }))).toBeUndefined();
  });
});
