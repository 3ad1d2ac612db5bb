import type { ModelInfo, SourceEndpoint, UnifiedModel } from '../../core/domain/model.js';
import { DEFAULT_RULES, type ExtractionRules } from './extraction-rules.js';
import {
  extractFamilyAndVariant,
  extractPublisher,
  inferCapabilities,
  modelState,
  normalisePlatform,
  normaliseQuantisation,
  parseParameterSize,
} from './metadata.js';

/** One endpoint's discovered models, as the unifier reads them. */
export interface EndpointModels {
  readonly endpointName: string;
  readonly endpointUrl: string;
  readonly endpointType: string;
  readonly models: readonly ModelInfo[];
  /** False while the health checker has the endpoint offline: its models show state `offline`. */
  readonly online: boolean;
}

interface Draft {
  model: UnifiedModel;
  digest: string;
  capabilities: Set<string>;
}

/**
 * Merges the same model across endpoints, as the original does:
 *
 * 1. the same digest is the same model, whatever its names;
 * 2. otherwise the same name, compared case-insensitively against every name the model is
 *    already known by, is the same model, unless both sides carry different digests;
 * 3. otherwise it is a new model whose ID is its first native name (suffixed with the last eight
 *    characters of its digest when that ID is taken by a different binary);
 * 4. a listing that is one model by its digest and another by its name makes them one (the first
 *    listed keeps its ID): the rules hold whatever order the endpoints list in.
 *
 * So `llama3.2:3b` on Ollama and `meta-llama/Llama-3.2-3B-Instruct` on vLLM stay two models
 * (different names, and vLLM reports no digest); `phi3:mini` on two Ollamas, or `Llama3:8B` and
 * `llama3:8b`, become one. Merging is across backend types too: the code never looked at the
 * type, whatever the docs say. The whole catalogue is rebuilt from the per-endpoint lists, so the
 * result depends only on its input (in input order), never on history.
 */
export function unifyModels(
  sources: readonly EndpointModels[],
  rules: ExtractionRules = DEFAULT_RULES,
): UnifiedModel[] {
  const drafts: Draft[] = [];
  const byId = new Map<string, Draft>();
  const byDigest = new Map<string, Draft>();
  const byName = new Map<string, Draft>();

  const index = (draft: Draft, name: string) => {
    const key = name.toLowerCase();
    if (!byName.has(key)) byName.set(key, draft);
  };

  const listed = new Map<Draft, [ModelInfo, EndpointModels][]>();

  /**
   * The later of two drafts folded into the earlier (which keeps its ID): a listing can prove two
   * drafts one model only once both exist, e.g. `k` without a digest, then `a` with digest d1, then
   * `k` with d1, which is `a` by its digest and `k` by its name.
   */
  const join = (one: Draft, other: Draft): Draft => {
    const [kept, folded] = drafts.indexOf(one) < drafts.indexOf(other) ? [one, other] : [other, one];
    for (const [info, source] of listed.get(folded)!) mergeInto(kept, info, source, rules);
    listed.get(kept)!.push(...listed.get(folded)!);
    if (!kept.digest) kept.digest = folded.digest;
    drafts.splice(drafts.indexOf(folded), 1);
    byId.delete(folded.model.id);
    for (const map of [byName, byDigest]) for (const [key, draft] of map) if (draft === folded) map.set(key, kept);
    return kept;
  };

  for (const source of sources) {
    for (const info of source.models) {
      const digest = info.details?.digest ?? '';
      const sameDigest = digest ? byDigest.get(digest) : undefined;
      const named = byId.get(info.name) ?? byName.get(info.name.toLowerCase());
      const sameName = named && !(digest && named.digest && named.digest !== digest) ? named : undefined;
      let draft =
        sameDigest && sameName && sameDigest !== sameName ? join(sameDigest, sameName) : (sameDigest ?? sameName);
      if (draft) {
        mergeInto(draft, info, source, rules);
      } else {
        draft = createDraft(uniqueId(info.name, digest, byId), info, source, rules);
        drafts.push(draft);
        listed.set(draft, []);
        byId.set(draft.model.id, draft);
      }
      listed.get(draft)!.push([info, source]);
      if (digest && !byDigest.has(digest)) byDigest.set(digest, draft);
      if (!draft.digest && digest) draft.digest = digest;
      index(draft, info.name);
      index(draft, draft.model.id);
    }
  }
  return drafts.map(finish);
}

