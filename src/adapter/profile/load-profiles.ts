import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { ConfigError } from '../../core/errors.js';
import {
  type CompiledProfile,
  type CompiledProfiles,
  compiledFor,
  readCompiledProfiles,
  sourceDigest,
} from './compiled-profiles.js';
import { parseProfile } from './parse-profile.js';
import { ProfileRegistry } from './profile-registry.js';

export interface LoadProfilesOptions {
  /** `OllaConfig.profilesDir`: extra or overriding profiles ('' or undefined = none). */
  userDir?: string;
  /** Where the shipped profiles live; defaults to the package's `config/profiles`. */
  builtInDir?: string;
  /** The shipped profiles as the build compiled them; defaults to the build's file (none under tsx). */
  compiled?: CompiledProfiles;
  /**
   * Keep only profiles this accepts (the original's `proxy.profile_filter`, applied by name
   * after every file is loaded). Build it with the shared glob filter.
   */
  include?: (profileName: string) => boolean;
}

/**
 * Load the shipped profiles, then the user's directory on top: a user file whose `name`
 * matches a shipped profile replaces it whole, any other adds a profile. Like the original,
 * every `*.yaml` below a directory is read. A file that fails to parse or validate stops
 * start-up with a `ConfigError` naming the file and key (the original skipped it with a
 * warning, which hid typos until traffic went missing).
 */
export async function loadProfileRegistry(options: LoadProfilesOptions = {}): Promise<ProfileRegistry> {
  const compiled = options.compiled ?? (await readCompiledProfiles());
  // One directory after the other, so a broken shipped directory is the error reported even when
  // the user's is broken too; the time that mattered was the reads inside each directory.
  const builtIn = await loadDirectory(
    options.builtInDir ?? builtInProfilesDir(),
    'built-in profiles directory',
    compiled,
  );
  const user = options.userDir ? await loadDirectory(options.userDir, 'profiles_dir') : [];
  const loaded = [...builtIn, ...user];
  const kept = options.include ? loaded.filter((profile) => options.include!(profile.name)) : loaded;
  return new ProfileRegistry(kept);
}

/**
 * Every profile below `dir` parsed, keyed by path relative to it, with the digest of its source:
 * what the build writes to `COMPILED_PROFILES_FILE` (see src/cli/bundle.ts).
 */
export async function compileProfiles(dir: string = builtInProfilesDir()): Promise<Record<string, CompiledProfile>> {
  const compiled: Record<string, CompiledProfile> = {};
  for (const file of await profileFiles(dir, 'built-in profiles directory')) {
    const source = await readFile(file, 'utf8');
    compiled[relative(dir, file)] = { sha256: sourceDigest(source), profile: parseProfile(source, file) };
  }
  return compiled;
}

async function profileFiles(dir: string, label: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError([`${label} ${dir} does not exist or is not a directory`]);

  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function loadDirectory(dir: string, label: string, compiled?: CompiledProfiles): Promise<PlatformProfile[]> {
  const files = await profileFiles(dir, label);
  // Read together: one after another, each read's round trip through the thread pool was idle
  // start-up time. A file that cannot be read still stops start-up, as before.
  const sources = await Promise.all(files.map((file) => readFile(file, 'utf8')));
  const profiles: PlatformProfile[] = [];
  const issues: string[] = [];
  const seen = new Map<string, string>();
  for (const [index, file] of files.entries()) {
    try {
      const source = sources[index]!;
      const profile = (compiled && compiledFor(compiled, relative(dir, file), source)) ?? parseProfile(source, file);
      const earlier = seen.get(profile.name);
      if (earlier !== undefined) {
        issues.push(`${file}: profile "${profile.name}" is already defined by ${relative(dir, earlier)}`);
        continue;
      }
      seen.set(profile.name, file);
      profiles.push(profile);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return profiles;
}

/**
 * The package's own `config/profiles`, found by walking up from this module to the directory
 * holding package.json, so it resolves the same from `src/` (tsx) and `dist/src/` (built).
 */
export function builtInProfilesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('olla: cannot find the package root (package.json) above the profile loader');
    dir = parent;
  }
  return join(dir, 'config', 'profiles');
}
