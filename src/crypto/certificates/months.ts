/** Calendar arithmetic for validity periods; no X.509 code, so the domain can use it without loading the library. */

/**
 * `months` calendar months after `from`, clamping the day to the end of a shorter month (Jan 31 + 1 month is the
 * last day of February), as .NET's AddMonths does: a plain setUTCMonth would roll over into March.
 */
export function addMonths(from: Date, months: number): Date {
  const target = new Date(from.getTime());
  const day = from.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}