/**
 * The listing with the unifier off (`model_registry.enable_unifier: false`): every native name is
 * an entry of its own, shared only by endpoints that list that very name, so nothing is merged by
 * digest or by a case-insensitive match.
 */
export function listModels(sources: readonly EndpointModels[], rules: ExtractionRules = DEFAULT_RULES): UnifiedModel[] {
  const drafts = new Map<string, Draft>();
  for (const source of sources) {
    for (const info of source.models) {
      const draft = drafts.get(info.name);
      if (draft) mergeInto(draft, info, source, rules);
      else drafts.set(info.name, createDraft(info.name, info, source, rules));
    }
  }
  return [...drafts.values()].map(finish);
}

function uniqueId(name: string, digest: string, taken: ReadonlyMap<string, Draft>): string {
  const clash = taken.get(name);
  if (!clash) return name;
  let id = `${name}-${digest.slice(-8)}`;
  for (let n = 2; taken.has(id); n++) id = `${name}-${digest.slice(-8)}-${n}`;
  return id;
}

/** Everything the unifier derives from one listed model; cached per model object. */
interface ModelFacts {
  readonly declaredFamily: string | undefined;
  readonly family: string;
  readonly variant: string;
  readonly parameterSize: string;
  readonly parameterCount: number;
  readonly quantization: string;
  readonly context: number;
  readonly capabilities: readonly string[];
  readonly publisher: string;
}

const factsCache = new WeakMap<ExtractionRules, WeakMap<ModelInfo, ModelFacts>>();

/**
 * Extraction runs a few dozen regular expressions per model, so its result is kept per
 * `ModelInfo` object: a rebuild after one endpoint's discovery only extracts that endpoint's
 * (new) models, and everything else is a cache hit.
 */
function factsOf(info: ModelInfo, rules: ExtractionRules): ModelFacts {
  let cache = factsCache.get(rules);
  if (!cache) {
    cache = new WeakMap();
    factsCache.set(rules, cache);
  }
  let facts = cache.get(info);
  if (!facts) {
    const d = info.details ?? {};
    const declaredFamily = d.family ?? d.families?.[0];
    const [family, variant] = extractFamilyAndVariant(info.name, '', rules);
    const [parameterSize, parameterCount] = parameterInfo(info);
    const context = contextOf(info);
    facts = {
      declaredFamily,
      // A family the backend declared wins, and then the name's variant is not guessed at.
      family: declaredFamily ?? family,
      variant: declaredFamily !== undefined ? '' : variant,
      parameterSize,
      parameterCount,
      quantization: normaliseQuantisation(d.quantizationLevel ?? '', rules),
      context,
      capabilities: capabilitiesOf(info, context, rules),
      publisher: extractPublisher(info.name, d.publisher, rules),
    };
    cache.set(info, facts);
  }
  return facts;
}

function createDraft(id: string, info: ModelInfo, source: EndpointModels, rules: ExtractionRules): Draft {
  const facts = factsOf(info, rules);
  const digest = info.details?.digest ?? '';
  const metadata: Record<string, unknown> = {
    platform: normalisePlatform(source.endpointType),
    // The original's confidence is 1 when anything at all was extracted, else 0.
    metadata_confidence: digest || facts.parameterSize || facts.quantization || facts.family || facts.context ? 1 : 0,
  };
  copyMetadata(metadata, info, facts.publisher);
  const model: UnifiedModel = {
    id,
    family: facts.family,
    variant: facts.variant,
    parameterSize: facts.parameterSize,
    parameterCount: facts.parameterCount,
    quantization: facts.quantization,
    format: info.details?.format ?? '',
    aliases: [info.name],
    sourceEndpoints: [sourceEndpoint(info, source)],
    capabilities: [],
    diskSize: 0,
    lastSeen: info.lastSeen,
    metadata,
  };
  if (facts.context > 0) model.maxContextLength = facts.context;
  return { model, digest, capabilities: new Set(facts.capabilities) };
}

