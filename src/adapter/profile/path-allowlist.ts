import type { PlatformProfile } from '../../core/domain/profile.js';

/**
 * Whether a request path (already stripped of `/olla/<prefix>`) is one the profile declares in
 * `api.paths`: an exact match on the path, ignoring any query string, as the profile docs
 * describe the list ("paths are exact matches, no wildcards").
 *
 * Read this before gating traffic on it. The Go original documents `api.paths` as an
 * allowlist but does not enforce it: its `/olla/<prefix>/` route is a catch-all that forwards
 * every path, and what a provider route restricts is the endpoint *type* (see
 * `RoutingScope`). `api.paths` is only consulted by the original's path inspector, as a hint
 * of which profiles can serve a path on the untyped `/olla/proxy/` route. So a faithful proxy
 * uses this for routing hints, and rejects with it only if an operator asks for strictness.
 */
export function isPathAllowed(profile: PlatformProfile, path: string): boolean {
  const query = path.indexOf('?');
  return declaredPaths(profile).has(query === -1 ? path : path.slice(0, query));
}

// Optimisation: one Set per profile, built on first use, instead of a linear scan per request.
const pathSets = new WeakMap<PlatformProfile, ReadonlySet<string>>();

function declaredPaths(profile: PlatformProfile): ReadonlySet<string> {
  let paths = pathSets.get(profile);
  if (paths === undefined) {
    paths = new Set(profile.api.paths);
    pathSets.set(profile, paths);
  }
  return paths;
}
