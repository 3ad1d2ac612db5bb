import type { UnifiedModel } from '../../core/domain/model.js';

/**
 * Pure converters from unified models to each backend's own model-list shape, as the original's
 * `converter` package renders them. Each native format lists a model under the name that
 * backend type knows it by; Ollama and LM Studio skip models none of their endpoints serve,
 * the OpenAI-style formats fall back to the model's first name.
 */

export interface FormatContext {
  /** Epoch ms; `created` fields are this in seconds, as the original stamps listing time. */
  readonly now: number;
  /** Config aliases to list alongside their targets (our addition), alias → targets. */
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** Whether `endpoint` has `model` loaded in memory; absent when residency is not tracked. */
  readonly isLoaded?: (endpoint: string, model: string) => boolean;
}

export type ModelListFormat = (models: readonly UnifiedModel[], ctx: FormatContext) => unknown;

const KNOWN_ORGANISATIONS = [
  'openai',
  'anthropic',
  'google',
  'meta',
  'microsoft',
  'amazon',
  'xai',
  'apple',
  'cohere',
  'ai21',
  'databricks',
  'snowflake',
  'ibm',
  'salesforce',
  'nvidia',
  'mistral',
  'qwen',
  'alibaba',
  'deepseek',
  'zhipuai',
  'tii',
  '01ai',
  'baichuan',
  'stability',
  'eleutherai',
  'mosaicml',
  'bigcode',
  'servicenow',
  'cerebras',
  'nomic',
  'huggingface',
  'openrouter',
  'together',
  'replicate',
  'fireworks',
  'perplexity',
  'groq',
];

/** `meta-llama/x` → `meta-llama`; `mistral-7b` → `mistral`; otherwise the backend's default owner. */
export function ownerOf(modelId: string, fallback: string): string {
  const slash = modelId.indexOf('/');
  if (slash >= 0) return modelId.slice(0, slash);
  const dash = modelId.split('-');
  const org = dash[0] ?? '';
  if (dash.length > 1 && org.length >= 3 && org.length <= 20) {
    const lower = org.toLowerCase();
    if (KNOWN_ORGANISATIONS.some((known) => lower.includes(known))) return org;
  }
  return fallback;
}

const DENORMALISED: Readonly<Record<string, string>> = {
  q4km: 'Q4_K_M',
  q4ks: 'Q4_K_S',
  q3kl: 'Q3_K_L',
  q3km: 'Q3_K_M',
  q3ks: 'Q3_K_S',
  q5km: 'Q5_K_M',
  q5ks: 'Q5_K_S',
  q6k: 'Q6_K',
  q8: 'Q8_0',
  q4: 'Q4_0',
  q5: 'Q5_0',
  f16: 'F16',
  f32: 'F32',
  unk: 'unknown',
};

export function denormaliseQuantisation(quant: string): string {
  return DENORMALISED[quant] ?? quant;
}

const platformKey = (type: string) => type.toLowerCase().replace(/[-_]/g, '');

/** The source that a backend type serves the model from (matching by normalised platform). */
function nativeSource(model: UnifiedModel, platform: string) {
  const key = platformKey(platform);
  return model.sourceEndpoints.find((s) => (s.platform ?? '') === key);
}

/** First name: what clients can send back to be routed (the original's OLLA-85 rule). */
export function listedId(model: UnifiedModel): string {
  return model.aliases[0] ?? model.id;
}

