import type { Endpoint } from '../domain/endpoint.js';
import type { RequestBody } from '../domain/request-body.js';
import type { RequestPriority, StickyOutcome } from '../domain/routing.js';

/** Per-request facts a selector may use (sticky sessions key on these). */
export interface SelectionContext {
  model?: string;
  /** Raw request headers (lower-cased names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  clientIp: string;
  /** The request body, when buffered (sticky prefix hashing reads it). */
  body?: RequestBody;
  /** Written by a sticky wrapper so the proxy can set X-Olla-Sticky-* headers. */
  sticky?: StickyOutcome;
  /** Queue priority; the one field every source of priority (header, client key) writes. */
  priority?: RequestPriority;
  /** Set by the residency selector when it chose among nodes that have the model loaded. */
  modelLoaded?: boolean;
}

/**
 * Picks one endpoint from routable candidates. Implementations: priority, round-robin,
 * least-connections, and the sticky-session decorator around any of them.
 */
export interface EndpointSelector {
  readonly name: string;
  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined;
  /**
   * The endpoint `select` would pick now, changing nothing (no rotation, pin or count moves):
   * `/internal/explain` asks this. Optional so test doubles need not implement it.
   */
  peek?(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined;
  /**
   * Loads what `select` will need from state shared with other instances (a sticky pin), before
   * `select` runs. Undefined when there is nothing to load, so a local-only Olla awaits nothing.
   * Never rejects: a store that cannot answer leaves the local state to decide.
   */
  prepare?(ctx: SelectionContext): Promise<void> | undefined;
  /** A request to `endpoint` started; pair every call with exactly one `release`. */
  acquire(endpoint: Endpoint): void;
  release(endpoint: Endpoint): void;
  /** Requests in flight to `endpoint`. */
  connections(endpoint: Endpoint): number;
}
