/**
 * Bundles the compiled `kyanite` command into dist/bundle/: kyanite.cjs (the command as one CommonJS script),
 * kyanite.cjs.cache (V8's compile cache of it) and kyanite.mjs (src/server/launch.ts, which runs the first through the
 * second). `npm start`, the `kyanite` bin and the container run kyanite.mjs.
 *
 * Why: Node's ES module loader pays per file, and unbundled start-up loaded ~450 files (typebox alone ~200); then
 * compiling the one big file was the largest cost left, which a code cache removes (docs/performance.md). esbuild
 * does the bundling: it is faster and more thorough at it than anything we would write.
 *
 * What stays in node_modules, loaded by require() when first needed: better-sqlite3 (a native addon next to its
 * files), the schema compilers fastify loads at run time (ajv and company, first used by a request with a body or
 * query schema), light-my-request (inject, for tests), and the libraries behind certificates, backups and YAML. The
 * tsc output in dist/ is kept as it is: tests and the `kyanite` library entry (dist/index.js) use it.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

const LOADED_WHEN_NEEDED = [
  'better-sqlite3',
  'ajv',
  'ajv-formats',
  'fast-uri',
  'fast-json-stringify',
  'json-schema-ref-resolver',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  '@fastify/merge-json-schemas',
  'light-my-request',
  '@peculiar/*',
  'reflect-metadata',
  'tsyringe',
  'pkijs',
  'asn1js',
  'node-jose',
  'yaml',
];

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'linked' };

await build({
  ...common,
  entryPoints: [join(root, 'dist/server/main.js')],
  outfile: join(outdir, 'kyanite.cjs'),
  format: 'cjs',
  external: LOADED_WHEN_NEEDED,
  // import.meta.url in a CommonJS script: the bundle's own file URL.
  define: { 'import.meta.url': 'kyaniteBundleUrl' },
  banner: { js: "const kyaniteBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({ ...common, entryPoints: [join(root, 'dist/server/launch.js')], outfile: join(outdir, 'kyanite.mjs'), format: 'esm' });

// vm.Script runs the bundle without an ES module loader, so an import() left in it would fail at run time.
// (Lines of comments, JSDoc types among them, do not count.)
const leftover = readFileSync(join(outdir, 'kyanite.cjs'), 'utf8')
  .split('\n')
  .find((line) => !/^\s*(\*|\/\/|\/\*)/.test(line) && /\bimport\(\s*["'`]/.test(line));
if (leftover !== undefined) {
  throw new Error(`dist/bundle/kyanite.cjs still calls import(): ${leftover.trim()}; require() what is loaded on first use`);
}

// Write the code cache from a real start-up (on a throw-away data dir), so that it holds what starting compiles.
const scratch = mkdtempSync(join(tmpdir(), 'kyanite-code-cache-'));
try {
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(outdir, 'kyanite.mjs'), '--port', '0', '--data-dir', scratch, '--log-level', 'warn'], {
      env: { ...process.env, KYANITE_WRITE_CODE_CACHE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('serving Azure Key Vault')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(undefined);
      else reject(new Error(`writing the code cache: kyanite exited with ${code ?? signal}`));
    });
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
