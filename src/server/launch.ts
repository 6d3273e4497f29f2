#!/usr/bin/env node
/**
 * The entry of the bundled `kyanite` command (dist/bundle/kyanite.mjs, made by scripts/bundle.mjs): it runs the
 * bundle, dist/bundle/kyanite.cjs, through a V8 code cache that the build wrote next to it.
 *
 * Why: compiling a megabyte of JavaScript is the largest part of Kyanite's start-up after Node's own. Node 20 keeps
 * no compile cache for ES modules (`module.enableCompileCache` came in 22.1), but vm.Script takes V8's cached data
 * for a CommonJS script on every supported major. A cache that does not fit this node binary or its flags
 * (`--cpu-prof`, say; or another Node version than the build's) is rejected by V8 and the script is compiled as
 * usual, so the cache only ever saves time. tsc also compiles this file into dist/server/launch.js like every module; that copy
 * is only the input of the bundle.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

// A stop asked for while the bundle compiles ends the process at once: nothing is open yet. The command replaces
// these handlers with its graceful stop (main.ts) before it opens anything.
const stopBeforeStart = () => process.exit(0);
process.on('SIGTERM', stopBeforeStart);
process.on('SIGINT', stopBeforeStart);
// `ps` and `top` say kyanite rather than node; it also tells a supervisor (and the signal test) that the signals are
// taken from here on.
process.title = 'kyanite';

const bundle = fileURLToPath(new URL('./kyanite.cjs', import.meta.url));
const cacheFile = `${bundle}.cache`;

const readIfPresent = (file: string): Buffer | undefined => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

const source = fs.readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const cachedData = readIfPresent(cacheFile);
// The same wrapper Node puts around a CommonJS module, so the bundle sees require, module and __filename as usual.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cachedData && { cachedData }),
});
const bundleModule = { exports: {} };
// The build (scripts/bundle.mjs) starts Kyanite once with this set and stops it: the cache then holds what start-up compiles.
if (process.env['KYANITE_WRITE_CODE_CACHE'] === '1') {
  process.once('exit', () => {
    fs.writeFileSync(cacheFile, script.createCachedData());
    // Readable by whoever runs the command (the container's node user, say): Kyanite's umask 077 made it 0600.
    fs.chmodSync(cacheFile, 0o644);
  });
}
(script.runInThisContext() as (...args: unknown[]) => void)(
  bundleModule.exports,
  createRequire(bundle),
  bundleModule,
  bundle,
  fileURLToPath(new URL('.', import.meta.url)),
);
