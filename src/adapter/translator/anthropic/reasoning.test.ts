import { describe, expect, it } from 'vitest';
import { chatDialectOf, commonChatDialect } from '../../../core/domain/chat-dialect.js';
import { clampEffort, reasoningFields } from './reasoning.js';
import type { AnthropicRequest } from './types.js';

const req = (over: Partial<AnthropicRequest>): AnthropicRequest => ({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});

describe('reasoningFields', () => {
  const vllm = chatDialectOf('vllm');
  const ollama = chatDialectOf('ollama');

  it('maps output_config.effort, clamping the strongest efforts to high', () => {
    expect(reasoningFields(req({ output_config: { effort: 'medium' } }), vllm)).toEqual({ reasoning_effort: 'medium' });
    expect(reasoningFields(req({ output_config: { effort: 'max' } }), ollama)).toEqual({ reasoning_effort: 'high' });
    expect(reasoningFields(req({ output_config: { effort: 'xhigh' } }), vllm)).toEqual({ reasoning_effort: 'high' });
  });

  it('maps a thinking budget to a level, and leaves adaptive thinking to the backend default', () => {
    const budget = (budget_tokens: number) =>
      reasoningFields(req({ thinking: { type: 'enabled', budget_tokens } }), vllm);
    expect(budget(1024)).toEqual({ reasoning_effort: 'low' });
    expect(budget(8000)).toEqual({ reasoning_effort: 'medium' });
    expect(budget(32000)).toEqual({ reasoning_effort: 'high' });
    expect(reasoningFields(req({ thinking: { type: 'adaptive' } }), vllm)).toEqual({});
  });

  it('switches reasoning off the way each backend type understands', () => {
    const off = req({ thinking: { type: 'disabled' }, output_config: { effort: 'high' } });
    expect(reasoningFields(off, ollama)).toEqual({ reasoning_effort: 'none' });
    expect(reasoningFields(off, vllm)).toEqual({ chat_template_kwargs: { enable_thinking: false } });
    expect(reasoningFields(off, chatDialectOf('openai'))).toEqual({});
  });

  it('sends nothing to backend types that take no reasoning_effort', () => {
    expect(reasoningFields(req({ output_config: { effort: 'high' } }), chatDialectOf('llamacpp'))).toEqual({});
    expect(reasoningFields(req({ output_config: { effort: 'high' } }), chatDialectOf('openai-compatible'))).toEqual({});
  });

  it('clamps to the strongest accepted level not above the request, else the weakest accepted', () => {
    expect(clampEffort('high', ['low', 'medium'])).toBe('medium');
    expect(clampEffort('low', ['medium', 'high'])).toBe('medium');
    expect(clampEffort('medium', ['none'])).toBeUndefined();
  });
});

describe('commonChatDialect', () => {
  it('keeps only what every candidate type takes', () => {
    expect(commonChatDialect(['vllm', 'vllm'])).toEqual(chatDialectOf('vllm'));
    expect(commonChatDialect(['vllm', 'ollama'])).toEqual({
      topK: false,
      reasoningField: 'reasoning',
      reasoningEffort: ['low', 'medium', 'high'],
    });
    expect(commonChatDialect(['vllm', 'llamacpp'])).toEqual({
      topK: true,
      reasoningOff: { chat_template_kwargs: { enable_thinking: false } },
    });
    expect(commonChatDialect(['vllm', 'openai'])).toEqual({ topK: false });
    expect(commonChatDialect([])).toEqual({ topK: false });
  });

  it('names the reasoning field by endpoint type', () => {
    expect(chatDialectOf('vllm').reasoningField).toBe('reasoning');
    expect(chatDialectOf('ollama').reasoningField).toBe('reasoning');
    expect(chatDialectOf('llamacpp').reasoningField).toBe('reasoning_content');
    expect(chatDialectOf('openai').reasoningField).toBeUndefined();
  });
});
