import { type Endpoint, isRoutable, trafficWeight } from '../../core/domain/endpoint.js';
import type { ConnectionCounter } from './connection-counter.js';
import { TrackingSelector } from './tracking-selector.js';

/**
 * Picks from the highest-priority tier of routable candidates (a larger `priority` wins); within
 * the tier, at random weighted by status, so a busy or warming node gets a smaller share than a
 * healthy one. Lower tiers take traffic only when every node above them is out.
 */
export class PriorityBalancer extends TrackingSelector {
  readonly name = 'priority';
  readonly #random: () => number;

  constructor(counter?: ConnectionCounter, random: () => number = Math.random) {
    super(counter);
    this.#random = random;
  }

  /** Keeps no state, so a peek is a pick: within the top tier it is as random as a real one. */
  peek(candidates: readonly Endpoint[]): Endpoint | undefined {
    return this.select(candidates);
  }

  select(candidates: readonly Endpoint[]): Endpoint | undefined {
    let top = Number.NEGATIVE_INFINITY;
    let tierSize = 0;
    let tierWeight = 0;
    let first: Endpoint | undefined;
    for (const endpoint of candidates) {
      if (!isRoutable(endpoint.status)) continue;
      if (endpoint.priority > top) {
        top = endpoint.priority;
        tierSize = 0;
        tierWeight = 0;
        first = endpoint;
      }
      if (endpoint.priority === top) {
        tierSize++;
        tierWeight += trafficWeight(endpoint.status);
      }
    }
    if (tierSize <= 1) return first;
    const target = this.#random() * tierWeight;
    let cumulative = 0;
    let last = first;
    for (const endpoint of candidates) {
      if (endpoint.priority !== top || !isRoutable(endpoint.status)) continue;
      cumulative += trafficWeight(endpoint.status);
      if (target < cumulative) return endpoint;
      last = endpoint;
    }
    // Only reachable when random() returns its upper bound, which Math.random never does.
    return last;
  }
}
