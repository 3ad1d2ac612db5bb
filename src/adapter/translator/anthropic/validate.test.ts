import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../core/errors.js';
import { checkEnvelope, parseAnthropicRequest, validateAnthropicRequest } from './validate.js';

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
    [{ ...base(), max_tokens: -1 }, 'max_tokens: must be a non-negative integer'],
    [{ ...base(), max_tokens: 1.5 }, 'max_tokens: must be a non-negative integer'],
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
    [
      { ...base(), messages: [{ role: 'tool', content: 'x' }] },
      'messages.0.role: must be "user", "assistant" or "system"',
    ],
    [{ ...base(), messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages.0.content.0.type: required'],
    [
      { ...base(), messages: [{ role: 'user', content: [{ type: 'text', text: 3 }] }] },
      'messages.0.content.0.text: must be a string',
    ],
    [{ ...base(), thinking: 'on' }, 'thinking: must be an object'],
    [{ ...base(), output_config: [] }, 'output_config: must be an object'],
    [{ ...base(), messages: [{ role: 'user' }] }, 'messages.0.content: required'],
    ['[1,2]', 'request body: must be a JSON object'],
  ])('names the bad field: %j', (value, message) => {
    expect(errorOf(value)).toBe(message);
  });

  it('accepts block types it does not know, as the API grows new ones', () => {
    const req = base();
    req.messages = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: [{ type: 'compaction', content: 'summary' }] },
      { role: 'user', content: [{ type: 'some_future_block', anything: [1, 2] }] },
    ];
    expect(() => validateAnthropicRequest(req)).not.toThrow();
  });

  it('accepts system messages mid-conversation and max_tokens 0, as Claude Code 2.1 sends them', () => {
    const req = validateAnthropicRequest({
      ...base(),
      max_tokens: 0,
      messages: [
        { role: 'user', content: 'a' },
        {
          role: 'system',
          content: [{ type: 'text', text: 'env', cache_control: { type: 'ephemeral' } }],
          output_config: {},
        },
      ],
    });
    expect(req.messages[1]!.role).toBe('system');
    expect(req.max_tokens).toBe(0);
  });

  it('checks blocks nested in tool results', () => {
    const req = base();
    req.messages = [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text' }] }] },
    ];
    expect(errorOf(req)).toBe('messages.0.content.0.content.0.text: required');
  });

  it('checks the fields each known image and document source type needs, and passes newer ones', () => {
    const req = (source: unknown, type = 'image') => ({
      ...base(),
      messages: [{ role: 'user', content: [{ type, source }] }],
    });
    expect(errorOf(req({ type: 'file' }))).toBe('messages.0.content.0.source.file_id: required');
    expect(errorOf(req({ type: 'base64', data: 'x' }, 'document'))).toBe(
      'messages.0.content.0.source.media_type: required',
    );
    expect(errorOf(req(undefined))).toBe('messages.0.content.0.source: required');
    expect(() => validateAnthropicRequest(req({ type: 'file', file_id: 'f' }))).not.toThrow();
    expect(() =>
      validateAnthropicRequest(req({ type: 'text', media_type: 'text/plain', data: 'd' }, 'document')),
    ).not.toThrow();
    expect(() => validateAnthropicRequest(req({ type: 'hologram' }))).not.toThrow();
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

describe('checkEnvelope (all passthrough checks)', () => {
  it('needs only an object with a string model and a messages array', () => {
    expect(checkEnvelope({ model: 'm', messages: [{ role: 'developer', content: 7 }], max_tokens: 'x' }).model).toBe(
      'm',
    );
    expect(() => checkEnvelope([])).toThrow('request body: must be a JSON object');
    expect(() => checkEnvelope({ messages: [] })).toThrow('model: required');
    expect(() => checkEnvelope({ model: 1, messages: [] })).toThrow('model: must be a string');
    expect(() => checkEnvelope({ model: 'm' })).toThrow('messages: required');
    expect(() => checkEnvelope({ model: 'm', messages: 'hi' })).toThrow('messages: must be an array');
  });
});

describe('parseAnthropicRequest', () => {
  it('refuses malformed JSON as a bad request', () => {
    expect(() => parseAnthropicRequest(Buffer.from('{"model":'))).toThrow(BadRequestError);
  });
});
