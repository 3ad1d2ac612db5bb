import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../core/domain/model.js';
import {
  extractFamilyAndVariant,
  extractPublisher,
  inferCapabilities,
  normaliseQuantisation,
  parseParameterSize,
} from './metadata.js';
import { type EndpointModels, listModels, unifyModels } from './unifier.js';

const source = (name: string, type: string, models: ModelInfo[], online = true): EndpointModels => ({
  endpointName: name,
  endpointUrl: `http://${name}:1`,
  endpointType: type,
  models,
  online,
});
const m = (name: string, extra: Partial<ModelInfo> = {}): ModelInfo => ({ name, lastSeen: 1000, ...extra });

describe('metadata extraction', () => {
  it.each([
    ['llama3.2:3b', 'llama', '3.2'],
    ['phi3:mini', 'phi', '3'],
    ['mistral-7b-instruct', 'mistral', '7b-instruct'],
    ['meta-llama/Llama-3.2-3B-Instruct', 'llama', '3.2'],
    ['deepseek-coder-v2:16b', 'deepseek-coder-v2', ''],
    ['moonshotai/kimi-k2-instruct', 'kimi', ''],
    ['nomic-embed-text', '', ''],
    ['devstral', 'devstral', ''],
    ['codellama:13b', 'codellama', ''],
    ['codellama-13b', 'codellama', '13b'],
  ])('%s is family %s variant %s', (name, family, variant) => {
    expect(extractFamilyAndVariant(name)).toEqual([family, variant]);
  });

  it.each([
    ['Q4_K_M', 'q4km'],
    ['Q8_0', 'q8'],
    ['q5_k_s', 'q5ks'],
    ['IQ4_XS', 'q4'],
    ['FP16', 'f16'],
    ['4bit', '4bit'],
    ['MXFP4', 'mxfp4'],
  ])('quantisation %s normalises to %s', (raw, normal) => {
    expect(normaliseQuantisation(raw)).toBe(normal);
  });

  it('normalises quantisation idempotently', () => {
    const labels = fc.oneof(
      fc.constantFrom('Q4_K_M', 'Q4_0', 'Q5_1', 'BF16', 'GPTQ-4BIT', 'AWQ_4BIT', 'INT8', 'Q6_K', 'IQ3_M', 'fp8'),
      fc.string(),
    );
    fc.assert(
      fc.property(labels, (raw) => {
        const once = normaliseQuantisation(raw);
        expect(normaliseQuantisation(once)).toBe(once);
      }),
    );
  });

  it.each([
    ['3.2B', '3.2b', 3_200_000_000],
    ['8B', '8b', 8_000_000_000],
    ['137M', '137m', 137_000_000],
    ['1500M', '1.5b', 1_500_000_000],
    ['big', 'big', 0],
  ])('parameter size %s reads as %s', (raw, label, count) => {
    expect(parseParameterSize(raw)).toEqual([label, count]);
  });

  it('infers capabilities from type, name and context', () => {
    expect(inferCapabilities('embeddings', 'nomic-embed-text', 0, [])).toEqual([
      'embeddings',
      'similarity',
      'vector-search',
    ]);
    expect(inferCapabilities('', 'llava-13b-chat', 131072, ['tools'])).toEqual(
      [
        'chat',
        'image-understanding',
        'instruction-following',
        'long-context',
        'multimodal',
        'text-generation',
        'tools',
        'vision',
      ].sort(),
    );
  });

  it('finds publishers from details, namespaces and families', () => {
    expect(extractPublisher('x', 'acme')).toBe('acme');
    expect(extractPublisher('Qwen/Qwen2.5-7B', undefined)).toBe('Qwen');
    expect(extractPublisher('gemma2:9b', undefined)).toBe('google');
  });
});

