import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { UnifiedModel } from '../../core/domain/model.js';
import { BadRequestError } from '../../core/errors.js';
import { formatBytes, formatTimeAgo as timeAgo } from '../stats/format.js';
import { type FormatContext, MODEL_LIST_FORMATS, modelKind } from './formats.js';

/** What every listing reads: the registry's unified view and the endpoints' live state. No fan-out. */
export interface ListingSource {
  readonly models: readonly UnifiedModel[];
  readonly endpoints: readonly Endpoint[];
  /** `model_aliases`, listed beside their targets as `alias_of` entries (our addition). */
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** Endpoint types whose profile speaks the OpenAI API (for `/olla/openai/...` listings). */
  readonly openAiCompatibleTypes?: ReadonlySet<string>;
  readonly now: number;
  /** Residency, for `loaded_on` in the unified listing; absent when not tracked. */
  readonly isLoaded?: (endpoint: string, model: string) => boolean;
}

export interface ModelFilters {
  endpoint?: string;
  family?: string;
  type?: string;
  available?: boolean;
}

export interface ModelListQuery {
  format: string;
  filters: ModelFilters;
  includeUnavailable: boolean;
}

type Query = Readonly<Record<string, string | undefined>>;

/** Parses `/olla/models` query parameters; bad values are a 400 as in the original. */
export function parseModelListQuery(query: Query): ModelListQuery {
  const format = query.format || 'unified';
  if (!MODEL_LIST_FORMATS.has(format)) {
    throw new BadRequestError(
      `invalid format parameter '${format}': unsupported format. Supported formats: ${[...MODEL_LIST_FORMATS.keys()].join(', ')}`,
    );
  }
  const filters: ModelFilters = {};
  if (query.endpoint) filters.endpoint = query.endpoint;
  if (query.family) filters.family = query.family;
  if (query.type) filters.type = query.type;
  const available = query.available;
  if (available) {
    if (available !== 'true' && available !== 'false') {
      throw new BadRequestError("invalid value for 'available' parameter. Use 'true' or 'false'");
    }
    filters.available = available === 'true';
  }
  // The legacy `capability` parameter maps onto `type`.
  const type = capabilityType(query.capability);
  if (type) filters.type = type;
  return { format, filters, includeUnavailable: query.include_unavailable === 'true' };
}

function capabilityType(capability: string | undefined): string | undefined {
  switch (capability?.toLowerCase()) {
    case 'vision':
    case 'multimodal':
      return 'vlm';
    case 'embedding':
    case 'embeddings':
    case 'vector_search':
      return 'embeddings';
    case 'chat':
    case 'text_generation':
    case 'completion':
      return 'llm';
    default:
      return undefined;
  }
}

/** The `GET /olla/models` body in the requested format (throws BadRequestError on bad queries). */
export function modelListing(source: ListingSource, query: Query): unknown {
  const { format, filters, includeUnavailable } = parseModelListQuery(query);
  const visible = includeUnavailable ? source.models : onRoutableEndpoints(source);
  return render(format, applyFilters(visible, filters), source);
}

/** `GET /olla/proxy/v1/models` (and `/olla/openai/v1/models`): OpenAI-compatible models, OpenAI list. */
export function openAiModelListing(source: ListingSource): unknown {
  return providerModelListing(source, 'openai', 'openai');
}

/**
 * One provider's listing (`/olla/ollama/api/tags`, `/olla/lmstudio/api/v0/models`, …): models on
 * routable endpoints of that type, in `format` (`native` = the provider's own shape, else the
 * OpenAI list). LM Studio's `/v1/models` and `/api/v1/models` and Ollama's `/v1/models` are `openai`.
 */
export function providerModelListing(source: ListingSource, provider: string, format: string): unknown {
  const type = normaliseProviderType(provider);
  const resolved = format === 'native' ? nativeFormatOf(type) : format;
  const byName = new Map(source.endpoints.map((e) => [e.name, e]));
  const compatible = (endpointType: string) => providerAccepts(type, normaliseProviderType(endpointType), source);
  const models = onRoutableEndpoints(source).filter((m) =>
    m.sourceEndpoints.some((s) => {
      const endpoint = byName.get(s.endpointName);
      return endpoint !== undefined && compatible(endpoint.type);
    }),
  );
  return render(resolved, models, source);
}

/** `lmstudio`/`lm_studio` → `lm-studio`; otherwise lower case with `_` as `-`. */
export function normaliseProviderType(provider: string): string {
  const normalised = provider.toLowerCase().replaceAll('_', '-');
  return normalised === 'lmstudio' ? 'lm-studio' : normalised;
}

