import type { ProxyConfig } from '../../config/types.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import type { SharedPins } from '../../core/ports/shared-state.js';
import { StickySelector } from '../sticky/sticky-selector.js';
import { ConnectionCounter } from './connection-counter.js';
import { createBalancer } from './factory.js';

type SelectionConfig = Pick<ProxyConfig, 'loadBalancer' | 'stickySessions'>;

export interface ReloadableSelectorOptions {
  /** Wraps each balancer built (loaded models first) beneath the sticky layer. */
  decorate?: (balancer: EndpointSelector) => EndpointSelector;
  /** Sticky pins shared with other instances, for the given idle TTL; absent when state is local. */
  sharedPins?: (idleTtlMs: number) => SharedPins;
}

/**
 * The balancer `proxy.load_balancer` names, wrapped in sticky sessions only when they are enabled
 * (so they cost nothing otherwise), swappable by a config reload. Every balancer it builds shares
 * one connection counter keyed by endpoint name, so a request acquired under the old balancer is
 * released correctly under the new one and least-connections sees the real load at once.
 */
export class ReloadableSelector implements EndpointSelector {
  readonly #counter = new ConnectionCounter();
  #current: EndpointSelector;
  #sticky: StickySelector | undefined;
  #config: SelectionConfig;
  readonly #options: ReloadableSelectorOptions;

  constructor(config: SelectionConfig, options: ReloadableSelectorOptions = {}) {
    this.#config = config;
    this.#options = options;
    const built = this.#build(config);
    this.#current = built.selector;
    this.#sticky = built.sticky;
  }

  get name(): string {
    return this.#current.name;
  }

  /** The sticky-session layer while sticky sessions are on. */
  get sticky(): StickySelector | undefined {
    return this.#sticky;
  }

  /**
   * Applies reloaded settings; returns whether anything changed. A change of balancer or of the
   * sticky settings starts a fresh balancer (and forgets session pins); requests already placed
   * keep their endpoint.
   */
  reconfigure(config: SelectionConfig): boolean {
    if (
      config.loadBalancer === this.#config.loadBalancer &&
      JSON.stringify(config.stickySessions) === JSON.stringify(this.#config.stickySessions)
    ) {
      return false;
    }
    const built = this.#build(config);
    this.#config = config;
    this.#current = built.selector;
    this.#sticky = built.sticky;
    return true;
  }

  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    return this.#current.select(candidates, ctx);
  }

  prepare(ctx: SelectionContext): Promise<void> | undefined {
    return this.#current.prepare?.(ctx);
  }

  peek(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    return this.#current.peek?.(candidates, ctx);
  }

  acquire(endpoint: Endpoint): void {
    this.#counter.acquire(endpoint.name);
  }

  release(endpoint: Endpoint): void {
    this.#counter.release(endpoint.name);
  }

  connections(endpoint: Endpoint): number {
    return this.#counter.count(endpoint.name);
  }

  #build(config: SelectionConfig): { selector: EndpointSelector; sticky: StickySelector | undefined } {
    const balancer = createBalancer(config.loadBalancer, this.#counter);
    const placed = this.#options.decorate?.(balancer) ?? balancer;
    const shared = this.#options.sharedPins?.(config.stickySessions.idleTtlSeconds * 1000);
    const sticky = config.stickySessions.enabled
      ? new StickySelector(placed, config.stickySessions, shared ? { shared } : {})
      : undefined;
    return { selector: sticky ?? placed, sticky };
  }
}
