import type { StickySessionsConfig } from '../../config/types.js';
import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { StickyOutcome } from '../../core/domain/routing.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import type { SharedPins } from '../../core/ports/shared-state.js';
import { SelectorDecorator } from '../balancer/selector-decorator.js';
import { SessionStore } from './session-store.js';
import { deriveStickyKey } from './sticky-key.js';

/** `/internal/stats/sticky` while sticky sessions are on (field names as the original's). */
export interface StickyStats {
  enabled: true;
  active_sessions: number;
  insertions: number;
  hits: number;
  misses: number;
  evictions: number;
  max_sessions: number;
  idle_ttl_seconds: number;
}

/** The stable shape scripts branch on when sticky sessions are off. */
export type StickyStatsResponse = StickyStats | { enabled: false };

type Result = StickyOutcome['result'];
type Source = StickyOutcome['source'];

const RESULTS: readonly Result[] = ['hit', 'miss', 'repin', 'disabled'];
const SOURCES: readonly Source[] = ['session_header', 'prefix_hash', 'auth_header', 'ip', 'none'];

// Every outcome is a shared frozen value, so recording one per request allocates nothing.
const OUTCOMES = Object.fromEntries(
  RESULTS.map((result) => [
    result,
    Object.fromEntries(SOURCES.map((source) => [source, Object.freeze({ result, source })])),
  ]),
) as Record<Result, Record<Source, StickyOutcome>>;

const DISABLED = OUTCOMES.disabled.none;

function findPinned(candidates: readonly Endpoint[], name: string): Endpoint | undefined {
  for (const endpoint of candidates) if (endpoint.name === name && isRoutable(endpoint.status)) return endpoint;
  return undefined;
}

export interface StickySelectorOptions {
  /** Millisecond clock for the idle TTL, injectable for tests. */
  now?: () => number;
  /** Pins shared with other instances; local pins alone when absent. */
  shared?: SharedPins;
}

/**
 * Sends later turns of a conversation to the endpoint that served the earlier ones, so its KV cache
 * is reused. Decorates any balancer: new sessions, and sessions whose endpoint is no longer a
 * routable candidate, are placed by the inner selector and pinned. The composition root wraps only
 * when sticky sessions are enabled, so the feature costs nothing when off.
 */
export class StickySelector extends SelectorDecorator {
  readonly name: string;
  readonly #config: StickySessionsConfig;
  readonly #store: SessionStore;
  readonly #shared: SharedPins | undefined;

  constructor(inner: EndpointSelector, config: StickySessionsConfig, options: StickySelectorOptions = {}) {
    super(inner);
    this.name = `sticky(${inner.name})`;
    this.#config = config;
    this.#shared = options.shared;
    this.#store = new SessionStore({
      idleTtlSeconds: config.idleTtlSeconds,
      maxSessions: config.maxSessions,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /**
   * With shared pins, reads the session's pin from the store into the local one, so a conversation
   * pinned through another instance is honoured here. The store's answer, when it has one, wins:
   * it is the latest pin any instance made.
   */
  override prepare(ctx: SelectionContext): Promise<void> | undefined {
    const shared = this.#shared;
    if (shared === undefined) return this.inner.prepare?.(ctx);
    const sticky = deriveStickyKey(ctx, this.#config);
    if (sticky === undefined) return this.inner.prepare?.(ctx);
    return shared.fetch(sticky.key).then((name) => {
      if (typeof name === 'string' && this.#store.peek(sticky.key) !== name) this.#store.set(sticky.key, name);
      return this.inner.prepare?.(ctx);
    });
  }

  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    if (ctx === undefined) return this.inner.select(candidates);
    const sticky = deriveStickyKey(ctx, this.#config);
    if (sticky === undefined) {
      ctx.sticky = DISABLED;
      return this.inner.select(candidates, ctx);
    }
    const pinnedName = this.#store.get(sticky.key);
    if (pinnedName !== undefined) {
      const pinned = findPinned(candidates, pinnedName);
      if (pinned !== undefined) {
        ctx.sticky = OUTCOMES.hit[sticky.source];
        return pinned;
      }
    }
    const chosen = this.inner.select(candidates, ctx);
    if (chosen === undefined) return undefined;
    // Concurrent first turns of one session may both pin; the last writer wins, which is harmless.
    this.#store.set(sticky.key, chosen.name);
    this.#shared?.pin(sticky.key, chosen.name);
    ctx.sticky = OUTCOMES[pinnedName === undefined ? 'miss' : 'repin'][sticky.source];
    return chosen;
  }

  /** As `select` (the outcome lands on `ctx.sticky`), but pins, TTLs and counters stay as they are. */
  override peek(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    const inner = (pool: readonly Endpoint[]) => this.inner.peek?.(pool, ctx);
    if (ctx === undefined) return inner(candidates);
    const sticky = deriveStickyKey(ctx, this.#config);
    if (sticky === undefined) {
      ctx.sticky = DISABLED;
      return inner(candidates);
    }
    const pinnedName = this.#store.peek(sticky.key);
    const pinned = pinnedName === undefined ? undefined : findPinned(candidates, pinnedName);
    if (pinned !== undefined) {
      ctx.sticky = OUTCOMES.hit[sticky.source];
      return pinned;
    }
    ctx.sticky = OUTCOMES[pinnedName === undefined ? 'miss' : 'repin'][sticky.source];
    return inner(candidates);
  }

  /**
   * Forgets every session pinned to `endpointName`. Call when an endpoint goes from routable to
   * non-routable (not on healthy -> busy, which still serves), so its sessions re-pin at once
   * instead of waiting out the TTL.
   */
  purgeEndpoint(endpointName: string): void {
    this.#store.purgeEndpoint(endpointName);
  }

  stats(): StickyStats {
    const counters = this.#store.counters();
    return {
      enabled: true,
      active_sessions: this.#store.activeSessions(),
      insertions: counters.insertions,
      hits: counters.hits,
      misses: counters.misses,
      evictions: counters.evictions,
      max_sessions: this.#config.maxSessions,
      idle_ttl_seconds: this.#config.idleTtlSeconds,
    };
  }
}

/** The body of `/internal/stats/sticky`: `{"enabled":false}` when no sticky selector was built. */
export function stickyStats(selector: StickySelector | undefined): StickyStatsResponse {
  return selector === undefined ? { enabled: false } : selector.stats();
}
