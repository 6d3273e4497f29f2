/**
 * Bundles the compiled `kyanite` command (dist/server/main.js) into dist/bundle/kyanite.mjs, which `npm start`, the
 * `kyanite` bin and the container run.
 *
 * Why: Node's ES module loader pays per file. Unbundled, Kyanite's start-up loads ~450 files (typebox alone ~200) and
 * spends more time resolving and compiling them than starting the server (docs/performance.md). One file with the
 * code that start-up needs, and separate chunks for what is imported lazily (X.509, PKCS#12, JWE, YAML), cuts that.
 *
 * better-sqlite3 stays outside (it loads a native addon next to its own files); so do the modules that app.ts
 * requires from fastify's folder at run time (the schema compilers). The tsc output in dist/ is kept as it is: tests
 * and the `kyanite` library entry (dist/index.js) use it.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { kyanite: join(root, 'dist/server/main.js') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // Bundled CommonJS packages call require() for Node's built-ins; an ES module has none, so each output file gets one.
  banner: { js: "import { createRequire as kyaniteCreateRequire } from 'node:module';\nconst require = kyaniteCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
});
