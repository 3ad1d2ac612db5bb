/**
 * Build step (`npm run build`, after tsc and compile-profiles): bundles the compiled entry and
 * everything it imports into `dist/bundle/olla.js`, the file the `olla` bin runs. Loading some
 * 300 modules one by one (resolving each, reading its package.json, lexing CommonJS for its
 * exports, compiling each file) was a third of start-up; one minified file is compiled once.
 *
 * What loads only on demand stays out of the entry: the OTLP tracer and shared state are split
 * into chunks of their own (`import()` in app.ts), and the packages they and the metrics registry
 * load, with pino-pretty, are left external, read from node_modules only when a config asks.
 */
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { COMPILED_PROFILES_FILE } from '../adapter/profile/compiled-profiles.js';
import { PACKAGE_ROOT } from '../app/version.js';

const BUNDLE_DIR = join(PACKAGE_ROOT, 'dist', 'bundle');

/** Loaded only when a config or a scrape asks for them (and OpenTelemetry alone is several MB). */
const ON_DEMAND_PACKAGES = ['@opentelemetry/*', 'iovalkey', 'pino-pretty', 'prom-client'];

/**
 * What fastify requires only when a route declares a schema without Olla's compilers (server.ts
 * supplies its own, loaded from fastify's directory) or a test calls `inject`: ajv and
 * fast-json-stringify with their kin are a fifth of the bundle's source, compiled for nothing.
 */
const NEVER_AT_RUN_TIME = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];

/**
 * Bundled CommonJS calls `require`, which an ES module lacks: the bundle makes one for its own
 * location, so what is left external resolves from the package's node_modules as before.
 */
const REQUIRE_BANNER =
  "import { createRequire as __olla_require } from 'node:module'; const require = __olla_require(import.meta.url);";

// Chunk names carry a content hash: clear the last build's, so none is left behind.
await rm(BUNDLE_DIR, { recursive: true, force: true });
await build({
  entryPoints: { olla: join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js') },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...ON_DEMAND_PACKAGES, ...NEVER_AT_RUN_TIME],
  banner: { js: REQUIRE_BANNER },
  // Half the source to compile and to keep in the heap; names kept, so errors and the classes
  // that report their own name read as in the sources, and a source map beside it for
  // `node --enable-source-maps` (Node reads it only with that flag).
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
// The profiles are read from beside the running code (compiled-profiles.ts), which in the bundle
// is the bundle's own folder.
await copyFile(COMPILED_PROFILES_FILE, join(BUNDLE_DIR, 'built-in-profiles.json'));
