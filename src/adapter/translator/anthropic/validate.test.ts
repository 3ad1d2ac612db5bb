import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../core/errors.js';
import { parseAnthropicRequest, validateAnthropicRequest } from './validate.js';

const base = () => ({ model: 'llama3', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] as unknown[] });

function errorOf(value: unknown): string {
  try {
    validateAnthropicRequest(value);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    return (err as Error).message;
  }
  throw new Error('expected a BadRequestError');
}

describe('validateAnthropicRequest', () => {
  it('accepts a minimal request and returns it typed', () => {
    const req = validateAnthropicRequest(base());
    expect(req.model).toBe('llama3');
    expect(req.messages[0]!.content).toBe('hi');
  });

  it.each([
    [{ ...base(), model: undefined }, 'model: required'],
    [{ ...base(), model: '' }, 'model: required'],
    [{ ...base(), model: 7 }, 'model: must be a string'],
    [{ ...base(), max_tokens: undefined }, 'max_tokens: required'],
    [{ ...base(), max_tokens: 0 }, 'max_tokens: must be an integer of at least 1'],
    [{ ...base(), max_tokens: 1.5 }, 'max_tokens: must be an integer of at least 1'],
    [{ ...base(), messages: undefined }, 'messages: required'],
    [{ ...base(), messages: [] }, 'messages: at least one message is required'],
    [{ ...base(), messages: {} }, 'messages: must be an array'],
    [{ ...base(), temperature: 2.5 }, 'temperature: must be between 0 and 2'],
    [{ ...base(), top_p: -0.1 }, 'top_p: must be between 0 and 1'],
    [{ ...base(), top_k: -1 }, 'top_k: must be at least 0'],
    [{ ...base(), top_k: 1.5 }, 'top_k: must be an integer'],
    [{ ...base(), stream: 'yes' }, 'stream: must be a boolean'],
    [{ ...base(), stop_sequences: ['a', 3] }, 'stop_sequences.1: must be a string'],
    [{ ...base(), tools: [{ description: 'x' }] }, 'tools.0.name: required'],
    [{ ...base(), tool_choice: { type: 'tool' } }, 'tool_choice.name: required'],
    [{ ...base(), messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role: must be "user" or "assistant"'],
    [{ ...base(), messages: [{ role: 'user' }] }, 'messages.0.content: required'],
    ['[1,2]', 'request body: must be a JSON object'],
  ])('names the bad field: %j', (value, message) => {
    expect(errorOf(value)).toBe(message);
  });

  it('names the path of an unknown block type', () => {
    const req = base();
    req.messages = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: [{ type: 'foo' }] },
    ];
    expect(errorOf(req)).toBe('messages.2.content.0.type: unknown block type "foo"');
  });

  it('checks blocks nested in tool results', () => {
    const req = base();
    req.messages = [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text' }] }] },
    ];
    expect(errorOf(req)).toBe('messages.0.content.0.content.0.text: required');
  });

  it('checks image sources', () => {
    const req = base();
    req.messages = [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'x' } }] }];
    expect(errorOf(req)).toBe('messages.0.content.0.source.type: unknown image source type "file"');
  });

  it('accepts block types Anthropic defines but backends cannot use', () => {
    const req = base();
    req.messages = [
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'x' },
          { type: 'text', text: 'ok' },
        ],
      },
    ];
    expect(() => validateAnthropicRequest(req)).not.toThrow();
  });

  it('ignores unknown top-level fields and treats null as absent', () => {
    const req = validateAnthropicRequest({ ...base(), context_management: {}, temperature: null, system: null });
    expect(req.temperature).toBeUndefined();
    expect(req.system).toBeUndefined();
  });

  it('wraps a single content block object in a list, as the original accepts it', () => {
    const req = validateAnthropicRequest({
      ...base(),
      messages: [{ role: 'user', content: { type: 'text', text: 'x' } }],
    });
    expect(req.messages[0]!.content).toEqual([{ type: 'text', text: 'x' }]);
  });

  it('normalises string and object tool choices, falling back to auto for unknown kinds', () => {
    expect(validateAnthropicRequest({ ...base(), tool_choice: 'any' }).tool_choice).toEqual({ type: 'any' });
    expect(validateAnthropicRequest({ ...base(), tool_choice: { type: 'mystery' } }).tool_choice).toEqual({
      type: 'auto',
    });
    expect(
      validateAnthropicRequest({ ...base(), tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true } })
        .tool_choice,
    ).toEqual({ type: 'tool', name: 'f', disable_parallel_tool_use: true });
  });

  it('fills a missing tool_use input with an empty object', () => {
    const req = validateAnthropicRequest({
      ...base(),
      messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f' }] }],
    });
    expect(req.messages[0]!.content).toEqual([{ type: 'tool_use', id: 't', name: 'f', input: {} }]);
  });
});

describe('parseAnthropicRequest', () => {
  it('refuses malformed JSON as a bad request', () => {
    expect(() => parseAnthropicRequest(Buffer.from('{"model":'))).toThrow(BadRequestError);
  });
});
