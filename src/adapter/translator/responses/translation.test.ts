import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventsForData } from '../chunk-stream.js';
import { MemoryResponseStore } from './memory-store.js';
import { responsesToChat } from './request.js';
import { ResponsesStreamState } from './stream-state.js';
import type { ResponsesInputItem, ResponsesRequest, ResponsesStreamEvent } from './types.js';
import { validateResponsesRequest } from './validate.js';

const text = fc.string({ maxLength: 20 });
const part = fc.oneof(
  text.map((t) => ({ type: 'input_text', text: t })),
  fc.webUrl().map((u) => ({ type: 'input_image', image_url: u })),
);
const item: fc.Arbitrary<ResponsesInputItem> = fc.oneof(
  fc.record({
    role: fc.constantFrom('user', 'assistant', 'system', 'developer'),
    content: fc.oneof(text, fc.array(part, { maxLength: 3 })),
  }) as fc.Arbitrary<ResponsesInputItem>,
  fc.record({ type: fc.constant('function_call'), call_id: text, name: text, arguments: text }),
  fc.record({ type: fc.constant('function_call_output'), call_id: text, output: text }),
  fc.record({ type: fc.constant('reasoning'), summary: fc.constant([]) }),
);
const request: fc.Arbitrary<ResponsesRequest> = fc.record(
  {
    model: fc.string({ minLength: 1, maxLength: 10 }),
    input: fc.oneof(text, fc.array(item, { maxLength: 8 })),
    instructions: text,
    stream: fc.boolean(),
    max_output_tokens: fc.integer({ min: 1, max: 10_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    tools: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('function'), name: fc.string({ minLength: 1, maxLength: 8 }) }),
        fc.constantFrom({ type: 'web_search' }, { type: 'local_shell' }, { type: 'custom', name: 'apply_patch' }),
      ),
      { maxLength: 4 },
    ),
    tool_choice: fc.constantFrom('auto', 'none', 'required'),
    reasoning: fc.record({ effort: fc.constantFrom('low', 'high') }),
  },
  { requiredKeys: ['model', 'input'] },
);

describe('responsesToChat', () => {
  it('turns any valid request into a valid chat request', () => {
    fc.assert(
      fc.property(request, (req) => {
        validateResponsesRequest(structuredClone(req));
        const { chat } = responsesToChat(req);
        expect(chat.model).toBe(req.model);
        for (const m of chat.messages) {
          expect(['system', 'user', 'assistant', 'tool']).toContain(m.role);
          if (m.role === 'tool') expect(typeof m.tool_call_id).toBe('string');
        }
        for (const tool of chat.tools ?? []) expect(tool.type).toBe('function');
        if (chat.tool_choice !== undefined) expect(chat.tools?.length).toBeGreaterThan(0);
        if (req.max_output_tokens !== undefined) expect(chat.max_tokens).toBe(req.max_output_tokens);
        expect(chat.stream).toBe(req.stream === true);
      }),
    );
  });

  it('carries tool calls and their outputs with the same call_id', () => {
    const { chat, dropped } = responsesToChat({
      model: 'm',
      instructions: 'sys',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{"a":1}' },
        { type: 'function_call_output', call_id: 'c1', output: 'one' },
        { type: 'function_call_output', call_id: 'c2', output: 'two' },
      ],
      tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }],
      tool_choice: { type: 'function', name: 'f' },
      text: { format: { type: 'json_schema', name: 's', schema: { type: 'object' } } },
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{"a":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'one' },
      { role: 'tool', tool_call_id: 'c2', content: 'two' },
    ]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(chat.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 's', schema: { type: 'object' } },
    });
    expect(dropped).toEqual(['web_search']);
  });

  it('translates the request Codex CLI sends (recorded fixture)', () => {
    const body = JSON.parse(readFileSync('test/fixtures/codex/plain-turn.request.json', 'utf8'));
    const { chat, dropped } = responsesToChat(validateResponsesRequest(body));
    expect(chat.messages.at(-1)).toEqual({ role: 'user', content: 'say hi' });
    expect(chat.tools?.map((t) => t.function.name)).toContain('exec_command');
    expect(dropped).toEqual(expect.arrayContaining(['namespace', 'web_search']));
  });
});

