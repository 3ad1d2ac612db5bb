/**
 * Build step (`npm run build`, after tsc): bundles the compiled entry and everything it imports
 * into `dist/bundle/olla.js`, the file the `olla` bin runs, with the shipped profiles precompiled
 * beside it. Loading some 300 modules one by one (resolving each, reading its package.json, lexing
 * CommonJS for its exports, compiling each file) was a third of start-up; one minified file is
 * compiled once.
 *
 * What loads only on demand stays out of the entry: the OTLP tracer and shared state are split
 * into chunks of their own (`import()` in app.ts), and the packages they and the metrics registry
 * load, with pino-pretty, are left external, read from node_modules only when a config asks.
 */
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { COMPILED_PROFILES_FILE } from '../adapter/profile/compiled-profiles.js';
import { compileProfiles } from '../adapter/profile/load-profiles.js';
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

export interface BundleOptions {
  /** The entry module: the compiled launch.js at build time (esbuild reads TypeScript as well). */
  readonly entry: string;
  /** Inside the package, where the bundle resolves config/, public/ and node_modules from. */
  readonly outDir: string;
}

/** Writes the bundle and the compiled profiles beside it into `outDir`, emptied first. */
export async function bundleOlla({ entry, outDir }: BundleOptions): Promise<void> {
  // Chunk names carry a content hash: clear the last build's, so none is left behind.
  await rm(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { olla: entry },
    outdir: outDir,
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
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  // Parsed and validated here once, so start-up reads JSON instead of twelve YAML files; the
  // loader looks beside the running code (compiled-profiles.ts), which is the bundle's own folder.
  const profilesFile = join(outDir, basename(fileURLToPath(COMPILED_PROFILES_FILE)));
  await writeFile(profilesFile, JSON.stringify(await compileProfiles()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleOlla({ entry: join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'launch.js'), outDir: BUNDLE_DIR });
}
