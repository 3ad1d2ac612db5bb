import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import { advance, TrackingSelector } from './tracking-selector.js';

/** Takes routable candidates in turn, skipping the rest; every node gets an equal share. */
export class RoundRobinBalancer extends TrackingSelector {
  readonly name = 'round-robin';
  #counter = 0;

  select(candidates: readonly Endpoint[]): Endpoint | undefined {
    const chosen = this.peek(candidates);
    if (chosen !== undefined) this.#counter = advance(this.#counter);
    return chosen;
  }

  peek(candidates: readonly Endpoint[]): Endpoint | undefined {
    // optimisation: count, then walk to the chosen one, rather than building a filtered array.
    let routable = 0;
    for (const endpoint of candidates) if (isRoutable(endpoint.status)) routable++;
    if (routable === 0) return undefined;
    let skip = this.#counter % routable;
    for (const endpoint of candidates) {
      if (!isRoutable(endpoint.status)) continue;
      if (skip === 0) return endpoint;
      skip--;
    }
    return undefined;
  }
}