describe('unifyModels', () => {
  it('merges the same name across endpoints into one model with both sources', () => {
    const [model, ...rest] = unifyModels([
      source('a', 'ollama', [
        m('phi3:mini', { size: 100, details: { parameterSize: '3.8B', quantizationLevel: 'Q4_0' } }),
      ]),
      source('b', 'ollama', [m('Phi3:Mini', { size: 200 })]),
    ]);
    expect(rest).toEqual([]);
    expect(model).toMatchObject({
      id: 'phi3:mini',
      family: 'phi',
      variant: '3',
      parameterSize: '3.8b',
      parameterCount: 3_800_000_000,
      quantization: 'q4',
      aliases: ['phi3:mini', 'Phi3:Mini'],
      diskSize: 300,
    });
    expect(model?.sourceEndpoints.map((s) => [s.endpointName, s.nativeName, s.state])).toEqual([
      ['a', 'phi3:mini', 'available'],
      ['b', 'Phi3:Mini', 'available'],
    ]);
  });

  it('merges different names that share a digest', () => {
    const digest = { digest: 'sha256:abc12345678' };
    const models = unifyModels([
      source('a', 'ollama', [m('llama3:8b', { details: digest })]),
      source('b', 'lm-studio', [m('llama3-8b', { details: digest })]),
    ]);
    expect(models.map((x) => [x.id, x.aliases])).toEqual([['llama3:8b', ['llama3:8b', 'llama3-8b']]]);
    expect(models[0]?.sourceEndpoints.map((s) => s.platform)).toEqual(['ollama', 'lmstudio']);
  });

  it('keeps the same name apart when the digests differ, suffixing the second ID', () => {
    const models = unifyModels([
      source('a', 'ollama', [m('llama3:8b', { details: { digest: 'sha256:aaaaaaaa11111111' } })]),
      source('b', 'ollama', [m('llama3:8b', { details: { digest: 'sha256:bbbbbbbb22222222' } })]),
    ]);
    expect(models.map((x) => x.id)).toEqual(['llama3:8b', 'llama3:8b-22222222']);
  });

  it('does not merge an Ollama tag with its Hugging Face name on vLLM', () => {
    const models = unifyModels([
      source('ollama', 'ollama', [m('llama3.2:3b', { details: { digest: 'sha256:a80c', family: 'llama' } })]),
      source('vllm', 'vllm', [m('meta-llama/Llama-3.2-3B-Instruct', { details: { maxContextLength: 131072 } })]),
    ]);
    expect(models.map((x) => [x.id, x.family, x.maxContextLength])).toEqual([
      ['llama3.2:3b', 'llama', undefined],
      ['meta-llama/Llama-3.2-3B-Instruct', 'llama', 131072],
    ]);
  });

  it('marks sources on offline endpoints as offline', () => {
    const [model] = unifyModels([source('a', 'ollama', [m('x', { size: 1 })], false)]);
    expect(model?.sourceEndpoints[0]?.state).toBe('offline');
  });

  it('gives the same IDs for the same input every time', () => {
    const names = fc.array(fc.constantFrom('llama3:8b', 'Llama3:8B', 'phi3', 'qwen2.5:7b', 'mistral'), {
      maxLength: 6,
    });
    fc.assert(
      fc.property(names, names, (a, b) => {
        const input = [
          source(
            'a',
            'ollama',
            a.map((n) => m(n)),
          ),
          source(
            'b',
            'vllm',
            b.map((n) => m(n)),
          ),
        ];
        const ids = unifyModels(input).map((x) => x.id);
        expect(unifyModels(input).map((x) => x.id)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
        // every native name belongs to exactly one unified model
        const all = unifyModels(input).flatMap((x) => x.aliases);
        expect(new Set(all).size).toBe(all.length);
      }),
    );
  });
});

describe('listModels (the unifier off)', () => {
  it('keeps one entry per exact native name, joined only by endpoints listing that very name', () => {
    const digest = { details: { digest: 'sha256:same' } };
    const listed = listModels([
      source('a', 'ollama', [m('llama3:8b', digest), m('Phi3:Mini')]),
      source('b', 'ollama', [m('llama3:latest', digest), m('phi3:mini'), m('llama3:8b', digest)]),
    ]);
    expect(listed.map((x) => x.id)).toEqual(['llama3:8b', 'Phi3:Mini', 'llama3:latest', 'phi3:mini']);
    expect(listed[0]?.sourceEndpoints.map((s) => s.endpointName)).toEqual(['a', 'b']);
  });

  it('lists exactly the distinct names it is given', () => {
    const names = fc.array(fc.constantFrom('a', 'A', 'b', 'c:1', 'C:1'), { maxLength: 6 });
    fc.assert(
      fc.property(names, names, (first, second) => {
        const listed = listModels([
          source(
            'x',
            'ollama',
            first.map((n) => m(n)),
          ),
          source(
            'y',
            'vllm',
            second.map((n) => m(n)),
          ),
        ]);
        expect(listed.map((x) => x.id).sort()).toEqual([...new Set([...first, ...second])].sort());
      }),
    );
  });
});
