import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import { SelectorDecorator } from '../balancer/selector-decorator.js';
import type { ResidencyTracker } from './residency-tracker.js';

/**
 * Prefers, among the candidates for a model, the nodes that already have it loaded: a request
 * for another model makes a GPU box unload and cold-load, which costs seconds. The balancer it
 * decorates still decides among those nodes, and among all of them when none has the model.
 * Built only when `proxy.prefer_loaded_models` is on, so it costs nothing otherwise.
 */
export class ResidencySelector extends SelectorDecorator {
  readonly name: string;
  readonly #residency: ResidencyTracker;

  constructor(inner: EndpointSelector, residency: ResidencyTracker) {
    super(inner);
    this.name = `loaded-first(${inner.name})`;
    this.#residency = residency;
  }

  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    const model = ctx?.model;
    if (model === undefined) return this.inner.select(candidates, ctx);
    const loaded = this.#loadedAmong(candidates, model);
    const chosen = this.inner.select(loaded ?? candidates, ctx);
    if (chosen === undefined) return undefined;
    ctx!.modelLoaded = loaded !== undefined;
    this.#residency.noteServed(chosen.name, model);
    return chosen;
  }

  /** Routable candidates holding `model`, or undefined when none does (no array allocated then). */
  #loadedAmong(candidates: readonly Endpoint[], model: string): Endpoint[] | undefined {
    let out: Endpoint[] | undefined;
    for (const endpoint of candidates) {
      if (!isRoutable(endpoint.status) || !this.#residency.isLoaded(endpoint.name, model)) continue;
      if (out === undefined) out = [endpoint];
      else out.push(endpoint);
    }
    return out;
  }
}
