/**
 * The models to try, in order, for a request: the one asked for, then its `model_fallbacks`
 * chain followed transitively (a fallback's own chain comes after it), each model once. Config
 * validation has ruled out loops; the visited set keeps a per-request list honest too.
 */
export class FallbackChains {
  #chains: Readonly<Record<string, readonly string[]>> = {};
  #cache = new Map<string, readonly string[]>();
  #empty = true;

  constructor(chains: Readonly<Record<string, readonly string[]>>) {
    this.replace(chains);
  }

  /**
   * The chains of a config reload, for requests routed from now; a request already walking a
   * chain holds the list it was given.
   */
  replace(chains: Readonly<Record<string, readonly string[]>>): void {
    this.#chains = chains;
    this.#cache = new Map();
    this.#empty = Object.keys(chains).length === 0;
  }

  get empty(): boolean {
    return this.#empty;
  }

  /** Every model named anywhere in a chain, keys included (for the start-up check). */
  models(): string[] {
    const all = new Set<string>();
    for (const [model, targets] of Object.entries(this.#chains)) {
      all.add(model);
      for (const target of targets) all.add(target);
    }
    return [...all];
  }

  /** `[model, ...fallbacks]`; just `[model]` when it has no chain. */
  chainFor(model: string): readonly string[] {
    let chain = this.#cache.get(model);
    if (chain === undefined) {
      const out: string[] = [];
      this.#walk(model, out);
      chain = out;
      // Only configured names are cached, so arbitrary request models cannot grow the map.
      if (Object.hasOwn(this.#chains, model)) this.#cache.set(model, chain);
    }
    return chain;
  }

  #walk(model: string, out: string[]): void {
    if (out.includes(model)) return;
    out.push(model);
    const next = Object.hasOwn(this.#chains, model) ? this.#chains[model]! : [];
    for (const target of next) this.#walk(target, out);
  }
}

/** A per-request `models: [...]` list (OpenRouter's convention): `model` first, then the list, each once. */
export function requestChain(model: string | undefined, listed: readonly string[]): readonly string[] {
  const out: string[] = [];
  for (const name of model === undefined ? listed : [model, ...listed]) if (!out.includes(name)) out.push(name);
  return out;
}
