/**
 * Olla and the floor run as compiled JavaScript, as Olla ships (`npm run build`, the `olla` bin,
 * which runs the bundle in dist/bundle):
 * under `node --import tsx` each process would also carry tsx's loader thread, some 30–40 MB of
 * resident memory and a slower start, which the memory and start-up rows would then measure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NODE_TS } from './processes.js';
import { OLLA_ENTRY } from './targets.js';

/** How to run one of the project's TypeScript entry points, given its path from the project root. */
export type ProjectCommand = (entry: string) => string[];

/** What `npm run build` makes of OLLA_ENTRY, and the `olla` bin runs. */
const BUNDLED_ENTRY = 'dist/bundle/olla.js';

const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * Compiles src/ and bench/floor.ts into dist/ (bench/tsconfig.build.json). Returns a runner for
 * the compiled files, or, when the build left them out, one that runs the sources under tsx.
 */
export function buildProject(
  root: string,
  log: (message: string) => void,
): { command: ProjectCommand; built: boolean } {
  const build = spawnSync(process.execPath, [TSC, '-p', join(root, 'bench/tsconfig.build.json')], {
    cwd: root,
    encoding: 'utf8',
  });
  // tsc still emits when some file has a type error; what matters is that the entry points exist.
  const compiled = (entry: string) => join(root, 'dist', entry.replace(/\.ts$/, '.js'));
  const built = [OLLA_ENTRY, 'bench/floor.ts'].every((entry) => existsSync(compiled(entry)));
  if (build.status !== 0) log(`tsc reported problems:\n${build.stdout.split('\n').slice(0, 10).join('\n')}`);
  if (!built) {
    log('the build did not produce dist/; running the TypeScript sources under tsx instead');
    return { command: (entry) => [...NODE_TS, join(root, entry)], built };
  }
  // The step `npm run build` runs after tsc: the bundle, with the shipped profiles precompiled beside it.
  const bundle = buildStep(root, compiled('src/cli/bundle.ts'));
  if (bundle) log(`bundling failed (Olla runs from the unbundled dist/src instead):\n${bundle}`);
  const bundled = join(root, BUNDLED_ENTRY);
  return {
    command: (entry) => [
      process.execPath,
      entry === OLLA_ENTRY && !bundle && existsSync(bundled) ? bundled : compiled(entry),
    ],
    built,
  };
}

/** Runs one compiled build script; its error output when it failed. */
function buildStep(root: string, script: string): string | undefined {
  const step = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
  return step.status === 0 ? undefined : step.stderr || `exit ${step.status}`;
}
