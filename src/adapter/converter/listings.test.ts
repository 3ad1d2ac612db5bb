import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { ModelInfo } from '../../core/domain/model.js';
import { BadRequestError } from '../../core/errors.js';
import { ModelCatalogue } from '../registry/model-catalogue.js';
import { formatBytes, formatTimeAgo as timeAgo } from '../stats/format.js';
import { ownerOf } from './formats.js';
import {
  aliasDetail,
  type ListingSource,
  modelDetail,
  modelListing,
  openAiModelListing,
  parseModelListQuery,
  providerModelListing,
} from './listings.js';

const NOW = Date.UTC(2025, 0, 1, 12);
const SEEN = NOW - 90_000;
const ollama = fakeEndpoint({ name: 'ollama-1' });
const studio = fakeEndpoint({ name: 'studio', type: 'lm-studio' });
const vllm = fakeEndpoint({ name: 'vllm', type: 'vllm' });
const m = (name: string, extra: Partial<ModelInfo> = {}): ModelInfo => ({ name, lastSeen: SEEN, ...extra });

function source(): { source: ListingSource; catalogue: ModelCatalogue } {
  const catalogue = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 1000, cleanupIntervalMs: 0 });
  catalogue.setModels(ollama, [
    m('llama3.2:3b', {
      size: 2_019_393_189,
      details: { digest: 'sha256:a80c', family: 'llama', parameterSize: '3.2B', quantizationLevel: 'Q4_K_M' },
    }),
    m('nomic-embed-text', { size: 274_302_450 }),
  ]);
  catalogue.setModels(studio, [
    m('qwen2-vl-7b-instruct', { type: 'model', details: { type: 'vlm', state: 'loaded', maxContextLength: 32768 } }),
  ]);
  catalogue.setModels(vllm, [
    m('meta-llama/Llama-3.2-3B-Instruct', { type: 'vllm', details: { maxContextLength: 131072 } }),
  ]);
  return {
    catalogue,
    source: {
      models: catalogue.unified(),
      endpoints: [ollama, studio, vllm],
      aliases: { 'llama-3b': ['llama3.2:3b', 'meta-llama/Llama-3.2-3B-Instruct'] },
      openAiCompatibleTypes: new Set(['ollama', 'lm-studio', 'vllm']),
      now: NOW,
    },
  };
}

const ids = (body: unknown) => (body as { data: { id: string }[] }).data.map((d) => d.id);

describe('/olla/models listings', () => {
  it('renders the unified format with Olla extensions and lists configured aliases', () => {
    const body = modelListing(source().source, {}) as { object: string; data: Record<string, unknown>[] };
    expect(body.object).toBe('list');
    expect(body.data[0]).toEqual({
      id: 'llama3.2:3b',
      object: 'model',
      created: NOW / 1000,
      owned_by: 'olla',
      olla: {
        family: 'llama',
        variant: '',
        parameter_size: '3.2b',
        quantization: 'q4km',
        aliases: ['llama3.2:3b'],
        availability: [{ endpoint: 'ollama-1', state: 'available' }],
        capabilities: ['text-generation'],
      },
    });
    expect(body.data.at(-1)).toEqual({
      id: 'llama-3b',
      object: 'model',
      created: NOW / 1000,
      owned_by: 'olla',
      alias_of: ['llama3.2:3b', 'meta-llama/Llama-3.2-3B-Instruct'],
    });
  });

  it('filters by endpoint, family, type, capability and availability', () => {
    const { source: s } = source();
    expect(ids(modelListing(s, { format: 'openai', endpoint: 'vllm' }))).toEqual([
      'meta-llama/Llama-3.2-3B-Instruct',
      'llama-3b',
    ]);
    expect(ids(modelListing(s, { format: 'openai', family: 'llama' }))).toEqual([
      'llama3.2:3b',
      'meta-llama/Llama-3.2-3B-Instruct',
      'llama-3b',
    ]);
    expect(ids(modelListing(s, { format: 'openai', capability: 'vision' }))).toEqual(['qwen2-vl-7b-instruct']);
    expect(ids(modelListing(s, { format: 'openai', type: 'vlm' }))).toEqual(['qwen2-vl-7b-instruct']);
    expect(ids(modelListing(s, { format: 'openai', available: 'true' }))).toEqual(['qwen2-vl-7b-instruct']);
  });

  it('hides models whose endpoints are all unroutable unless include_unavailable=true', () => {
    const { source: s } = source();
    const down = { ...s, endpoints: [ollama, studio, { ...vllm, status: 'offline' as const }] };
    expect(ids(modelListing(down, { format: 'openai' }))).not.toContain('meta-llama/Llama-3.2-3B-Instruct');
    expect(ids(modelListing(down, { format: 'openai', include_unavailable: 'true' }))).toContain(
      'meta-llama/Llama-3.2-3B-Instruct',
    );
  });

  it('rejects an unknown format or a bad available value with a 400', () => {
    expect(() => parseModelListQuery({ format: 'xml' })).toThrow(BadRequestError);
    expect(() => parseModelListQuery({ available: 'yes' })).toThrow(/'available'/);
  });

  it('renders the vLLM format with native names, owners, root and permissions', () => {
    const body = modelListing(source().source, { format: 'vllm', endpoint: 'vllm' }) as {
      data: Record<string, unknown>[];
    };
    expect(body.data[0]).toMatchObject({
      id: 'meta-llama/Llama-3.2-3B-Instruct',
      owned_by: 'meta-llama',
      root: 'meta-llama/Llama-3.2-3B-Instruct',
      max_model_len: 131072,
      permission: [{ id: 'modelperm-olla-meta-llama-Llama-3.2-3B-Instruct', object: 'model_permission' }],
    });
  });
});

