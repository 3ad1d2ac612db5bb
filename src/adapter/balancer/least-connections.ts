import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import { advance, TrackingSelector } from './tracking-selector.js';

/** Sends each request to the routable candidate with the fewest requests in flight. */
export class LeastConnectionsBalancer extends TrackingSelector {
  readonly name = 'least-connections';
  /**
   * Rotates the choice among candidates tied on the minimum. Always taking the first of them
   * would shadow a recovered node forever behind whichever tied node is listed first, since
   * sequential requests leave every count at zero.
   */
  #tieCursor = 0;

  select(candidates: readonly Endpoint[]): Endpoint | undefined {
    return this.#choose(candidates, true);
  }

  peek(candidates: readonly Endpoint[]): Endpoint | undefined {
    return this.#choose(candidates, false);
  }

  #choose(candidates: readonly Endpoint[], rotate: boolean): Endpoint | undefined {
    let min = Number.POSITIVE_INFINITY;
    let tied = 0;
    let first: Endpoint | undefined;
    for (const endpoint of candidates) {
      if (!isRoutable(endpoint.status)) continue;
      const count = this.counter.count(endpoint.name);
      if (count < min) {
        min = count;
        tied = 1;
        first = endpoint;
      } else if (count === min) {
        tied++;
      }
    }
    if (tied <= 1) return first;
    // optimisation: walk to the chosen tied candidate instead of collecting them in an array.
    let skip = this.#tieCursor % tied;
    if (rotate) this.#tieCursor = advance(this.#tieCursor);
    for (const endpoint of candidates) {
      if (!isRoutable(endpoint.status) || this.counter.count(endpoint.name) !== min) continue;
      if (skip === 0) return endpoint;
      skip--;
    }
    return first;
  }
}