function mergeInto(draft: Draft, info: ModelInfo, source: EndpointModels, rules: ExtractionRules): void {
  const { model } = draft;
  if (!model.sourceEndpoints.some((s) => s.endpointName === source.endpointName)) {
    model.sourceEndpoints.push(sourceEndpoint(info, source));
  }
  if (!model.aliases.includes(info.name)) model.aliases.push(info.name);
  // Endpoints report different amounts of detail for the same model: keep the first of each.
  const facts = factsOf(info, rules);
  if (facts.parameterSize && !model.parameterSize) {
    model.parameterSize = facts.parameterSize;
    model.parameterCount = facts.parameterCount;
  }
  if (facts.quantization && !model.quantization) model.quantization = facts.quantization;
  if (facts.context > 0 && !model.maxContextLength) model.maxContextLength = facts.context;
  const format = info.details?.format;
  if (format && !model.format) model.format = format;
  for (const c of facts.capabilities) draft.capabilities.add(c);
  copyMetadata(model.metadata, info, facts.publisher);
  if (info.lastSeen > model.lastSeen) model.lastSeen = info.lastSeen;
}

function finish({ model, capabilities }: Draft): UnifiedModel {
  model.capabilities = [...capabilities].sort();
  model.diskSize = model.sourceEndpoints.reduce((sum, s) => sum + (s.diskSize ?? 0), 0);
  return model;
}

function sourceEndpoint(info: ModelInfo, source: EndpointModels): SourceEndpoint {
  const size = info.size ?? 0;
  return {
    endpointName: source.endpointName,
    endpointUrl: source.endpointUrl,
    nativeName: info.name,
    state: source.online ? modelState(info.details?.state, size) : 'offline',
    lastSeen: info.lastSeen,
    diskSize: size,
    platform: normalisePlatform(source.endpointType),
  };
}

/** Parameter size from details; the count falls back to disk bytes, as the original does. */
function parameterInfo(info: ModelInfo): [string, number] {
  const [size, count] = parseParameterSize(info.details?.parameterSize ?? '');
  return [size, count === 0 && info.size ? info.size : count];
}

/** The backend's own context length, else the profile's pattern guess (our addition). */
function contextOf(info: ModelInfo): number {
  return info.details?.maxContextLength ?? info.details?.contextLength ?? 0;
}

/**
 * The declared model kind (LM Studio's `llm`/`vlm`/`embeddings`) is read before the list's
 * `object`/backend marker; the original read the marker first, which hid LM Studio's kinds.
 */
function capabilitiesOf(info: ModelInfo, context: number, rules: ExtractionRules): string[] {
  return inferCapabilities(info.details?.type ?? info.type ?? '', info.name, context, info.capabilities ?? [], rules);
}

function copyMetadata(metadata: Record<string, unknown>, info: ModelInfo, publisher: string): void {
  const d = info.details ?? {};
  const entries: [string, unknown][] = [
    ['digest', d.digest],
    ['publisher', publisher || undefined],
    ['parent_model', d.parentModel],
    ['checkpoint', d.checkpoint],
    ['recipe', d.recipe],
    ['model_type', d.type],
    ['type', d.type ?? info.type],
    ['modified_at', d.modifiedAt],
    ['description', info.description],
  ];
  for (const [key, value] of entries) if (value !== undefined && value !== '') metadata[key] = value;
}
