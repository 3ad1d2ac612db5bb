import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../core/errors.js';
import { convertUsage, mapFinishReason, openAIToAnthropic } from './response.js';
import type { OpenAIChatCompletion } from './types.js';

const completion = (
  message: NonNullable<NonNullable<OpenAIChatCompletion['choices']>[number]['message']>,
  finish_reason: string | null = 'stop',
  extra: Partial<OpenAIChatCompletion> = {},
): OpenAIChatCompletion => ({
  id: 'chatcmpl-1',
  model: 'llama3:8b',
  choices: [{ index: 0, message, finish_reason }],
  usage: { prompt_tokens: 15, completion_tokens: 10 },
  ...extra,
});

describe('openAIToAnthropic', () => {
  it('wraps text in a message with Anthropic ids, model and usage', () => {
    const msg = openAIToAnthropic(completion({ role: 'assistant', content: 'Hello!' }), 'requested');
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'llama3:8b',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 15, output_tokens: 10 },
    });
    expect(msg.id).toMatch(/^msg_01[1-9A-HJ-NP-Za-km-z]{22}$/);
  });

  it('falls back to the requested model and zero usage when the backend omits them', () => {
    const msg = openAIToAnthropic({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] }, 'requested');
    expect(msg.model).toBe('requested');
    expect(msg.usage).toEqual({ input_tokens: 0, output_tokens: 0 });
  });

  it('puts reasoning first as a thinking block, from either field name', () => {
    for (const field of ['reasoning', 'reasoning_content'] as const) {
      const msg = openAIToAnthropic(completion({ content: 'Paris.', [field]: 'Capital of France…' }), 'm');
      expect(msg.content).toEqual([
        { type: 'thinking', thinking: 'Capital of France…', signature: '' },
        { type: 'text', text: 'Paris.' },
      ]);
    }
  });

  it('turns tool calls into tool_use blocks with parsed input, keeping backend ids', () => {
    const msg = openAIToAnthropic(
      completion(
        {
          content: null,
          tool_calls: [
            { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Hobart"}' } },
            { type: 'function', function: { name: 'now', arguments: '' } },
          ],
        },
        'tool_calls',
      ),
      'm',
    );
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toEqual({
      type: 'tool_use',
      id: 'call_abc',
      name: 'get_weather',
      input: { city: 'Hobart' },
    });
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'now', input: {} });
    expect((msg.content[1] as { id: string }).id).toMatch(/^toolu_01/);
  });

  it('uses an empty input when the arguments are not a JSON object', () => {
    const msg = openAIToAnthropic(
      completion({ tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"broken' } }] }, 'tool_calls'),
      'm',
    );
    expect(msg.content[0]).toMatchObject({ input: {} });
  });

  it('translates the legacy function_call form', () => {
    const msg = openAIToAnthropic(
      completion({ function_call: { name: 'f', arguments: '{"a":1}' } }, 'function_call'),
      'm',
    );
    expect(msg.content[0]).toMatchObject({ type: 'tool_use', name: 'f', input: { a: 1 } });
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('answers an empty reply with one empty text block', () => {
    expect(openAIToAnthropic(completion({ content: '' }), 'm').content).toEqual([{ type: 'text', text: '' }]);
  });

  it('reports a stop sequence the backend names (vLLM stop_reason) when the client asked for it', () => {
    const resp = completion({ content: 'one two' });
    resp.choices![0]!.stop_reason = 'three';
    expect(openAIToAnthropic(resp, 'm', ['three'])).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: 'three',
    });
    expect(openAIToAnthropic(resp, 'm', ['four'])).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('fails with an upstream error when there is no choice', () => {
    expect(() => openAIToAnthropic({ choices: [] }, 'm')).toThrow(UpstreamError);
    expect(() => openAIToAnthropic({}, 'm')).toThrow('no choices in OpenAI response');
  });
});

describe('mapFinishReason', () => {
  it.each([
    ['stop', false, 'end_turn'],
    ['length', false, 'max_tokens'],
    ['tool_calls', true, 'tool_use'],
    ['function_call', true, 'tool_use'],
    ['content_filter', false, 'refusal'],
    [null, false, 'end_turn'],
    [undefined, false, 'end_turn'],
    ['something_new', false, 'end_turn'],
    // Some local servers say "stop" (or nothing) after tool calls; the tools still need running.
    ['stop', true, 'tool_use'],
    [null, true, 'tool_use'],
    ['length', true, 'max_tokens'],
  ] as const)('%s (tool use: %s) → %s', (finish, hasToolUse, expected) => {
    expect(mapFinishReason(finish, hasToolUse, null).stop_reason).toBe(expected);
  });

  it('reports a matched stop sequence only for a stop finish', () => {
    expect(mapFinishReason('stop', false, 'END')).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    expect(mapFinishReason('length', false, 'END')).toEqual({ stop_reason: 'max_tokens', stop_sequence: null });
  });
});

describe('convertUsage', () => {
  it('moves cached prompt tokens to cache_read_input_tokens and reports reasoning tokens', () => {
    expect(
      convertUsage({
        prompt_tokens: 1000,
        completion_tokens: 50,
        prompt_tokens_details: { cached_tokens: 800 },
        completion_tokens_details: { reasoning_tokens: 30 },
      }),
    ).toEqual({
      input_tokens: 200,
      output_tokens: 50,
      cache_read_input_tokens: 800,
      output_tokens_details: { thinking_tokens: 30 },
    });
  });

  it('keeps the plain shape when the backend reports neither, and never goes negative', () => {
    expect(convertUsage({ prompt_tokens: 5, completion_tokens: 2 })).toEqual({ input_tokens: 5, output_tokens: 2 });
    expect(convertUsage({ prompt_tokens: 5, prompt_tokens_details: { cached_tokens: 9 } })).toMatchObject({
      input_tokens: 0,
      cache_read_input_tokens: 5,
    });
    expect(convertUsage(null)).toEqual({ input_tokens: 0, output_tokens: 0 });
  });
});
