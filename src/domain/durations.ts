import { badParameter } from './errors.js';

/**
 * ISO 8601 durations as rotation policies use them (P90D, P1Y2M, PT12H, P2W). Months count as 30 days and years
 * as 365, which is how a fixed clock can compare them; the service accepts the same forms.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseDuration(text: string, field: string): number {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw badParameter(`${field} '${text}' is not an ISO 8601 duration such as P90D.`);
  const n = (i: number) => Number(m[i] ?? 0);
  return ((n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4)) * 24 + n(5)) * 3600 + n(6) * 60 + n(7);
}
