import type { PlatformProfile } from '../../core/domain/profile.js';
import { compare } from '../stats/endpoint-ids.js';

/** The profile the original treats as "any OpenAI-style server"; its routes are inclusive. */
export const OPENAI_COMPATIBLE = 'openai-compatible';
/** Endpoint type meaning "no particular backend": every provider route may use it. */
export const AUTO_TYPE = 'auto';

/**
 * Which endpoint types a provider route (`/olla/<prefix>/…`) may send traffic to, as the Go
 * original decides it (`createProviderProfile`):
 * - a backend prefix (`/olla/vllm/`) reaches only endpoints of that type, and fails closed
 *   (no fallback to other types) when none is routable;
 * - the OpenAI prefixes (`/olla/openai/`, `/olla/openai-compatible/`) reach every profile
 *   that declares `openai_compatible: true`, and may widen to any routable endpoint when none
 *   of those types is available.
 * Endpoints of type `auto` match every scope (see `StaticEndpointRepository.routableOfTypes`).
 */
export interface RoutingScope {
  /** Canonical profile name the prefix belongs to. */
  readonly profile: string;
  readonly types: readonly string[];
  readonly failClosed: boolean;
}

/**
 * Every loaded backend profile, with prefix and alias lookups precomputed at construction so
 * request-time lookups are a single map read.
 */
export class ProfileRegistry {
  readonly #all: readonly PlatformProfile[];
  readonly #byName: ReadonlyMap<string, PlatformProfile>;
  readonly #byPrefix: ReadonlyMap<string, PlatformProfile>;
  readonly #prefixes: readonly string[];
  readonly #scopes: ReadonlyMap<string, RoutingScope>;
  readonly #warnings: readonly string[];

  /** Later profiles with the same name replace earlier ones (user files override built-ins). */
  constructor(profiles: readonly PlatformProfile[]) {
    const byName = new Map<string, PlatformProfile>();
    for (const profile of profiles) byName.set(profile.name, profile);
    // Code-unit order, as Go sorts: localeCompare would page in ICU's collation data, 2.7 MB of
    // resident memory for the life of the process, to order a dozen names.
    const all = [...byName.values()].sort((a, b) => compare(a.name, b.name));

    const warnings: string[] = [];
    const byPrefix = new Map<string, PlatformProfile>();
    // A profile's own name always routes to it; declared prefixes fill in around the names.
    for (const profile of all) byPrefix.set(profile.name, profile);
    for (const profile of all) {
      for (const prefix of profile.routing.prefixes) {
        const holder = byPrefix.get(prefix);
        if (holder === undefined) byPrefix.set(prefix, profile);
        else if (holder !== profile) {
          warnings.push(
            `profiles "${holder.name}" and "${profile.name}" both claim prefix "${prefix}"; "${holder.name}" keeps it`,
          );
        }
      }
    }

    this.#all = all;
    this.#byName = byName;
    this.#byPrefix = byPrefix;
    this.#prefixes = all.flatMap((profile) => profile.routing.prefixes.filter((p) => byPrefix.get(p) === profile));
    this.#scopes = buildScopes(all, byPrefix);
    this.#warnings = warnings;
  }

  /**
   * The profile for an endpoint type or route prefix, accepting the spellings the original
   * accepts: a profile name, any of its routing prefixes, and those with `_` for `-` in any
   * case (`lmstudio`, `lm_studio`, `LM-Studio` → lm-studio; `openai` → openai-compatible).
   */
  get(type: string): PlatformProfile | undefined {
    return this.#byPrefix.get(type) ?? this.#byPrefix.get(normaliseTypeSpelling(type));
  }

  /** Canonical profile name for a type or alias, or undefined when no profile claims it. */
  resolveType(type: string): string | undefined {
    return this.get(type)?.name;
  }

  /** Exact prefix lookup, as used by the `/olla/<prefix>/` routes. */
  byPrefix(prefix: string): PlatformProfile | undefined {
    return this.#byPrefix.get(prefix);
  }

  /** Every declared routing prefix, in profile-name order; one route each. */
  prefixes(): readonly string[] {
    return this.#prefixes;
  }

  /** Profiles sorted by name. */
  all(): readonly PlatformProfile[] {
    return this.#all;
  }

  /** Profile names sorted, e.g. for "supported types" messages. */
  names(): string[] {
    return this.#all.map((profile) => profile.name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Routing scope of a provider prefix (see `RoutingScope`), precomputed. */
  scopeFor(prefix: string): RoutingScope | undefined {
    return this.#scopes.get(prefix);
  }

  /** Non-fatal findings (prefix collisions) for the composition root to log. */
  warnings(): readonly string[] {
    return this.#warnings;
  }
}

/** The original lower-cases and turns `_` into `-` before matching a provider name. */
function normaliseTypeSpelling(type: string): string {
  return type.toLowerCase().replaceAll('_', '-');
}

function buildScopes(
  all: readonly PlatformProfile[],
  byPrefix: ReadonlyMap<string, PlatformProfile>,
): Map<string, RoutingScope> {
  const openAiTypes = [OPENAI_COMPATIBLE, ...all.filter((p) => p.api.openaiCompatible).map((p) => p.name)];
  const inclusive: readonly string[] = [...new Set(openAiTypes)];
  const scopes = new Map<string, RoutingScope>();
  const scopeByProfile = new Map<PlatformProfile, RoutingScope>();
  for (const [prefix, profile] of byPrefix) {
    let scope = scopeByProfile.get(profile);
    if (scope === undefined) {
      scope =
        profile.name === OPENAI_COMPATIBLE
          ? { profile: profile.name, types: inclusive, failClosed: false }
          : { profile: profile.name, types: [profile.name], failClosed: true };
      scopeByProfile.set(profile, scope);
    }
    scopes.set(prefix, scope);
  }
  return scopes;
}