describe('provider listings', () => {
  it('lists only Ollama models in Ollama shape for /olla/ollama/api/tags', () => {
    expect(providerModelListing(source().source, 'ollama', 'native')).toEqual({
      models: [
        {
          name: 'llama3.2:3b',
          model: 'llama3.2:3b',
          modified_at: new Date(SEEN).toISOString(),
          size: 2_019_393_189,
          digest: 'sha256:a80c',
          details: { family: 'llama', parameter_size: '3.2b', quantization_level: 'Q4_K_M' },
        },
        {
          name: 'nomic-embed-text',
          model: 'nomic-embed-text',
          modified_at: new Date(SEEN).toISOString(),
          size: 274_302_450,
          digest: '',
          details: { family: '', parameter_size: '', quantization_level: '' },
        },
      ],
    });
  });

  it('renders LM Studio v0 models with type, state and context', () => {
    expect(providerModelListing(source().source, 'lmstudio', 'lmstudio')).toEqual({
      object: 'list',
      data: [
        {
          id: 'qwen2-vl-7b-instruct',
          object: 'model',
          type: 'vlm',
          publisher: 'alibaba',
          arch: 'qwen',
          state: 'loaded',
          max_context_length: 32768,
        },
      ],
    });
  });

  it('lists every OpenAI-compatible endpoint model for /olla/proxy/v1/models', () => {
    expect(ids(openAiModelListing(source().source))).toEqual([
      'llama3.2:3b',
      'nomic-embed-text',
      'qwen2-vl-7b-instruct',
      'meta-llama/Llama-3.2-3B-Instruct',
      'llama-3b',
    ]);
  });
});

describe('model detail and status', () => {
  it('describes one model by ID or native name, and nothing for an unknown one', () => {
    const { catalogue } = source();
    expect(modelDetail(catalogue.find('LLAMA3.2:3B'), NOW)).toMatchObject({
      id: 'llama3.2:3b',
      total_disk_size: '1.88 GB',
      last_seen: '2m ago',
      endpoints: ['ollama-1'],
      loaded_endpoints: [],
      parameter_count: 3_200_000_000,
    });
    expect(modelDetail(catalogue.find('nope'), NOW)).toBeUndefined();
  });

  it('describes a configured alias by the targets some node serves, and nothing for an unserved or unknown one', () => {
    const { catalogue } = source();
    const find = (name: string) => catalogue.find(name);
    const aliases = {
      'llama-3b': ['llama3.2:3b', 'meta-llama/Llama-3.2-3B-Instruct', 'llama3.2:3b-gone'],
      ghost: ['not-served'],
    };
    expect(aliasDetail('llama-3b', aliases, find)).toEqual({
      id: 'llama-3b',
      alias_of: ['llama3.2:3b', 'meta-llama/Llama-3.2-3B-Instruct'],
      endpoints: ['ollama-1', 'vllm'],
    });
    expect(aliasDetail('ghost', aliases, find)).toBeUndefined();
    expect(aliasDetail('constructor', aliases, find)).toBeUndefined();
  });
});

describe('text helpers', () => {
  it.each([
    [512, '512 B'],
    [1536, '1.50 KB'],
    [2_019_393_189, '1.88 GB'],
  ])('formats %i bytes as %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it('renders ages like the original', () => {
    expect(timeAgo(0, NOW)).toBe('never');
    expect(timeAgo(NOW - 5000, NOW)).toBe('5s ago');
    expect(timeAgo(NOW - 3 * 86_400_000, NOW)).toBe('3d ago');
  });

  it.each([
    ['meta-llama/Llama-3', 'meta-llama'],
    ['mistral-7b', 'mistral'],
    ['phi3', 'vllm'],
  ])('owner of %s is %s', (id, owner) => expect(ownerOf(id, 'vllm')).toBe(owner));
});
