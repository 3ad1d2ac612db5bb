import type { PlatformProfile } from '../../core/domain/profile.js';

/**
 * Whether a provider route (`/olla/<prefix>/…`, prefix already stripped) may forward `path`.
 *
 * The original documents `api.paths` as an allowlist but forwards any path on a provider route.
 * Olla in TypeScript enforces it, because the issue asks for provider routes restricted to the
 * paths their profile allows, yet loosely enough that newer backend endpoints keep working: a
 * path is allowed when it is declared (or is the profile's health or model path), or when it
 * sits in the same directory as a declared path or below it (`/api/embed` beside Ollama's
 * `/api/chat`, `/v1/messages` beside `/v1/models`; but not LM Studio `/api/generate`, whose
 * declared `/api/v0/models` opens only `/api/v0/`). Root-level paths such as `/health` allow only
 * themselves, so `/etc/passwd` or `/../x` is refused rather than forwarded.
 */
export function isPathAllowed(profile: PlatformProfile, path: string): boolean {
  const query = path.indexOf('?');
  const bare = query === -1 ? path : path.slice(0, query);
  if (bare.includes('/..') || bare.includes('\\')) return false;
  const allow = allowlistOf(profile);
  if (allow.exact.has(bare)) return true;
  for (let slash = bare.indexOf('/', 1); slash > 0; slash = bare.indexOf('/', slash + 1)) {
    if (allow.roots.has(bare.slice(0, slash + 1))) return true;
  }
  return false;
}

interface Allowlist {
  exact: ReadonlySet<string>;
  /** Directories of declared paths, with their trailing slash, e.g. `/api/`, `/api/v0/`. */
  roots: ReadonlySet<string>;
}

// Optimisation: built once per profile on first use instead of scanning the list per request.
const allowlists = new WeakMap<PlatformProfile, Allowlist>();

function allowlistOf(profile: PlatformProfile): Allowlist {
  let allow = allowlists.get(profile);
  if (allow === undefined) {
    const roots = new Set<string>();
    for (const p of profile.api.paths) {
      const last = p.lastIndexOf('/');
      if (last > 0) roots.add(p.slice(0, last + 1));
    }
    const exact = new Set([...profile.api.paths, profile.api.healthCheckPath, profile.api.modelDiscoveryPath]);
    allow = { exact, roots };
    allowlists.set(profile, allow);
  }
  return allow;
}
