import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import { SelectorDecorator } from '../balancer/selector-decorator.js';

/**
 * Enforces each endpoint's `max_concurrent_requests` (0 = unlimited): selection only ever sees
 * candidates with a free slot, so a node never has more requests in flight through this Olla
 * than its limit. Decorates the whole selector chain (sticky, residency, balancer), and is built
 * only when some endpoint has a limit.
 *
 * Every `select` is followed synchronously by the exchange's `acquire`, so checking room and
 * taking the slot cannot interleave with another request on Node's single thread.
 */
export class ConcurrencyLimiter extends SelectorDecorator {
  readonly name: string;
  readonly #limitOf: (endpointName: string) => number;
  readonly #inFlight = new Map<string, number>();
  readonly #freed: Array<() => void> = [];
  #notifyScheduled = false;

  constructor(inner: EndpointSelector, limitOf: (endpointName: string) => number) {
    super(inner);
    this.name = inner.name;
    this.#limitOf = limitOf;
  }

  /** Called (once per tick, after releases) when a slot may have come free. */
  onSlotFreed(listener: () => void): void {
    this.#freed.push(listener);
  }

  limit(endpointName: string): number {
    return this.#limitOf(endpointName);
  }

  inFlight(endpointName: string): number {
    return this.#inFlight.get(endpointName) ?? 0;
  }

  hasRoom(endpoint: Endpoint): boolean {
    const limit = this.#limitOf(endpoint.name);
    return limit <= 0 || this.inFlight(endpoint.name) < limit;
  }

  /** Whether a routable candidate has a free slot now. */
  anyRoom(candidates: readonly Endpoint[]): boolean {
    for (const endpoint of candidates) if (isRoutable(endpoint.status) && this.hasRoom(endpoint)) return true;
    return false;
  }

  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    let full = 0;
    for (const endpoint of candidates) if (!this.hasRoom(endpoint)) full++;
    if (full === 0) return this.inner.select(candidates, ctx);
    if (full === candidates.length) return undefined;
    return this.inner.select(
      candidates.filter((endpoint) => this.hasRoom(endpoint)),
      ctx,
    );
  }

  /** The node `select` would pick now; none when every candidate is at its limit. */
  override peek(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    const withRoom = candidates.filter((endpoint) => this.hasRoom(endpoint));
    return withRoom.length === 0 ? undefined : this.inner.peek?.(withRoom, ctx);
  }

  override acquire(endpoint: Endpoint): void {
    this.#inFlight.set(endpoint.name, this.inFlight(endpoint.name) + 1);
    this.inner.acquire(endpoint);
  }

  override release(endpoint: Endpoint): void {
    const count = this.inFlight(endpoint.name);
    if (count <= 1) this.#inFlight.delete(endpoint.name);
    else this.#inFlight.set(endpoint.name, count - 1);
    this.inner.release(endpoint);
    if (count > 0) this.slotsChanged();
  }

  /** Tells the queue slots may be free: after a release, or when a config reload raised a limit. */
  slotsChanged(): void {
    if (this.#freed.length === 0 || this.#notifyScheduled) return;
    // Deferred so a queued request never starts inside another exchange's bookkeeping.
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      for (const listener of this.#freed) listener();
    });
  }
}
