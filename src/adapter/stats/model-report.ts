import type { Endpoint } from '../../core/domain/endpoint.js';
import type { ModelDetails, ModelInfo, UnifiedModel } from '../../core/domain/model.js';
import { buildEndpointIds, compare, sanitiseDisplayUrl } from './endpoint-ids.js';
import { formatBytes, formatTimeAgo } from './format.js';
import type { StatusModelRegistry } from './status-report.js';

/**
 * The body of `/internal/status/models`: every discovered model once, with the endpoints that
 * host it (names and IDs paired), its family, size and inferred capabilities, grouped by family.
 * Endpoints are visited in URL order and metadata merges prefer-non-empty, so the same fleet
 * always renders the same answer (the ETag depends on it).
 */

export interface ModelSummary {
  name: string;
  type?: string;
  family?: string;
  size?: string;
  params?: string;
  quant?: string;
  last_seen: string;
  last_seen_at?: string;
  endpoints: string[];
  endpoint_ids?: string[];
  aliases?: string[];
  capabilities?: string[];
}

export interface ModelGroupSummary {
  family: string;
  models: ModelSummary[];
  endpoints: string[];
  model_count: number;
}

export interface ModelStatusResponse {
  timestamp: string;
  models_by_family: Record<string, string[]>;
  recent_models: ModelSummary[];
  model_groups?: ModelGroupSummary[];
  total_models: number;
  total_families: number;
  total_endpoints: number;
}

const UNKNOWN_FAMILY = 'unknown';
const RECENT_LIMIT = 10;

interface Building {
  summary: ModelSummary;
  lastSeen: number;
  hosts: { name: string; id: string }[];
}

/** What the original infers from reported details: model type, long context, precision. */
export function inferCapabilities(details: ModelDetails): string[] | undefined {
  const caps: string[] = [];
  switch (details.type) {
    case 'vlm':
      caps.push('vision', 'multimodal');
      break;
    case 'embeddings':
      caps.push('embeddings', 'vector_search');
      break;
    case 'llm':
      caps.push('text_generation', 'chat');
      break;
  }
  if (details.maxContextLength !== undefined && details.maxContextLength > 100_000) caps.push('long_context');
  const quant = details.quantizationLevel;
  if (quant !== undefined && (quant.includes('fp16') || quant.includes('bf16'))) caps.push('high_precision');
  return caps.length > 0 ? caps : undefined;
}

/** Fills only the fields still empty: the first endpoint (in URL order) to report one wins. */
function mergeMetadata(into: ModelSummary, model: ModelInfo): void {
  if (into.type === undefined && model.type) into.type = model.type;
  const d = model.details;
  if (d) {
    if (into.family === undefined && d.family) into.family = d.family;
    if (into.params === undefined && d.parameterSize) into.params = d.parameterSize;
    if (into.quant === undefined && d.quantizationLevel) into.quant = d.quantizationLevel;
    if (into.capabilities === undefined) {
      const caps = inferCapabilities(d);
      if (caps) into.capabilities = caps;
    }
  }
  if (into.size === undefined && model.size !== undefined && model.size > 0) into.size = formatBytes(model.size);
}

/** Each identifier of a unified model (its ID and alias names) → every other identifier. */
function aliasLookup(unified: readonly UnifiedModel[]): Map<string, string[]> {
  const lookup = new Map<string, Set<string>>();
  for (const model of unified) {
    const names = new Set(model.aliases.filter((a) => a !== ''));
    if (model.id !== '') names.add(model.id);
    if (names.size < 2) continue;
    for (const name of names) {
      let siblings = lookup.get(name);
      if (!siblings) {
        siblings = new Set();
        lookup.set(name, siblings);
      }
      for (const other of names) if (other !== name) siblings.add(other);
    }
  }
  const out = new Map<string, string[]>();
  for (const [name, siblings] of lookup) out.set(name, [...siblings].sort(compare));
  return out;
}

