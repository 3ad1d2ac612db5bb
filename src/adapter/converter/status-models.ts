import type { ModelDetails, ModelInfo, UnifiedModel } from '../../core/domain/model.js';
import type { EndpointModels } from '../unifier/unifier.js';
import { formatBytes, timeAgo } from './format-text.js';

export interface StatusModelsOptions {
  /** `?detailed=true` with `?group=family` adds `model_groups`. */
  detailed: boolean;
  group?: string;
  /** endpoint name → stable ID, from whoever builds `/internal/status/endpoints` IDs. */
  endpointIds?: ReadonlyMap<string, string>;
  now: number;
}

interface ModelSummary {
  last_seen_at?: string;
  name: string;
  type?: string;
  family?: string;
  size?: string;
  params?: string;
  quant?: string;
  last_seen: string;
  endpoints: string[];
  endpoint_ids?: string[];
  aliases?: string[];
  capabilities?: string[];
  /** Sort key only; not serialised. */
  lastSeenMs: number;
}

const RECENT_LIMIT = 10;
const UNKNOWN = 'unknown';

/**
 * The `/internal/status/models` body: every native model name once, with the endpoints that
 * list it, grouped by family. Deterministic for the same input (endpoints by URL, names sorted)
 * so an ETag over it only changes when the catalogue does.
 */
export function statusModels(
  sources: readonly EndpointModels[],
  unified: readonly UnifiedModel[],
  options: StatusModelsOptions,
): unknown {
  const siblings = siblingNames(unified);
  const byName = new Map<string, ModelSummary>();
  const withModels = [...sources]
    .filter((s) => s.models.length > 0)
    .sort((a, b) => (a.endpointUrl < b.endpointUrl ? -1 : 1));
  for (const source of withModels) {
    const id = options.endpointIds?.get(source.endpointName);
    for (const model of source.models) {
      const existing = byName.get(model.name);
      if (!existing) {
        byName.set(model.name, createSummary(model, source.endpointName, id, options.now));
        continue;
      }
      existing.endpoints.push(source.endpointName);
      if (id !== undefined) existing.endpoint_ids = [...(existing.endpoint_ids ?? []), id];
      if (model.lastSeen > existing.lastSeenMs) {
        existing.lastSeenMs = model.lastSeen;
        existing.last_seen = timeAgo(model.lastSeen, options.now);
        existing.last_seen_at = new Date(model.lastSeen).toISOString();
      }
      backfill(existing, model);
    }
  }
  const summaries = [...byName.values()].map((s) => {
    const aliases = siblings.get(s.name);
    if (aliases) s.aliases = aliases;
    sortEndpoints(s);
    return s;
  });
  const modelsByFamily: Record<string, string[]> = {};
  for (const s of summaries) {
    const family = s.family || UNKNOWN;
    modelsByFamily[family] = [...(modelsByFamily[family] ?? []), s.name];
  }
  for (const names of Object.values(modelsByFamily)) names.sort();

  const recent = [...summaries]
    .sort((a, b) => b.lastSeenMs - a.lastSeenMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, RECENT_LIMIT);
  return {
    timestamp: new Date(options.now).toISOString(),
    models_by_family: modelsByFamily,
    recent_models: recent.map(serialise),
    ...(options.detailed && options.group === 'family' ? { model_groups: familyGroups(summaries) } : {}),
    total_models: summaries.length,
    total_families: Object.keys(modelsByFamily).length,
    total_endpoints: withModels.length,
  };
}

function createSummary(model: ModelInfo, endpoint: string, id: string | undefined, now: number): ModelSummary {
  const summary: ModelSummary = {
    name: model.name,
    last_seen: timeAgo(model.lastSeen, now),
    endpoints: [endpoint],
    lastSeenMs: model.lastSeen,
  };
  if (model.lastSeen) summary.last_seen_at = new Date(model.lastSeen).toISOString();
  if (id !== undefined) summary.endpoint_ids = [id];
  backfill(summary, model);
  return summary;
}

/** Fills only empty fields: the first endpoint (by URL) wins a conflict, deterministically. */
function backfill(summary: ModelSummary, model: ModelInfo): void {
  if (!summary.type && model.type) summary.type = model.type;
  const d = model.details;
  if (d) {
    if (!summary.family && d.family) summary.family = d.family;
    if (!summary.params && d.parameterSize) summary.params = d.parameterSize;
    if (!summary.quant && d.quantizationLevel) summary.quant = d.quantizationLevel;
    if (!summary.capabilities) {
      const caps = statusCapabilities(d);
      if (caps.length > 0) summary.capabilities = caps;
    }
  }
  if (!summary.size && model.size) summary.size = formatBytes(model.size);
}

/** The status page's own, coarser capability tags (not the unifier's). */
function statusCapabilities(d: ModelDetails): string[] {
  const caps: string[] = [];
  if (d.type === 'vlm') caps.push('vision', 'multimodal');
  else if (d.type === 'embeddings') caps.push('embeddings', 'vector_search');
  else if (d.type === 'llm') caps.push('text_generation', 'chat');
  if ((d.maxContextLength ?? 0) > 100_000) caps.push('long_context');
  const quant = d.quantizationLevel ?? '';
  if (quant.includes('fp16') || quant.includes('bf16')) caps.push('high_precision');
  return caps;
}

/** Each name of a unified model → every other name it goes by (sorted), for "also known as". */
function siblingNames(unified: readonly UnifiedModel[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const model of unified) {
    const all = [...new Set([...model.aliases, model.id])].sort();
    if (all.length < 2) continue;
    for (const name of all) {
      const others = all.filter((n) => n !== name);
      const merged = [...new Set([...(out.get(name) ?? []), ...others])].sort();
      out.set(name, merged);
    }
  }
  return out;
}

function sortEndpoints(summary: ModelSummary): void {
  const ids = summary.endpoint_ids;
  const pairs = summary.endpoints.map((name, i) => [name, ids?.[i] ?? ''] as const);
  pairs.sort(([an, ai], [bn, bi]) => (an !== bn ? (an < bn ? -1 : 1) : ai < bi ? -1 : ai > bi ? 1 : 0));
  summary.endpoints = pairs.map(([n]) => n);
  if (ids) summary.endpoint_ids = pairs.map(([, id]) => id);
}

function familyGroups(summaries: readonly ModelSummary[]) {
  const byFamily = new Map<string, ModelSummary[]>();
  for (const s of summaries) {
    const family = s.family || UNKNOWN;
    byFamily.set(family, [...(byFamily.get(family) ?? []), s]);
  }
  return [...byFamily.entries()]
    .sort(([a], [b]) => (a === UNKNOWN ? 1 : b === UNKNOWN ? -1 : a < b ? -1 : 1))
    .map(([family, models]) => ({
      family,
      models: [...models].sort((a, b) => (a.name < b.name ? -1 : 1)).map(serialise),
      endpoints: [...new Set(models.flatMap((m) => m.endpoints))].sort(),
      model_count: models.length,
    }));
}

function serialise({ lastSeenMs: _, ...summary }: ModelSummary): Omit<ModelSummary, 'lastSeenMs'> {
  return summary;
}
