import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PlatformProfile } from '../../core/domain/profile.js';

/**
 * The shipped profiles, parsed and validated at build time (`npm run build` writes this file beside
 * the bundle that holds this loader; see src/cli/bundle.ts). Parsing twelve YAML files and
 * validating them with zod cost a third of start-up; reading the result back is a single
 * JSON.parse. Each entry carries the SHA-256 of the YAML it came from, so a profile edited after
 * the build is parsed afresh rather than served stale. Unbundled (tsx, or dist/src) there is no
 * such file beside the loader, and the YAML is parsed.
 */
export const COMPILED_PROFILES_FILE = new URL('./built-in-profiles.json', import.meta.url);

export interface CompiledProfile {
  readonly sha256: string;
  readonly profile: PlatformProfile;
}

/** Compiled profiles by file path relative to the profiles directory. */
export type CompiledProfiles = ReadonlyMap<string, CompiledProfile>;

export function sourceDigest(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** The build's compiled profiles, or an empty map when there is none (running the sources under tsx). */
export async function readCompiledProfiles(file: URL = COMPILED_PROFILES_FILE): Promise<CompiledProfiles> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Map();
  }
  return new Map(Object.entries(JSON.parse(text) as Record<string, CompiledProfile>));
}

/** The compiled profile for `source` at `path`, when the build saw exactly that text. */
export function compiledFor(compiled: CompiledProfiles, path: string, source: string): PlatformProfile | undefined {
  const entry = compiled.get(path);
  return entry !== undefined && entry.sha256 === sourceDigest(source) ? entry.profile : undefined;
}
