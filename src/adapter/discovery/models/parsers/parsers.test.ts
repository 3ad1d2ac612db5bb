import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownResponseFormats, listedEntryCount, parserFor } from './index.js';
import { annotateFromProfile } from './profile-hints.js';

const NOW = Date.UTC(2025, 0, 1);

describe('Ollama /api/tags parser', () => {
  const body = {
    models: [
      {
        name: 'llama3.2:3b',
        model: 'llama3.2:3b',
        modified_at: '2025-01-15T10:00:00.123456789+11:00',
        size: 2019393189,
        digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
        details: {
          parent_model: '',
          format: 'gguf',
          family: 'llama',
          families: ['llama'],
          parameter_size: '3.2B',
          quantization_level: 'Q4_K_M',
        },
      },
      { name: 'nomic-embed-text:latest', size: 274302450 },
      { name: '' },
      'not a model',
      { size: 12 },
    ],
  };

  it('reads names, sizes, digests and details', () => {
    const [llama, nomic, ...rest] = parserFor('ollama')(body, NOW);
    expect(rest).toEqual([]);
    expect(llama).toEqual({
      name: 'llama3.2:3b',
      lastSeen: NOW,
      size: 2019393189,
      details: {
        digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
        modifiedAt: '2025-01-14T23:00:00.123Z',
        parameterSize: '3.2B',
        quantizationLevel: 'Q4_K_M',
        family: 'llama',
        format: 'gguf',
        parentModel: '',
        families: ['llama'],
      },
    });
    expect(nomic).toEqual({ name: 'nomic-embed-text:latest', lastSeen: NOW, size: 274302450 });
  });
});

describe('LM Studio /api/v0/models parser', () => {
  it('reads the enhanced fields', () => {
    const [model] = parserFor('lmstudio')(
      {
        object: 'list',
        data: [
          {
            id: 'qwen2-vl-7b-instruct',
            object: 'model',
            type: 'vlm',
            publisher: 'mlx-community',
            arch: 'qwen2_vl',
            compatibility_type: 'mlx',
            quantization: '4bit',
            state: 'not-loaded',
            max_context_length: 32768,
          },
        ],
      },
      NOW,
    );
    expect(model).toEqual({
      name: 'qwen2-vl-7b-instruct',
      type: 'model',
      lastSeen: NOW,
      details: {
        type: 'vlm',
        publisher: 'mlx-community',
        parentModel: 'mlx-community',
        quantizationLevel: '4bit',
        family: 'qwen2_vl',
        families: ['qwen2_vl'],
        format: 'mlx',
        state: 'not-loaded',
        maxContextLength: 32768,
      },
    });
  });

  it('falls back to the plain OpenAI list LM Studio serves on /v1/models', () => {
    const models = parserFor('lmstudio')(
      { data: [{ id: 'phi-3', object: 'model', owned_by: 'organization_owner' }] },
      NOW,
    );
    expect(models).toEqual([{ name: 'phi-3', type: 'model', lastSeen: NOW }]);
  });
});

