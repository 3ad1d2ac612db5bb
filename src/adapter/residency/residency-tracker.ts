/**
 * Which models each endpoint has loaded in memory right now, as far as Olla can tell: from the
 * backend's own report (Ollama `/api/ps`, LM Studio's `state: loaded`) on the discovery interval,
 * and from Olla's own routing in between (the node just sent model M is loading or holding M).
 * Endpoints nothing is known about are simply absent: "unknown", never "nothing loaded".
 */
export class ResidencyTracker {
  /** endpoint name → folded model names loaded there. */
  readonly #loaded = new Map<string, Set<string>>();

  /** Replaces what `endpoint` holds with the backend's own report. */
  report(endpoint: string, models: readonly string[]): void {
    this.#loaded.set(endpoint, new Set(models.map(foldModelName)));
  }

  /**
   * Olla just routed `model` to `endpoint`: it is loaded there now (or is being loaded). Only for
   * endpoints whose backend reports residency: for the rest (vLLM and the like serve what they
   * were started with) a guess from routing would pin every model to the first node that served it.
   */
  noteServed(endpoint: string, model: string): void {
    this.#loaded.get(endpoint)?.add(foldModelName(model));
  }

  /** Whether the endpoint reports residency at all (unknown endpoints are neither loaded nor not). */
  knows(endpoint: string): boolean {
    return this.#loaded.has(endpoint);
  }

  isLoaded(endpoint: string, model: string): boolean {
    return this.#loaded.get(endpoint)?.has(foldModelName(model)) === true;
  }

  /** Endpoints holding `model`, in name order (for `loaded_on` in listings). */
  loadedOn(model: string): string[] {
    const folded = foldModelName(model);
    const out: string[] = [];
    for (const [endpoint, models] of this.#loaded) if (models.has(folded)) out.push(endpoint);
    return out.sort();
  }

  /** endpoint → loaded models, for `/internal/status/models`. */
  snapshot(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [endpoint, models] of this.#loaded) out[endpoint] = [...models].sort();
    return out;
  }

  forget(endpoint: string): void {
    this.#loaded.delete(endpoint);
  }
}

/**
 * Requests and reports spell a model differently (`llama3` vs `llama3:latest`, case), so both
 * sides are compared folded: lower-cased, Ollama's implicit `:latest` tag dropped.
 */
export function foldModelName(model: string): string {
  const lower = model.toLowerCase();
  return lower.endsWith(':latest') ? lower.slice(0, -':latest'.length) : lower;
}
