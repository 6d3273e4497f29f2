// Preloaded with `node --import` in child processes of the e2e tests: resolves every *.localhost name to 127.0.0.1,
// as an /etc/hosts line (or libnss-myhostname) would, without editing the machine. Node's net module reads
// dns.lookup at connect time, so replacing it here reaches every HTTP client in the child, the SDKs' included.
import dns from 'node:dns';

const original = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname !== 'string' || !hostname.toLowerCase().endsWith('.localhost')) {
    return original.call(dns, hostname, options, callback);
  }
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
  return undefined;
};
