/**
 * Panic routing, in one place: when no candidate for a request is routable, Olla tries the
 * configured ones anyway rather than answer 503 in microseconds while a node may already be
 * back. The ones that failed longest ago go first (most likely to have recovered), at most three.
 */
import type { Endpoint } from '../../core/domain/endpoint.js';

export const PANIC_MAX_CANDIDATES = 3;

/** The configured candidates in panic order: least recently failed (checked) first. */
export function panicCandidates(configured: readonly Endpoint[], limit = PANIC_MAX_CANDIDATES): Endpoint[] {
  return [...configured].sort((a, b) => a.lastChecked - b.lastChecked).slice(0, limit);
}
