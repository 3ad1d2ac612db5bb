import { type Endpoint, isRoutable } from '../../../core/domain/endpoint.js';
import type { EndpointRepository } from '../../../core/ports/endpoints.js';
import { AUTO_TYPE } from '../../profile/profile-registry.js';

/** Whether `endpoint` serves one of `types` (empty = any); `auto` endpoints serve every type. */
export function isOfTypes(endpoint: Endpoint, types: readonly string[]): boolean {
  return types.length === 0 || endpoint.type === AUTO_TYPE || types.includes(endpoint.type);
}

/**
 * The configured endpoints, fixed for the life of the process. Their live status is written
 * by the health checker, which must call `statusChanged()` after changing any status: the
 * routable lists are computed once per change and then handed out as they are, so the
 * request path allocates nothing.
 */
export class StaticEndpointRepository implements EndpointRepository {
  readonly #all: readonly Endpoint[];
  readonly #byName: ReadonlyMap<string, Endpoint>;
  #routable: readonly Endpoint[] | null;
  // Keyed by the caller's array: scopes pass the same precomputed array on every request.
  #routableByTypes: WeakMap<readonly string[], readonly Endpoint[]>;

  constructor(endpoints: readonly Endpoint[]) {
    this.#all = Object.freeze([...endpoints]);
    this.#byName = new Map(endpoints.map((endpoint) => [endpoint.name, endpoint]));
    this.#routable = null;
    this.#routableByTypes = new WeakMap();
  }

  all(): readonly Endpoint[] {
    return this.#all;
  }

  get(name: string): Endpoint | undefined {
    return this.#byName.get(name);
  }

  routable(): readonly Endpoint[] {
    this.#routable ??= Object.freeze(this.#all.filter((endpoint) => isRoutable(endpoint.status)));
    return this.#routable;
  }

  /**
   * Routable endpoints of the given types; `auto` endpoints count as every type, as in the
   * original (`RequestProfile.IsCompatibleWith`). Types are canonical profile names.
   */
  routableOfTypes(types: readonly string[]): readonly Endpoint[] {
    if (types.length === 0) return this.routable();
    let matches = this.#routableByTypes.get(types);
    if (matches === undefined) {
      matches = Object.freeze(this.routable().filter((endpoint) => isOfTypes(endpoint, types)));
      this.#routableByTypes.set(types, matches);
    }
    return matches;
  }

  /** Drop the cached routable lists; the health checker calls this after a status change. */
  statusChanged(): void {
    this.#routable = null;
    this.#routableByTypes = new WeakMap();
  }
}
