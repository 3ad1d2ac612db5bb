import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import { SelectorDecorator } from '../balancer/selector-decorator.js';
import type { ResidencyTracker } from './residency-tracker.js';

/**
 * Prefers, among the candidates for a model, the nodes that already have it loaded (or may:
 * residency unknown) over those known not to: a request
 * for another model makes a GPU box unload and cold-load, which costs seconds. The balancer it
 * decorates still decides among those nodes, and among all of them when none has the model.
 * Built only when `proxy.prefer_loaded_models` is on, so it costs nothing otherwise.
 */
export class ResidencySelector extends SelectorDecorator {
  readonly name: string;
  readonly #residency: ResidencyTracker;

  constructor(inner: EndpointSelector, residency: ResidencyTracker) {
    super(inner);
    // A preference, not another balancer: status and explain keep naming the configured one.
    this.name = inner.name;
    this.#residency = residency;
  }

  select(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    const model = ctx?.model;
    if (model === undefined) return this.inner.select(candidates, ctx);
    const chosen = this.inner.select(this.#preferred(candidates, model) ?? candidates, ctx);
    if (chosen === undefined) return undefined;
    ctx!.modelLoaded = this.#residency.isLoaded(chosen.name, model);
    this.#residency.noteServed(chosen.name, model);
    return chosen;
  }

  /** As `select`, without noting the node as serving the model. */
  override peek(candidates: readonly Endpoint[], ctx?: SelectionContext): Endpoint | undefined {
    const model = ctx?.model;
    return this.inner.peek?.(
      model === undefined ? candidates : (this.#preferred(candidates, model) ?? candidates),
      ctx,
    );
  }

  /**
   * The routable candidates not known to lack `model`: those holding it, and those whose backend
   * does not report residency (a vLLM serves what it was started with; guessing it cold would
   * starve it). Undefined when that leaves out nobody, or everybody: the balancer sees all then.
   */
  #preferred(candidates: readonly Endpoint[], model: string): Endpoint[] | undefined {
    const residency = this.#residency;
    let out: Endpoint[] | undefined;
    let anyHolds = false;
    for (let i = 0; i < candidates.length; i++) {
      const endpoint = candidates[i]!;
      const holds = residency.isLoaded(endpoint.name, model);
      anyHolds ||= holds;
      const keep = isRoutable(endpoint.status) && (holds || !residency.knows(endpoint.name));
      if (keep) out?.push(endpoint);
      else out ??= candidates.slice(0, i).filter((e) => isRoutable(e.status));
    }
    return anyHolds && out !== undefined && out.length > 0 ? out : undefined;
  }
}
