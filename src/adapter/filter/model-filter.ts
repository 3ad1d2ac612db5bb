import type { FilterConfig } from '../../config/types.js';
import type { ModelInfo } from '../../core/domain/model.js';
import { matchesGlob } from './glob.js';

/**
 * Include/exclude filtering by name. No include patterns (or a `*` among them) admits
 * everything; exclude always wins over include. An undefined or empty filter admits all.
 */
export function filterAdmits(filter: FilterConfig | undefined, name: string): boolean {
  if (!filter) return true;
  const { include, exclude } = filter;
  if (include.length > 0 && !include.includes('*') && !include.some((p) => matchesGlob(name, p))) return false;
  return !exclude.some((p) => matchesGlob(name, p));
}

export function isEmptyFilter(filter: FilterConfig | undefined): boolean {
  return !filter || (filter.include.length === 0 && filter.exclude.length === 0);
}

/**
 * Applies the global filter then the endpoint's own, at discovery time, so a filtered-out
 * model never reaches the registry, the listings or routing.
 */
export function applyModelFilters(
  models: readonly ModelInfo[],
  ...filters: (FilterConfig | undefined)[]
): readonly ModelInfo[] {
  const active = filters.filter((f): f is FilterConfig => !isEmptyFilter(f));
  if (active.length === 0) return models;
  return models.filter((m) => active.every((f) => filterAdmits(f, m.name)));
}
