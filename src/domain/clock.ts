/**
 * One clock drives every time rule (nbf/exp, deletion dates, scheduled purges, rotation and renewal).
 * It is the system time plus an offset that only moves forward, so tests and users can "wait" 90 days at once.
 */
export interface Clock {
  /** Milliseconds since the epoch, shifted. */
  now(): number;
  /** Move time forward; returns the new offset in seconds. */
  advance(seconds: number): number;
  /** Current shift from the system clock, in seconds. */
  offsetSeconds(): number;
}

export function createClock(base: () => number = Date.now, initialOffsetSeconds = 0): Clock {
  let offsetMs = initialOffsetSeconds * 1000;
  return {
    now: () => base() + offsetMs,
    advance(seconds: number): number {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('the clock only moves forward');
      offsetMs += seconds * 1000;
      return offsetMs / 1000;
    },
    offsetSeconds: () => offsetMs / 1000,
  };
}

/** Key Vault speaks in whole Unix seconds. */
export const toUnixSeconds = (ms: number): number => Math.floor(ms / 1000);
