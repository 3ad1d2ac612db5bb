import type { Endpoint } from '../../../core/domain/endpoint.js';

/**
 * Everything about an endpoint the hot path needs, worked out once per endpoint rather than per
 * request: where to connect, what Host to send, the base path, and the outbound headers the
 * endpoint's config adds (custom headers, then the auth header, which wins on a clash).
 */
export interface UpstreamTarget {
  /** `http://host:port`, the key for per-origin connection pools. */
  readonly origin: string;
  /** The Host header the backend expects (its own authority, never the client's). */
  readonly hostHeader: string;
  /** Base path without a trailing slash; '' for the root. */
  readonly basePath: string;
  readonly preservePath: boolean;
  /** Configured headers then the auth header, as a flat `[name, value, …]` list. */
  readonly extraHeaders: readonly string[];
  /**
   * Lower-case names the endpoint sets itself. Client headers with these names are dropped on
   * the way out, and upstream headers with these names are dropped on the way back, so a
   * backend reflecting a credential never hands it to the client.
   */
  readonly ownHeaders: ReadonlySet<string>;
}

export function toUpstreamTarget(endpoint: Endpoint): UpstreamTarget {
  const url = new URL(endpoint.url);
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;

  const merged = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(endpoint.headers)) merged.set(name.toLowerCase(), [name, value]);
  if (endpoint.authHeader) {
    merged.set(endpoint.authHeader.name.toLowerCase(), [endpoint.authHeader.name, endpoint.authHeader.value]);
  }
  const extraHeaders: string[] = [];
  for (const [name, value] of merged.values()) extraHeaders.push(name, value);

  return {
    origin: url.origin,
    hostHeader: url.host,
    basePath,
    preservePath: endpoint.preservePath,
    extraHeaders,
    ownHeaders: new Set(merged.keys()),
  };
}

/** Computes each endpoint's target on first use and keeps it for the endpoint's lifetime. */
export class UpstreamTargets {
  readonly #cache = new WeakMap<Endpoint, UpstreamTarget>();

  get(endpoint: Endpoint): UpstreamTarget {
    let target = this.#cache.get(endpoint);
    if (target === undefined) {
      target = toUpstreamTarget(endpoint);
      this.#cache.set(endpoint, target);
    }
    return target;
  }
}