function familyOf(summary: ModelSummary): string {
  return summary.family || UNKNOWN_FAMILY;
}

function byRecency(a: Building, b: Building): number {
  if (a.lastSeen !== b.lastSeen) return b.lastSeen - a.lastSeen;
  return compare(a.summary.name, b.summary.name);
}

function groupByFamily(models: readonly ModelSummary[]): ModelGroupSummary[] {
  const families = new Map<string, ModelSummary[]>();
  for (const m of models) {
    const family = familyOf(m);
    const list = families.get(family);
    if (list) list.push(m);
    else families.set(family, [m]);
  }
  const groups = [...families].map(([family, list]) => ({
    family,
    models: [...list].sort((a, b) => compare(a.name, b.name)),
    endpoints: [...new Set(list.flatMap((m) => m.endpoints))].sort(compare),
    model_count: list.length,
  }));
  // Named families alphabetically, "unknown" last.
  return groups.sort((a, b) =>
    a.family === UNKNOWN_FAMILY ? 1 : b.family === UNKNOWN_FAMILY ? -1 : compare(a.family, b.family),
  );
}

export interface ModelStatusOptions {
  /** `?detailed=true&group=family` adds `model_groups`. */
  detailed: boolean;
  now: number;
  /** Which models (by the name an endpoint reports) to show; all when absent. */
  shows?: (model: string) => boolean;
}

export function buildModelStatusResponse(
  endpoints: readonly Endpoint[],
  registry: StatusModelRegistry,
  options: ModelStatusOptions,
): ModelStatusResponse {
  const ids = buildEndpointIds(endpoints);
  const aliases = aliasLookup(registry.unified());
  const models = new Map<string, Building>();
  let reporting = 0;

  const ordered = [...endpoints].sort((a, b) => compare(a.url, b.url) || compare(a.name, b.name));
  for (const endpoint of ordered) {
    const list = registry.modelsFor(endpoint.name);
    if (list.length > 0 || registry.lastUpdated?.(endpoint.name) !== undefined) reporting++;
    const host = { name: endpoint.name || sanitiseDisplayUrl(endpoint.url), id: ids.get(endpoint.name) ?? '' };
    for (const model of list) {
      if (options.shows !== undefined && !options.shows(model.name)) continue;
      let entry = models.get(model.name);
      if (!entry) {
        entry = { summary: { name: model.name, last_seen: '', endpoints: [] }, lastSeen: 0, hosts: [] };
        models.set(model.name, entry);
      }
      entry.hosts.push(host);
      if (model.lastSeen > entry.lastSeen) entry.lastSeen = model.lastSeen;
      mergeMetadata(entry.summary, model);
    }
  }

  const built = [...models.values()];
  for (const entry of built) {
    const { summary } = entry;
    entry.hosts.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
    summary.endpoints = entry.hosts.map((h) => h.name);
    summary.endpoint_ids = entry.hosts.map((h) => h.id);
    summary.last_seen = formatTimeAgo(entry.lastSeen, options.now);
    if (entry.lastSeen > 0) summary.last_seen_at = new Date(entry.lastSeen).toISOString();
    const al = aliases.get(summary.name);
    if (al) summary.aliases = [...al];
  }

  const byFamily: Record<string, string[]> = {};
  for (const { summary } of built) {
    const family = familyOf(summary);
    byFamily[family] = [...(byFamily[family] ?? []), summary.name];
  }
  for (const names of Object.values(byFamily)) names.sort(compare);

  const recent = [...built].sort(byRecency).slice(0, RECENT_LIMIT);
  const all = built.map((b) => b.summary);
  return {
    timestamp: new Date(options.now).toISOString(),
    models_by_family: byFamily,
    recent_models: recent.map((b) => b.summary),
    ...(options.detailed ? { model_groups: groupByFamily(all) } : {}),
    total_models: built.length,
    total_families: Object.keys(byFamily).length,
    total_endpoints: reporting,
  };
}