const NATIVE_FORMATS: Readonly<Record<string, string>> = {
  ollama: 'ollama',
  'lm-studio': 'lmstudio',
  vllm: 'vllm',
  sglang: 'sglang',
  lemonade: 'lemonade',
  llamacpp: 'llamacpp',
  lmdeploy: 'lmdeploy',
  'docker-model-runner': 'docker-model-runner',
  'vllm-mlx': 'vllm-mlx',
};

/** Our choice where the original's `native` format named no converter (it answered 500). */
function nativeFormatOf(providerType: string): string {
  return NATIVE_FORMATS[providerType] ?? 'openai';
}

function providerAccepts(provider: string, endpointType: string, source: ListingSource): boolean {
  if (provider !== 'openai' && provider !== 'openai-compatible') return endpointType === provider;
  // OpenAI routes are inclusive: any endpoint whose profile speaks the OpenAI API.
  return source.openAiCompatibleTypes?.has(endpointType) ?? true;
}

/** The `GET /olla/models/{id}` body, or undefined (the handler answers 404 naming the model). */
export function modelDetail(model: UnifiedModel | undefined, now: number): unknown {
  if (!model) return undefined;
  return {
    ...(model.maxContextLength ? { max_context_length: model.maxContextLength } : {}),
    id: model.id,
    family: model.family,
    variant: model.variant,
    parameter_size: model.parameterSize,
    quantization: model.quantization,
    format: model.format,
    total_disk_size: formatBytes(model.diskSize),
    last_seen: timeAgo(model.lastSeen, now),
    aliases: model.aliases,
    endpoints: model.sourceEndpoints.map((s) => s.endpointName),
    loaded_endpoints: model.sourceEndpoints.filter((s) => s.state === 'loaded').map((s) => s.endpointName),
    capabilities: model.capabilities,
    parameter_count: model.parameterCount,
  };
}

/**
 * The `GET /olla/models/{alias}` body for a configured alias (our addition: listings show aliases,
 * so their IDs must resolve too): the targets some node serves and those nodes. Undefined when
 * `alias` is not configured or no target is served, the same rule that hides it from listings.
 */
export function aliasDetail(
  alias: string,
  aliases: Readonly<Record<string, readonly string[]>>,
  find: (name: string) => UnifiedModel | undefined,
): unknown {
  // An own property only, so a model called `constructor` is not mistaken for an alias.
  if (!Object.hasOwn(aliases, alias)) return undefined;
  const served = aliases[alias]!.flatMap((target) => {
    const model = find(target);
    return model ? [{ target, model }] : [];
  });
  if (served.length === 0) return undefined;
  const endpoints = new Set(served.flatMap(({ model }) => model.sourceEndpoints.map((s) => s.endpointName)));
  return { id: alias, alias_of: served.map(({ target }) => target), endpoints: [...endpoints] };
}

function render(format: string, models: readonly UnifiedModel[], source: ListingSource): unknown {
  const ctx: FormatContext = {
    now: source.now,
    aliases: source.aliases,
    ...(source.isLoaded ? { isLoaded: source.isLoaded } : {}),
  };
  return (MODEL_LIST_FORMATS.get(format) ?? MODEL_LIST_FORMATS.get('openai')!)(models, ctx);
}

/** Models with at least one source on a routable endpoint (the original's default view). */
function onRoutableEndpoints(source: ListingSource): UnifiedModel[] {
  const routable = new Set(source.endpoints.filter((e) => isRoutable(e.status)).map((e) => e.name));
  return source.models.filter((m) => m.sourceEndpoints.some((s) => routable.has(s.endpointName)));
}

export function applyFilters(models: readonly UnifiedModel[], filters: ModelFilters): readonly UnifiedModel[] {
  const { endpoint, family, type, available } = filters;
  if (!endpoint && !family && !type && available === undefined) return models;
  return models.filter(
    (m) =>
      (!endpoint || m.sourceEndpoints.some((s) => s.endpointName === endpoint || s.endpointUrl === endpoint)) &&
      (available === undefined || m.sourceEndpoints.some((s) => s.state === 'loaded') === available) &&
      (!family || m.family === family) &&
      (!type || matchesType(m, type)),
  );
}

function matchesType(model: UnifiedModel, type: string): boolean {
  if (modelKind(model, '') === type) return true;
  const caps = model.capabilities;
  switch (type) {
    case 'llm':
      return caps.includes('chat') || caps.includes('completion');
    case 'vlm':
      return caps.includes('vision');
    case 'embeddings':
      return caps.includes('embedding') || caps.includes('embeddings');
    default:
      return false;
  }
}