describe('OpenAI-style /v1/models parsers', () => {
  it('reads vLLM max_model_len, owned_by and parent, ignoring the default owner', () => {
    const [base, lora] = parserFor('vllm')(
      {
        object: 'list',
        data: [
          {
            id: 'meta-llama/Llama-3.2-3B-Instruct',
            object: 'model',
            created: 1736000000,
            owned_by: 'vllm',
            root: 'meta-llama/Llama-3.2-3B-Instruct',
            parent: null,
            max_model_len: 131072,
            permission: [{ id: 'modelperm-1', object: 'model_permission' }],
          },
          { id: 'sql-lora', object: 'model', owned_by: 'acme', parent: 'meta-llama/Llama-3.2-3B-Instruct' },
        ],
      },
      NOW,
    );
    expect(base).toEqual({
      name: 'meta-llama/Llama-3.2-3B-Instruct',
      type: 'vllm',
      lastSeen: NOW,
      details: { maxContextLength: 131072, modifiedAt: '2025-01-04T14:13:20.000Z' },
    });
    expect(lora?.details).toEqual({ publisher: 'acme', parentModel: 'meta-llama/Llama-3.2-3B-Instruct' });
  });

  it('marks SGLang models that declare vision support', () => {
    const [model] = parserFor('sglang')(
      { data: [{ id: 'Qwen/Qwen2-VL-7B', owned_by: 'sglang', max_model_len: 32768, supports_vision: true }] },
      NOW,
    );
    expect(model).toMatchObject({ type: 'sglang', capabilities: ['vision'], details: { maxContextLength: 32768 } });
  });

  it('always records gguf for llama.cpp and skips its default owner', () => {
    const [model] = parserFor('llamacpp')(
      {
        data: [{ id: 'qwen2.5-coder-7b-q4_k_m.gguf', owned_by: 'llamacpp', created: 0, meta: { n_ctx_train: 32768 } }],
      },
      NOW,
    );
    expect(model).toEqual({
      name: 'qwen2.5-coder-7b-q4_k_m.gguf',
      type: 'llamacpp',
      lastSeen: NOW,
      details: { format: 'gguf' },
    });
  });

  it('reads Lemonade checkpoints, recipes and the downloaded flag', () => {
    const [npu, gguf] = parserFor('lemonade')(
      {
        data: [
          {
            id: 'Qwen2.5-0.5B-Instruct-CPU',
            owned_by: 'lemonade',
            checkpoint: 'amd/Qwen2.5-0.5B-Instruct-quantized_int4-float16-cpu-onnx',
            recipe: 'oga-cpu',
            downloaded: true,
          },
          { id: 'Llama-3.2-1B-GGUF', checkpoint: 'unsloth/Llama-3.2-1B-GGUF:Q4_K_M', recipe: 'llamacpp' },
        ],
      },
      NOW,
    );
    expect(npu?.details).toEqual({
      checkpoint: 'amd/Qwen2.5-0.5B-Instruct-quantized_int4-float16-cpu-onnx',
      publisher: 'amd',
      recipe: 'oga-cpu',
      format: 'onnx',
      state: 'available',
    });
    expect(gguf?.details?.format).toBe('gguf');
  });

  it('reads LMDeploy parents and skips its default owner', () => {
    const [model] = parserFor('lmdeploy')({ data: [{ id: 'internlm2', owned_by: 'lmdeploy', parent: 'base' }] }, NOW);
    expect(model).toEqual({ name: 'internlm2', type: 'lmdeploy', lastSeen: NOW, details: { parentModel: 'base' } });
  });

  it('records gguf for Docker Model Runner and mlx for vllm-mlx', () => {
    const [dmr] = parserFor('docker-model-runner')({ data: [{ id: 'ai/smollm2', owned_by: 'docker' }] }, NOW);
    const [mlx] = parserFor('vllm-mlx')(
      { data: [{ id: 'mlx-community/Llama-3.2-3B-Instruct-4bit', owned_by: 'mlx-community' }] },
      NOW,
    );
    expect(dmr?.details).toEqual({ format: 'gguf' });
    expect(mlx?.details).toEqual({ publisher: 'mlx-community', format: 'mlx' });
  });

  it('reads oMLX max_model_len through the plain OpenAI parser, which unknown formats also get', () => {
    const body = { data: [{ id: 'Qwen3-8B-4bit', object: 'model', owned_by: 'omlx', max_model_len: 40960 }] };
    const expected = [
      {
        name: 'Qwen3-8B-4bit',
        type: 'model',
        lastSeen: NOW,
        details: { maxContextLength: 40960, publisher: 'omlx' },
      },
    ];
    expect(parserFor('openai')(body, NOW)).toEqual(expected);
    expect(parserFor('something-new')(body, NOW)).toEqual(expected);
  });
});

describe('every parser', () => {
  it.each(knownResponseFormats())('%s never throws on any JSON and returns only named models', (format) => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ data: fc.array(fc.jsonValue()), models: fc.array(fc.jsonValue()) })),
        (json) => {
          const models = parserFor(format)(json, NOW);
          for (const m of models) expect(typeof m.name === 'string' && m.name.length > 0).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('tells a missing list apart from an empty one', () => {
    expect(listedEntryCount('ollama', { models: [] })).toBe(0);
    expect(listedEntryCount('vllm', { error: 'nope' })).toBeUndefined();
    expect(listedEntryCount('vllm', '<html>')).toBeUndefined();
  });
});

describe('profile hints', () => {
  const patterns = {
    nameFormat: '{{.Name}}',
    capabilityPatterns: { vision: ['*llava*'], embeddings: ['*embed*'] },
    contextPatterns: [{ pattern: 'llama3*', context: 8192 }],
  };

  it('adds capabilities and a context length from the profile patterns', () => {
    const [llava, llama, embed] = annotateFromProfile(
      [
        { name: 'llava:7b', lastSeen: 0 },
        { name: 'llama3:8b', lastSeen: 0 },
        { name: 'nomic-embed-text', lastSeen: 0, capabilities: ['embeddings'] },
      ],
      patterns,
    );
    expect(llava?.capabilities).toEqual(['vision']);
    expect(llama?.details?.contextLength).toBe(8192);
    expect(embed?.capabilities).toEqual(['embeddings']);
  });

  it('never overrides a context length the backend reported', () => {
    const [m] = annotateFromProfile(
      [{ name: 'llama3:8b', lastSeen: 0, details: { maxContextLength: 131072 } }],
      patterns,
    );
    expect(m?.details).toEqual({ maxContextLength: 131072 });
  });
});
