/**
 * Served models and the shape each kind of backend lists them in. Pure functions: the same
 * models always give the same bytes, so discovery tests can compare listings exactly.
 */
import { createHash } from 'node:crypto';
import type { MockFlavour, MockModel, MockModelInput } from './types.js';

/** Every timestamp the mock reports (2025-01-01T00:00:00Z), fixed so answers are reproducible. */
export const MOCK_EPOCH_SECONDS = 1_735_689_600;
const MOCK_EPOCH_ISO = new Date(MOCK_EPOCH_SECONDS * 1000).toISOString();

const DEFAULT_CONTEXT_LENGTH = 8192;

export function normaliseModels(inputs: readonly MockModelInput[]): MockModel[] {
  return inputs.map(normaliseModel);
}

function normaliseModel(input: MockModelInput): MockModel {
  const spec = typeof input === 'string' ? { name: input } : input;
  const { name } = spec;
  const parameterSize = spec.parameterSize ?? guessParameterSize(name);
  return {
    name,
    family: spec.family ?? guessFamily(name),
    parameterSize,
    quantization: spec.quantization ?? 'Q4_K_M',
    contextLength: spec.contextLength ?? DEFAULT_CONTEXT_LENGTH,
    sizeBytes: spec.sizeBytes ?? Math.round(Number.parseFloat(parameterSize) * 0.6e9),
    digest: spec.digest ?? createHash('sha256').update(name).digest('hex'),
    type: spec.type ?? (/embed/i.test(name) ? 'embeddings' : 'llm'),
    state: spec.state ?? 'loaded',
    extra: spec.extra,
  };
}

/** `Qwen/Qwen2.5-7B-Instruct` → `qwen`, `llama3.2:3b` → `llama`. */
function guessFamily(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  return /^[a-z]+/.exec(base)?.[0] ?? 'unknown';
}

/** `llama3.2:3b` → `3B`, `Qwen2.5-0.5B` → `0.5B`; 7B when the name does not say. */
function guessParameterSize(name: string): string {
  const match = /(\d+(?:\.\d+)?)b(?![a-z])/i.exec(name);
  return match ? `${match[1]}B` : '7B';
}

function parameterCount(model: MockModel): number {
  return Math.round(Number.parseFloat(model.parameterSize) * 1e9);
}

/** Ollama `GET /api/tags`. */
export function ollamaTags(models: readonly MockModel[]): unknown {
  return {
    models: models.map((model) => ({
      name: model.name,
      model: model.name,
      modified_at: MOCK_EPOCH_ISO,
      size: model.sizeBytes,
      digest: model.digest,
      details: {
        parent_model: '',
        format: 'gguf',
        family: model.family,
        families: [model.family],
        parameter_size: model.parameterSize,
        quantization_level: model.quantization,
      },
      ...model.extra,
    })),
  };
}

/** Ollama `POST /api/show`. */
export function ollamaShow(model: MockModel): unknown {
  return {
    modelfile: `FROM ${model.name}\n`,
    parameters: 'stop "<|eot_id|>"',
    template: '{{ .Prompt }}',
    details: {
      parent_model: '',
      format: 'gguf',
      family: model.family,
      families: [model.family],
      parameter_size: model.parameterSize,
      quantization_level: model.quantization,
    },
    model_info: {
      'general.architecture': model.family,
      'general.parameter_count': parameterCount(model),
      [`${model.family}.context_length`]: model.contextLength,
    },
    capabilities: model.type === 'embeddings' ? ['embedding'] : ['completion'],
    modified_at: MOCK_EPOCH_ISO,
  };
}

/** LM Studio `GET /api/v0/models`. */
export function lmStudioModels(models: readonly MockModel[]): unknown {
  return {
    object: 'list',
    data: models.map((model) => ({
      id: model.name,
      object: 'model',
      type: model.type,
      publisher: 'lmstudio-community',
      arch: model.family,
      compatibility_type: 'gguf',
      quantization: model.quantization,
      state: model.state,
      max_context_length: model.contextLength,
      ...model.extra,
    })),
  };
}

const OWNED_BY: Record<MockFlavour, string> = {
  ollama: 'library',
  openai: 'system',
  vllm: 'vllm',
  lmstudio: 'organization_owner',
  llamacpp: 'llamacpp',
  sglang: 'sglang',
  lemonade: 'lemonade',
  litellm: 'openai',
  anthropic: 'anthropic',
};

/** The fields each OpenAI-compatible server adds to its `/v1/models` entries. */
function flavourModelFields(flavour: MockFlavour, model: MockModel): Record<string, unknown> {
  switch (flavour) {
    case 'vllm':
      return {
        root: model.name,
        parent: null,
        max_model_len: model.contextLength,
        permission: [
          {
            id: `modelperm-${model.digest.slice(0, 24)}`,
            object: 'model_permission',
            created: MOCK_EPOCH_SECONDS,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: '*',
            group: null,
            is_blocking: false,
          },
        ],
      };
    case 'sglang':
      return { root: model.name, max_model_len: model.contextLength };
    case 'llamacpp':
      return {
        meta: {
          vocab_type: 2,
          n_vocab: 128_256,
          n_ctx_train: model.contextLength,
          n_embd: 4096,
          n_params: parameterCount(model),
          size: model.sizeBytes,
        },
      };
    case 'lemonade':
      return { checkpoint: `amd/${model.name}`, recipe: 'oga-cpu', downloaded: true };
    default:
      return {};
  }
}

/** OpenAI-compatible `GET /v1/models` in the dialect of the given flavour. */
export function openAiModels(flavour: MockFlavour, models: readonly MockModel[]): unknown {
  const data = models.map((model) => ({
    id: model.name,
    object: 'model',
    created: MOCK_EPOCH_SECONDS,
    owned_by: OWNED_BY[flavour],
    ...flavourModelFields(flavour, model),
    ...model.extra,
  }));
  if (flavour !== 'llamacpp') return { object: 'list', data };
  // llama-server also lists its model(s) Ollama-style beside the OpenAI data.
  const ollamaStyle = models.map((model) => ({
    name: model.name,
    model: model.name,
    modified_at: '',
    size: '',
    digest: '',
    type: 'model',
    description: '',
    tags: [''],
    capabilities: ['completion'],
    parameters: '',
    details: {
      parent_model: '',
      format: 'gguf',
      family: '',
      families: [''],
      parameter_size: '',
      quantization_level: '',
    },
  }));
  return { models: ollamaStyle, object: 'list', data };
}

export function findModel(models: readonly MockModel[], name: string): MockModel | undefined {
  return models.find((model) => model.name === name);
}
