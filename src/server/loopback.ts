import type { LookupFunction } from 'node:net';

/**
 * Resolves every host name to 127.0.0.1, the way an /etc/hosts line per vault would, without editing the machine:
 * what the in-process fixture's agent (and the project's own tests) use to reach NAME.vault.localhost.
 */
export const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};
