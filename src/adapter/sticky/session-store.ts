import { LRUCache } from 'lru-cache';

/**
 * Remembers which endpoint (by name) served each sticky key. Bounded two ways: an idle TTL that
 * slides on every hit, so live conversations never expire mid-session, and an LRU cap so a flood
 * of one-off keys cannot grow memory without limit.
 */

export interface SessionStoreOptions {
  /** Idle time-to-live in seconds; 0 keeps sessions until the LRU cap evicts them. */
  idleTtlSeconds: number;
  maxSessions: number;
  /** Millisecond clock, injectable for tests; defaults to `performance.now`. */
  now?: () => number;
}

export interface SessionStoreCounters {
  insertions: number;
  hits: number;
  misses: number;
  /** Entries removed for any reason: LRU pressure, idle expiry or a purge. */
  evictions: number;
}

// The original's default; a store without a cap would grow with every one-off key.
const FALLBACK_MAX_SESSIONS = 10_000;

export class SessionStore {
  readonly #cache: LRUCache<string, string>;
  readonly #counters: SessionStoreCounters = { insertions: 0, hits: 0, misses: 0, evictions: 0 };

  constructor(options: SessionStoreOptions) {
    const counters = this.#counters;
    const now = options.now;
    this.#cache = new LRUCache<string, string>({
      max: options.maxSessions > 0 ? options.maxSessions : FALLBACK_MAX_SESSIONS,
      ttl: options.idleTtlSeconds > 0 ? options.idleTtlSeconds * 1000 : 0,
      updateAgeOnGet: true,
      // An injected clock must be read on every call; lru-cache otherwise caches it for 1 ms.
      ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
      dispose: (_value, _key, reason) => {
        // 'set' is an overwrite (a re-pin), not a removal.
        if (reason !== 'set') counters.evictions++;
      },
    });
  }

  /** The pinned endpoint name, refreshing the idle TTL on a hit. */
  get(key: string): string | undefined {
    const name = this.#cache.get(key);
    if (name === undefined) this.#counters.misses++;
    else this.#counters.hits++;
    return name;
  }

  /** The pinned endpoint name, touching nothing: no TTL refresh, no hit or miss counted. */
  peek(key: string): string | undefined {
    return this.#cache.peek(key);
  }

  set(key: string, endpointName: string): void {
    if (!this.#cache.has(key)) this.#counters.insertions++;
    this.#cache.set(key, endpointName);
  }

  /** Drops every session pinned to `endpointName`; O(sessions), run only on health transitions. */
  purgeEndpoint(endpointName: string): number {
    const doomed: string[] = [];
    for (const [key, name] of this.#cache.entries()) if (name === endpointName) doomed.push(key);
    for (const key of doomed) this.#cache.delete(key);
    return doomed.length;
  }

  /** Live sessions, after sweeping out any that have idled past the TTL. */
  activeSessions(): number {
    this.#cache.purgeStale();
    return this.#cache.size;
  }

  counters(): Readonly<SessionStoreCounters> {
    return { ...this.#counters };
  }
}
