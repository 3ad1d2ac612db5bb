import { describe, expect, it } from 'vitest';
import { normaliseModels, ollamaTags, openAiModels } from './models.js';
import { estimatePromptTokens, mockReplyText, planReply } from './reply.js';

describe('served models', () => {
  it('derive family, size and digest from the name, the same way every time', () => {
    const [llama, qwen, plain] = normaliseModels(['llama3.2:3b', 'Qwen/Qwen2.5-0.5B-Instruct', 'phi4']);
    expect(llama).toMatchObject({ family: 'llama', parameterSize: '3B', type: 'llm', state: 'loaded' });
    expect(qwen).toMatchObject({ family: 'qwen', parameterSize: '0.5B' });
    expect(plain).toMatchObject({ family: 'phi', parameterSize: '7B' });
    expect(normaliseModels(['llama3.2:3b'])[0]).toEqual(llama);
    expect(llama?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keep the details a test gives, and merge extra fields into the listings', () => {
    const models = normaliseModels([{ name: 'e', type: 'embeddings', contextLength: 512, extra: { owned_by: 'me' } }]);
    expect(openAiModels('vllm', models)).toMatchObject({ data: [{ id: 'e', owned_by: 'me', max_model_len: 512 }] });
    expect(ollamaTags(models)).toMatchObject({ models: [{ name: 'e', owned_by: 'me' }] });
  });

  it('list llama.cpp models in both the OpenAI and the Ollama shape', () => {
    const listing = openAiModels('llamacpp', normaliseModels(['tiny.gguf'])) as { data: unknown[]; models: unknown[] };
    expect(listing.data).toHaveLength(1);
    expect(listing.models).toHaveLength(1);
  });
});

describe('the reply', () => {
  it('is the concatenation of its tokens and names the backend and the model first', () => {
    const plan = planReply('desk', 'm', 'desk-0', 3, 1, 0);
    expect(plan.tokens).toEqual(['Hello from desk (m) token 1', ' token 2', ' token 3']);
    expect(plan.text).toBe(mockReplyText('desk', 'm', 3));
  });

  it('estimates prompt tokens from the prompt-bearing fields only', () => {
    expect(estimatePromptTokens({ model: 'a-very-long-model-name', messages: [{ content: '12345678' }] })).toBe(2);
    expect(estimatePromptTokens({ prompt: 'abcd', system: 'efgh' })).toBe(2);
    expect(estimatePromptTokens(undefined)).toBe(1);
  });
});
