import type { Endpoint } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';

/**
 * A selector that changes how `inner` chooses (sticky sessions, loaded models first, concurrency
 * limits) and hands the connection bookkeeping through to it unchanged unless it overrides it.
 */
export abstract class SelectorDecorator implements EndpointSelector {
  abstract readonly name: string;
  protected readonly inner: EndpointSelector;

  constructor(inner: EndpointSelector) {
    this.inner = inner;
  }

  abstract select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined;

  /** What `select` would pick, changing nothing; decorators that narrow the candidates override it. */
  peek(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    return this.inner.peek?.(candidates, ctx);
  }

  prepare(ctx: SelectionContext): Promise<void> | undefined {
    return this.inner.prepare?.(ctx);
  }

  acquire(endpoint: Endpoint): void {
    this.inner.acquire(endpoint);
  }

  release(endpoint: Endpoint): void {
    this.inner.release(endpoint);
  }

  connections(endpoint: Endpoint): number {
    return this.inner.connections(endpoint);
  }
}
