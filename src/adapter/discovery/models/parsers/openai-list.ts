import type { ModelDetails, ModelInfo } from '../../../../core/domain/model.js';
import {
  asObject,
  asString,
  type JsonObject,
  listAt,
  nonEmptyString,
  positiveInt,
  unixSecondsToIso,
} from './fields.js';

/**
 * Most backends answer `GET /v1/models` with OpenAI's `{ object: "list", data: [...] }` and add a
 * few fields of their own. Each variant is data: which `owned_by` values are boilerplate rather
 * than a publisher, which extra fields it carries and which format it always serves.
 */
export interface OpenAiListVariant {
  /** Fixed `ModelInfo.type`; undefined keeps the entry's own `object`. */
  readonly type?: string;
  /** `owned_by` values that name the server, not a publisher. */
  readonly defaultOwners: readonly string[];
  /** Format every model of this backend has (gguf for llama.cpp, mlx for vllm-mlx). */
  readonly format?: string;
  /** Whether `details` is set even when the entry carries nothing beyond its id. */
  readonly alwaysDetails: boolean;
  readonly readsMaxModelLen: boolean;
  readonly readsParent: boolean;
  /** Backend-specific fields; returns true when it recorded anything. */
  readonly extra?: (entry: JsonObject, info: ModelInfo, details: ModelDetails) => boolean;
}

export function parseOpenAiList(variant: OpenAiListVariant, json: unknown, now = Date.now()): ModelInfo[] {
  const out: ModelInfo[] = [];
  for (const raw of listAt(json, 'data') ?? []) {
    const entry = asObject(raw);
    const name = nonEmptyString(entry?.id);
    if (!entry || !name) continue;
    const info: ModelInfo = { name, lastSeen: now };
    const type = variant.type ?? asString(entry.object);
    if (type) info.type = type;
    const details: ModelDetails = {};
    let any = false;
    if (variant.readsMaxModelLen) {
      const maxLen = positiveInt(entry.max_model_len);
      if (maxLen !== undefined) {
        details.maxContextLength = maxLen;
        any = true;
      }
    }
    const created = unixSecondsToIso(positiveInt(entry.created));
    if (created) {
      details.modifiedAt = created;
      any = true;
    }
    const owner = nonEmptyString(entry.owned_by);
    if (owner && !variant.defaultOwners.includes(owner)) {
      details.publisher = owner;
      any = true;
    }
    if (variant.readsParent) {
      const parent = asString(entry.parent);
      if (parent !== undefined) {
        details.parentModel = parent;
        any = true;
      }
    }
    if (variant.extra?.(entry, info, details)) any = true;
    if (variant.format) details.format = variant.format;
    if (any || variant.alwaysDetails) info.details = details;
    out.push(info);
  }
  return out;
}

function lemonadeExtra(entry: JsonObject, _info: ModelInfo, details: ModelDetails): boolean {
  let any = false;
  const checkpoint = nonEmptyString(entry.checkpoint);
  if (checkpoint) {
    details.checkpoint = checkpoint;
    const slash = checkpoint.indexOf('/');
    if (slash > 0) details.publisher = checkpoint.slice(0, slash);
    any = true;
  }
  const recipe = nonEmptyString(entry.recipe);
  if (recipe) {
    details.recipe = recipe;
    const format = formatForRecipe(recipe);
    if (format) details.format = format;
    any = true;
  }
  // Lemonade loads on demand, so a downloaded model is servable: the same as a pulled Ollama model.
  if (entry.downloaded === true) {
    details.state = 'available';
    any = true;
  }
  return any;
}

function formatForRecipe(recipe: string): string | undefined {
  if (recipe.startsWith('oga-')) return 'onnx';
  if (recipe === 'llamacpp' || recipe === 'flm') return 'gguf';
  return undefined;
}

/** Our addition: SGLang says outright when a model takes images, so say so to capability routing. */
function sglangExtra(entry: JsonObject, info: ModelInfo): boolean {
  if (entry.supports_vision === true) info.capabilities = ['vision'];
  return false;
}

const base = { alwaysDetails: false, readsMaxModelLen: false, readsParent: false } as const;

export const OpenAiVariants = {
  openai: { ...base, defaultOwners: [], readsMaxModelLen: true },
  vllm: { ...base, type: 'vllm', defaultOwners: ['vllm'], readsMaxModelLen: true, readsParent: true },
  sglang: {
    ...base,
    type: 'sglang',
    defaultOwners: ['sglang'],
    readsMaxModelLen: true,
    readsParent: true,
    extra: sglangExtra,
  },
  lmdeploy: { ...base, type: 'lmdeploy', defaultOwners: ['lmdeploy'], readsParent: true },
  llamacpp: { ...base, type: 'llamacpp', defaultOwners: ['llamacpp'], format: 'gguf', alwaysDetails: true },
  lemonade: { ...base, type: 'lemonade', defaultOwners: [], extra: lemonadeExtra },
  dockerModelRunner: {
    ...base,
    type: 'docker-model-runner',
    defaultOwners: ['docker'],
    format: 'gguf',
    alwaysDetails: true,
  },
  vllmMlx: { ...base, type: 'vllm-mlx', defaultOwners: ['vllm-mlx', 'vllm'], format: 'mlx', alwaysDetails: true },
} satisfies Record<string, OpenAiListVariant>;