describe('validateResponsesRequest', () => {
  it.each([
    [{}, 'model: required'],
    [{ model: 'm' }, 'input: required'],
    [{ model: 'm', input: 3 }, 'input: must be a string or an array of items'],
    [{ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '' }] }, 'input.0.call_id: required'],
    [{ model: 'm', input: 'x', temperature: 'hot' }, 'temperature: must be a number'],
    [{ model: 'm', input: 'x', tools: [{ type: 'function' }] }, 'tools.0.name: required'],
  ])('refuses %j', (body, message) => {
    expect(() => validateResponsesRequest(body)).toThrow(message);
  });
});

/** A chat stream as the mock (and real servers) produce: text, reasoning, tool fragments by index. */
const chunkData = fc.oneof(
  text.map((t) => ({ choices: [{ delta: { content: t } }] })),
  text.map((t) => ({ choices: [{ delta: { reasoning_content: t } }] })),
  fc
    .record({
      index: fc.integer({ min: 0, max: 2 }),
      name: fc.option(fc.constantFrom('f', 'g'), { nil: undefined }),
      args: text,
    })
    .map(({ index, name, args }) => ({
      choices: [{ delta: { tool_calls: [{ index, function: { name, arguments: args } }] } }],
    })),
  fc.constantFrom('stop', 'length', 'tool_calls').map((r) => ({ choices: [{ delta: {}, finish_reason: r }] })),
  fc.constant({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }),
);

function checkOrder(events: ResponsesStreamEvent[]): void {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  expect(events[0]!.type).toBe('response.created');
  expect(events[1]!.type).toBe('response.in_progress');
  expect(['response.completed', 'response.incomplete', 'response.failed']).toContain(events.at(-1)!.type);
  const added = new Set<number>();
  const finished = new Set<number>();
  for (const event of events.slice(2, -1)) {
    const index = event.output_index as number;
    if (event.type === 'response.output_item.added') {
      expect(index).toBe(added.size);
      added.add(index);
    } else {
      expect(added.has(index)).toBe(true);
      expect(finished.has(index)).toBe(false);
      if (event.type === 'response.output_item.done') finished.add(index);
    }
  }
  if (events.at(-1)!.type !== 'response.failed') expect(finished.size).toBe(added.size);
}

describe('ResponsesStreamState', () => {
  it('turns any chat stream into a well-ordered Responses event stream', () => {
    fc.assert(
      fc.property(fc.array(chunkData, { maxLength: 15 }), fc.boolean(), (chunks, done) => {
        const state = new ResponsesStreamState({ model: 'm' });
        const events: ResponsesStreamEvent[] = [];
        for (const chunk of chunks) events.push(...eventsForData(state, JSON.stringify(chunk)));
        events.push(...(done ? eventsForData(state, '[DONE]') : state.finish()));
        checkOrder(events);
        const completed = events.at(-1)!.response as { output: unknown[] };
        expect(completed.output.length).toBe(events.filter((e) => e.type === 'response.output_item.added').length);
      }),
    );
  });

  it('ends with response.failed when the backend dies mid-stream', () => {
    const state = new ResponsesStreamState({ model: 'm' });
    const events = [...state.push({ choices: [{ delta: { content: 'hi' } }] }), ...state.fail('backend went away')];
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { message: 'backend went away' } },
    });
    expect(state.finish()).toEqual([]);
  });
});

describe('MemoryResponseStore', () => {
  it('keeps at most maxEntries and forgets entries after the TTL', () => {
    let now = 0;
    const store = new MemoryResponseStore({ maxEntries: 2, ttlMs: 100, now: () => now });
    store.put('a', [1]);
    store.put('b', [2]);
    store.put('c', [3]);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('c')).toEqual([3]);
    now = 150;
    expect(store.get('b')).toBeUndefined();
    expect(store.size).toBe(1);
  });
});
