import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ObservedUsage, observeChunk, operationName } from './gen-ai.js';

describe('operationName', () => {
  it.each([
    ['/v1/chat/completions', 'chat'],
    ['/api/chat', 'chat'],
    ['/v1/messages', 'chat'],
    ['/v1/completions', 'text_completion'],
    ['/api/generate', 'text_completion'],
    ['/v1/embeddings?x=1', 'embeddings'],
    ['/api/tags', undefined],
  ])('%s is %s', (path, name) => {
    expect(operationName(path)).toBe(name);
  });
});

describe('observeChunk', () => {
  it('reads the model and the OpenAI usage of a final stream chunk', () => {
    const known: ObservedUsage = {};
    observeChunk(known, 'data: {"model":"llama3.2:3b","choices":[]}\n\n');
    observeChunk(known, 'data: {"model":"other","usage":{"prompt_tokens":12,"completion_tokens":34}}\n\n');
    expect(known).toEqual({ responseModel: 'llama3.2:3b', inputTokens: 12, outputTokens: 34 });
  });

  it('reads Ollama and Anthropic spellings', () => {
    const ollama: ObservedUsage = {};
    observeChunk(ollama, '{"model":"m","done":true,"prompt_eval_count":5,"eval_count":7}\n');
    expect(ollama).toEqual({ responseModel: 'm', inputTokens: 5, outputTokens: 7 });
    const anthropic: ObservedUsage = {};
    observeChunk(anthropic, '{"usage":{"input_tokens":3,"output_tokens":4}}');
    expect(anthropic).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('never throws and only ever records whole numbers', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const known: ObservedUsage = {};
        observeChunk(known, text);
        return [known.inputTokens, known.outputTokens].every((n) => n === undefined || Number.isInteger(n));
      }),
    );
  });
});
