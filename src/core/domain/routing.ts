/** How Olla decided where a request goes, surfaced in X-Olla-Routing-* headers. */

/** `panic`: no candidate was routable, so the configured ones are tried anyway. */
export type RoutingAction = 'routed' | 'fallback' | 'rejected' | 'panic';

export interface RoutingDecision {
  strategy: string;
  action: RoutingAction;
  reason: string;
}

/** The sticky-session outcome of one request, surfaced in X-Olla-Sticky-* headers. */
export interface StickyOutcome {
  result: 'hit' | 'miss' | 'repin' | 'disabled';
  source: 'session_header' | 'prefix_hash' | 'auth_header' | 'ip' | 'none';
}

/**
 * How urgently a request wants a slot when it must queue: `X-Olla-Priority` sets it today, a
 * client key's priority will later. High is served before normal before low; FIFO within each.
 */
export type RequestPriority = 'high' | 'normal' | 'low';

export const REQUEST_PRIORITIES: readonly RequestPriority[] = ['high', 'normal', 'low'];
