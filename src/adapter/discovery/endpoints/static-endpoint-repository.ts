import { type Endpoint, isRoutable } from '../../../core/domain/endpoint.js';
import type { EndpointRepository } from '../../../core/ports/endpoints.js';
import { AUTO_TYPE } from '../../profile/profile-registry.js';

/** What a config reload did to the endpoint set, by endpoint name. */
export interface EndpointChanges {
  added: string[];
  removed: string[];
  /** Same name and URL but other settings: a new object carrying the old one's health state. */
  changed: string[];
}

/** Whether `endpoint` serves one of `types` (empty = any); `auto` endpoints serve every type. */
export function isOfTypes(endpoint: Endpoint, types: readonly string[]): boolean {
  return types.length === 0 || endpoint.type === AUTO_TYPE || types.includes(endpoint.type);
}

/**
 * The configured endpoints. Their live status is written by the health checker, which must call
 * `statusChanged()` after changing any status: the routable lists are computed once per change
 * and then handed out as they are, so the request path allocates nothing. A config reload swaps
 * the whole set at once (`replace`); requests in flight keep the arrays they were handed.
 */
export class StaticEndpointRepository implements EndpointRepository {
  #all: readonly Endpoint[];
  #byName: ReadonlyMap<string, Endpoint>;
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

  /**
   * Swaps in a reloaded endpoint set. An endpoint with the same name and URL as before keeps its
   * health state: the very object when nothing else changed, else a new object with the old
   * state copied over (its settings are read-only, and the proxy caches per object).
   */
  replace(next: readonly Endpoint[]): EndpointChanges {
    const changes: EndpointChanges = { added: [], removed: [], changed: [] };
    const merged = next.map((endpoint) => {
      const old = this.#byName.get(endpoint.name);
      if (old === undefined || old.url !== endpoint.url) {
        changes.added.push(endpoint.name);
        return endpoint;
      }
      if (sameSettings(old, endpoint)) return old;
      changes.changed.push(endpoint.name);
      copyLiveState(old, endpoint);
      return endpoint;
    });
    const nextByName = new Map(next.map((endpoint) => [endpoint.name, endpoint]));
    for (const old of this.#all) {
      if (nextByName.get(old.name)?.url !== old.url) changes.removed.push(old.name);
    }
    this.#all = Object.freeze(merged);
    this.#byName = new Map(merged.map((endpoint) => [endpoint.name, endpoint]));
    this.statusChanged();
    return changes;
  }

  /** Drop the cached routable lists; the health checker calls this after a status change. */
  statusChanged(): void {
    this.#routable = null;
    this.#routableByTypes = new WeakMap();
  }
}

function sameHeader(a: Endpoint['authHeader'], b: Endpoint['authHeader']): boolean {
  return a === b || (a !== undefined && b !== undefined && a.name === b.name && a.value === b.value);
}

function sameSettings(a: Endpoint, b: Endpoint): boolean {
  const headersA = Object.entries(a.headers);
  return (
    a.type === b.type &&
    a.healthCheckUrl === b.healthCheckUrl &&
    a.modelUrl === b.modelUrl &&
    a.priority === b.priority &&
    a.checkInterval === b.checkInterval &&
    a.checkTimeout === b.checkTimeout &&
    a.preservePath === b.preservePath &&
    sameHeader(a.authHeader, b.authHeader) &&
    headersA.length === Object.keys(b.headers).length &&
    headersA.every(([name, value]) => b.headers[name] === value)
  );
}

function copyLiveState(from: Endpoint, to: Endpoint): void {
  to.status = from.status;
  to.lastChecked = from.lastChecked;
  to.lastLatencyMs = from.lastLatencyMs;
  to.consecutiveFailures = from.consecutiveFailures;
  to.backoffMultiplier = from.backoffMultiplier;
  to.nextCheckTime = from.nextCheckTime;
  to.lastError = from.lastError;
}
