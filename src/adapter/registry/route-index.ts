import type { ModelInfo, UnifiedModel } from '../../core/domain/model.js';

/** Which endpoints serve one requested name, and what each of them calls it. */
export interface RouteEntry {
  readonly endpoints: ReadonlySet<string>;
  /** endpoint name → the native model name there. */
  readonly nativeNames: ReadonlyMap<string, string>;
}

export interface RouteIndex {
  /** Native names exactly as backends list them. */
  readonly exact: ReadonlyMap<string, RouteEntry>;
  /** Lower-cased unified IDs and native names: every endpoint of the unified model. */
  readonly folded: ReadonlyMap<string, RouteEntry>;
  /** Configured aliases (`model_aliases`), resolved to the endpoints of their targets. */
  readonly aliases: ReadonlyMap<string, RouteEntry>;
}

class MutableEntry implements RouteEntry {
  readonly endpoints = new Set<string>();
  readonly nativeNames = new Map<string, string>();

  add(endpoint: string, nativeName: string): void {
    // The first name found for an endpoint wins, so alias order in config decides ties.
    if (this.endpoints.has(endpoint)) return;
    this.endpoints.add(endpoint);
    this.nativeNames.set(endpoint, nativeName);
  }
}

function entryFor(map: Map<string, MutableEntry>, key: string): MutableEntry {
  let entry = map.get(key);
  if (!entry) {
    entry = new MutableEntry();
    map.set(key, entry);
  }
  return entry;
}

/**
 * Precomputes every name a request may carry → the endpoints that serve it, each time the
 * catalogue changes, so the per-request lookup is two map reads and no scan.
 *
 * A request first matches native names exactly (as the original's base registry does); failing
 * that, the lower-cased name or unified ID finds the whole unified model (the original's
 * case-insensitive unified lookup, which the request inspector's lower-casing relies on).
 */
export function buildRouteIndex(
  perEndpoint: ReadonlyMap<string, readonly ModelInfo[]>,
  unified: readonly UnifiedModel[],
  aliases: Readonly<Record<string, readonly string[]>>,
): RouteIndex {
  const exact = new Map<string, MutableEntry>();
  for (const [endpoint, models] of perEndpoint) {
    for (const model of models) entryFor(exact, model.name).add(endpoint, model.name);
  }
  const folded = new Map<string, MutableEntry>();
  for (const model of unified) {
    const keys = new Set([model.id, ...model.aliases].map((k) => k.toLowerCase()));
    for (const key of keys) {
      const entry = entryFor(folded, key);
      for (const source of model.sourceEndpoints) entry.add(source.endpointName, source.nativeName);
    }
  }
  const aliasEntries = new Map<string, MutableEntry>();
  for (const [alias, targets] of Object.entries(aliases)) {
    const entry = new MutableEntry();
    for (const target of targets) {
      const found = exact.get(target) ?? folded.get(target.toLowerCase());
      if (found) for (const [endpoint, native] of found.nativeNames) entry.add(endpoint, native);
    }
    aliasEntries.set(alias, entry);
  }
  return { exact, folded, aliases: aliasEntries };
}

export function lookupRoute(index: RouteIndex, model: string): RouteEntry | undefined {
  return index.exact.get(model) ?? index.folded.get(model.toLowerCase());
}