function nativeOrListedId(model: UnifiedModel, platform: string): string {
  return nativeSource(model, platform)?.nativeName ?? listedId(model);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The model kind: declared type first, else inferred from capabilities. */
export function modelKind(model: UnifiedModel, fallback: string): string {
  const declared = model.metadata.model_type ?? model.metadata.type;
  if (typeof declared === 'string' && declared !== '') return declared;
  if (model.capabilities.includes('vision')) return 'vlm';
  if (model.capabilities.includes('embedding') || model.capabilities.includes('embeddings')) return 'embeddings';
  return fallback;
}

const metaString = (model: UnifiedModel, key: string) => {
  const value = model.metadata[key];
  return typeof value === 'string' ? value : '';
};

/** Config aliases whose targets include a listed model: alias → the listed targets. */
function listedAliases(models: readonly UnifiedModel[], ctx: FormatContext): [string, string[]][] {
  const entries = Object.entries(ctx.aliases);
  if (entries.length === 0) return [];
  const names = new Set(models.flatMap((m) => [m.id, ...m.aliases]));
  return entries
    .map(([alias, targets]): [string, string[]] => [alias, targets.filter((t) => names.has(t))])
    .filter(([, present]) => present.length > 0);
}

function permission(modelId: string, created: number) {
  return {
    id: `modelperm-olla-${modelId.replaceAll('/', '-')}`,
    object: 'model_permission',
    created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: '*',
    group: null,
    is_blocking: false,
  };
}

/** The endpoints holding one of the model's native names in memory, in source order. */
function loadedOn(model: UnifiedModel, isLoaded: (endpoint: string, model: string) => boolean): string[] {
  const out: string[] = [];
  for (const s of model.sourceEndpoints) {
    if (!out.includes(s.endpointName) && isLoaded(s.endpointName, s.nativeName)) out.push(s.endpointName);
  }
  return out;
}

const unified: ModelListFormat = (models, ctx) => {
  const created = seconds(ctx.now);
  const data: unknown[] = models.map((model) => ({
    id: listedId(model),
    object: 'model',
    created,
    owned_by: 'olla',
    olla: {
      family: model.family,
      variant: model.variant,
      parameter_size: model.parameterSize,
      quantization: model.quantization,
      aliases: model.aliases,
      availability: model.sourceEndpoints.map((s) => ({ endpoint: s.endpointName, state: s.state })),
      capabilities: model.capabilities,
      ...(model.maxContextLength ? { max_context_length: model.maxContextLength } : {}),
      ...(ctx.isLoaded ? { loaded_on: loadedOn(model, ctx.isLoaded) } : {}),
    },
  }));
  for (const [alias, targets] of listedAliases(models, ctx)) {
    data.push({ id: alias, object: 'model', created, owned_by: 'olla', alias_of: targets });
  }
  return { object: 'list', data };
};

const openai: ModelListFormat = (models, ctx) => {
  const created = seconds(ctx.now);
  const data: unknown[] = models.map((model) => ({ id: listedId(model), object: 'model', created, owned_by: 'olla' }));
  for (const [alias, targets] of listedAliases(models, ctx)) {
    data.push({ id: alias, object: 'model', created, owned_by: 'olla', alias_of: targets });
  }
  return { object: 'list', data };
};

const ollama: ModelListFormat = (models) => ({
  models: models.flatMap((model) => {
    const source = nativeSource(model, 'ollama');
    if (!source) return [];
    return [
      {
        name: source.nativeName,
        model: source.nativeName,
        modified_at: new Date(model.lastSeen).toISOString(),
        size: source.diskSize || model.diskSize,
        digest: metaString(model, 'digest'),
        details: {
          family: model.family,
          parameter_size: model.parameterSize,
          quantization_level: denormaliseQuantisation(model.quantization),
        },
      },
    ];
  }),
});

const lmstudio: ModelListFormat = (models) => ({
  object: 'list',
  data: models.flatMap((model) => {
    const source = nativeSource(model, 'lmstudio');
    if (!source) return [];
    const publisher = metaString(model, 'publisher') || metaString(model, 'vendor');
    const quantization = denormaliseQuantisation(model.quantization);
    return [
      {
        id: source.nativeName,
        object: 'model',
        type: modelKind(model, 'llm'),
        ...(publisher ? { publisher } : {}),
        ...(model.family ? { arch: model.family } : {}),
        ...(quantization ? { quantization } : {}),
        state: source.state || 'not-loaded',
        ...(model.maxContextLength ? { max_context_length: model.maxContextLength } : {}),
      },
    ];
  }),
});

/** The OpenAI-list variants differ only in extras; each takes the native (or first) name. */
function openAiStyle(
  platform: string,
  defaultOwner: string,
  extras: (model: UnifiedModel, id: string, created: number) => Record<string, unknown> = () => ({}),
): ModelListFormat {
  return (models, ctx) => {
    const created = seconds(ctx.now);
    return {
      object: 'list',
      data: models.map((model) => {
        const id = nativeOrListedId(model, platform);
        return { id, object: 'model', created, owned_by: ownerOf(id, defaultOwner), ...extras(model, id, created) };
      }),
    };
  };
}

const maxModelLen = (model: UnifiedModel) => (model.maxContextLength ? { max_model_len: model.maxContextLength } : {});

const vllm = openAiStyle('vllm', 'vllm', (model, id, created) => ({
  root: id,
  ...maxModelLen(model),
  permission: [permission(id, created)],
}));

const sglang = openAiStyle('sglang', 'sglang', (model, id) => {
  const parent = metaString(model, 'parent_model');
  return {
    root: id,
    ...maxModelLen(model),
    ...(parent ? { parent } : {}),
    ...(model.capabilities.includes('vision') || model.metadata.supports_vision === true
      ? { supports_vision: true }
      : {}),
  };
});

const lemonade = openAiStyle('lemonade', 'lemonade', (model) => ({
  checkpoint: metaString(model, 'checkpoint'),
  recipe: metaString(model, 'recipe'),
  downloaded: false,
}));

const lmdeploy = openAiStyle('lmdeploy', 'lmdeploy', (_model, id, created) => ({
  permission: [permission(id, created)],
}));

/** Format names as `/olla/models?format=` accepts them. */
export const MODEL_LIST_FORMATS: ReadonlyMap<string, ModelListFormat> = new Map([
  ['unified', unified],
  ['openai', openai],
  ['ollama', ollama],
  ['lmstudio', lmstudio],
  ['vllm', vllm],
  ['sglang', sglang],
  ['lemonade', lemonade],
  ['llamacpp', openAiStyle('llamacpp', 'llamacpp')],
  ['lmdeploy', lmdeploy],
  ['docker-model-runner', openAiStyle('docker-model-runner', 'docker')],
  ['vllm-mlx', openAiStyle('vllm-mlx', 'vllm-mlx')],
]);
