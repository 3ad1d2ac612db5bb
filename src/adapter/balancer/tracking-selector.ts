import type { Endpoint } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import { ConnectionCounter } from './connection-counter.js';

/** The connection bookkeeping every balancer shares; subclasses supply only the choice. */
export abstract class TrackingSelector implements EndpointSelector {
  abstract readonly name: string;
  protected readonly counter: ConnectionCounter;

  constructor(counter: ConnectionCounter = new ConnectionCounter()) {
    this.counter = counter;
  }

  abstract select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined;

  acquire(endpoint: Endpoint): void {
    this.counter.acquire(endpoint.name);
  }

  release(endpoint: Endpoint): void {
    this.counter.release(endpoint.name);
  }

  connections(endpoint: Endpoint): number {
    return this.counter.count(endpoint.name);
  }
}

/**
 * Rotation counters wrap below 2^30 so they stay small integers V8 keeps unboxed; the one skip
 * at the wrap is harmless.
 */
export function advance(counter: number): number {
  return (counter + 1) & 0x3fffffff;
}
