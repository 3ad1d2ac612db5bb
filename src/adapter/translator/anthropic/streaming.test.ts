import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamState } from './stream-state.js';
import { createAnthropicStreamTransform, type StreamOutcome } from './streaming.js';
import type { AnthropicStreamEvent, OpenAIChunk } from './types.js';

// JSON has no -0: round-trip so generated values are exactly what survives the wire.
const jsonSafe = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

// ---- helpers ----

function run(chunks: OpenAIChunk[], opts: { finish?: boolean } = {}): AnthropicStreamEvent[] {
  const state = new AnthropicStreamState({ model: 'requested', inputTokens: 42 });
  const events = chunks.flatMap((c) => state.push(c));
  if (opts.finish !== false) events.push(...state.finish());
  return events;
}

const text = (content: string, finish_reason: string | null = null): OpenAIChunk => ({
  model: 'backend-model',
  choices: [{ index: 0, delta: { content }, finish_reason }],
});
const reasoning = (value: string): OpenAIChunk => ({ choices: [{ delta: { reasoning_content: value } }] });
const tool = (index: number, args: string, id?: string, name?: string): OpenAIChunk => ({
  choices: [{ delta: { tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }] } }],
});
const finish = (finish_reason: string): OpenAIChunk => ({ choices: [{ delta: {}, finish_reason }] });

/**
 * Checks an Anthropic event stream is well formed: message_start first; blocks opened one at a
 * time with indices 0, 1, 2…; deltas only in the open block and of its kind; every start stopped;
 * message_delta then message_stop last (or a final error event).
 */
function expectValidStream(events: readonly AnthropicStreamEvent[]): void {
  expect(events[0]?.type).toBe('message_start');
  let open: { index: number; kind: string } | undefined;
  let starts = 0;
  for (let i = 1; i < events.length; i++) {
    const e = events[i]!;
    switch (e.type) {
      case 'content_block_start':
        expect(open).toBeUndefined();
        expect(e.index).toBe(starts++);
        open = { index: e.index, kind: e.content_block.type };
        break;
      case 'content_block_delta': {
        expect(open?.index).toBe(e.index);
        const expectedDelta = { text: 'text_delta', thinking: 'thinking_delta', tool_use: 'input_json_delta' }[
          open!.kind
        ];
        expect(e.delta.type).toBe(expectedDelta);
        break;
      }
      case 'content_block_stop':
        expect(open?.index).toBe(e.index);
        open = undefined;
        break;
      case 'message_delta':
        expect(open).toBeUndefined();
        expect(i).toBe(events.length - 2);
        break;
      case 'message_stop':
        expect(i).toBe(events.length - 1);
        break;
      case 'error':
        expect(i).toBe(events.length - 1);
        return;
      case 'ping':
        break;
      default:
        throw new Error(`unexpected ${e.type} at ${i}`);
    }
  }
  expect(events.at(-1)?.type).toBe('message_stop');
}

function textOf(events: readonly AnthropicStreamEvent[]): string {
  return events
    .map((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : ''))
    .join('');
}

/** Concatenated partial_json per tool name. */
function toolArgs(events: readonly AnthropicStreamEvent[]): Map<string, string> {
  const byIndex = new Map<number, string>();
  const out = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'content_block_start' && e.content_block.type === 'tool_use') {
      byIndex.set(e.index, e.content_block.name);
      out.set(e.content_block.name, '');
    }
    if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') {
      const name = byIndex.get(e.index)!;
      out.set(name, out.get(name)! + e.delta.partial_json);
    }
  }
  return out;
}

// ---- the state machine ----

describe('AnthropicStreamState', () => {
  it('streams text in Anthropic order, ping after the first block start', () => {
    const events = run([text('Hello'), text('!'), finish('stop')]);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({
      message: {
        model: 'backend-model',
        content: [],
        stop_reason: null,
        usage: { input_tokens: 42, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    expect((events[0] as { message: { id: string } }).message.id).toMatch(/^msg_01/);
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[3]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    expect(events[6]).toMatchObject({ delta: { stop_reason: 'end_turn', stop_sequence: null } });
  });

  it('emits each event as soon as its chunk arrives', () => {
    const state = new AnthropicStreamState({ model: 'm' });
    expect(state.push(text('a')).map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
    ]);
    expect(state.push(text('b')).map((e) => e.type)).toEqual(['content_block_delta']);
  });

  it('uses real usage when the backend sends it, even on a chunk without choices', () => {
    const events = run([
      text('hi'),
      finish('stop'),
      { choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } },
    ]);
    expect(events.at(-2)).toMatchObject({ usage: { input_tokens: 9, output_tokens: 3 } });
  });

  it('estimates output tokens from the text when the backend sends no usage', () => {
    const events = run([text('x'.repeat(40))]);
    expect(events.at(-2)).toMatchObject({ usage: { input_tokens: 42, output_tokens: 10 } });
  });

  it('streams reasoning as a thinking block before the text', () => {
    const events = run([reasoning('think '), reasoning('hard'), text('Answer')]);
    expectValidStream(events);
    expect(events[1]).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    expect(events[3]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'thinking_delta', thinking: 'think ' },
    });
    expect(events.find((e) => e.type === 'content_block_start' && e.index === 1)).toMatchObject({
      content_block: { type: 'text' },
    });
  });

  it('handles text then tool use in one message', () => {
    const events = run([
      text('Let me check.'),
      tool(0, '', 'call_1', 'get_weather'),
      tool(0, '{"city":'),
      tool(0, '"Perth"}'),
      finish('tool_calls'),
    ]);
    expectValidStream(events);
    expect(events).toContainEqual({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
    });
    expect(toolArgs(events).get('get_weather')).toBe('{"city":"Perth"}');
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('streams sequential parallel tool calls without holding any back', () => {
    const state = new AnthropicStreamState({ model: 'm' });
    state.push(tool(0, '{"a":1}', 'c0', 'first'));
    const second = state.push(tool(1, '{"b"', 'c1', 'second'));
    expect(second.map((e) => e.type)).toEqual(['content_block_stop', 'content_block_start', 'content_block_delta']);
  });

  it('holds an interleaved tool back until the live one is complete, losing nothing', () => {
    const events = run([
      tool(0, '', 'c0', 'alpha'),
      tool(1, '', 'c1', 'beta'),
      tool(0, '{"x":'),
      tool(1, '{"y":'),
      tool(1, '2}'),
      tool(0, '1}'),
      finish('tool_calls'),
    ]);
    expectValidStream(events);
    const args = toolArgs(events);
    expect(JSON.parse(args.get('alpha')!)).toEqual({ x: 1 });
    expect(JSON.parse(args.get('beta')!)).toEqual({ y: 2 });
  });

  it('treats a new id on the same index as a new tool call', () => {
    const events = run([tool(0, '{"a":1}', 'c0', 'one'), tool(0, '{"b":2}', 'c1', 'two'), finish('tool_calls')]);
    expectValidStream(events);
    expect(toolArgs(events)).toEqual(
      new Map([
        ['one', '{"a":1}'],
        ['two', '{"b":2}'],
      ]),
    );
  });

  it('ignores id and name repeated on continuation chunks', () => {
    const events = run([tool(0, '{"a":', 'c0', 'f'), tool(0, '1}', 'c0', 'f')]);
    expect(events.filter((e) => e.type === 'content_block_start')).toHaveLength(1);
    expect(toolArgs(events).get('f')).toBe('{"a":1}');
  });

  it('mints a toolu_ id when the backend sends none', () => {
    const events = run([tool(0, '{}', undefined, 'f')]);
    const start = events.find((e) => e.type === 'content_block_start');
    expect(start).toMatchObject({ content_block: { type: 'tool_use', name: 'f' } });
    expect((start as { content_block: { id: string } }).content_block.id).toMatch(/^toolu_01/);
  });

  it('sends arguments that arrived before the name once the block opens', () => {
    const events = run([tool(0, '{"q":'), tool(0, '"x"}', 'c0', 'search')]);
    expectValidStream(events);
    expect(toolArgs(events).get('search')).toBe('{"q":"x"}');
  });

  it('ends with an error event when arguments arrive for a tool already stopped', () => {
    const events = run([tool(0, '{"a":', 'c0', 'f'), text('oops'), tool(0, '1}')], { finish: false });
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('still closes blocks and sends message_delta and message_stop when no finish_reason comes', () => {
    const events = run([text('partial')]);
    expectValidStream(events);
    expect(events.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'end_turn' } });
  });

  it('sends message_start, message_delta and message_stop for an empty stream', () => {
    expect(run([]).map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('maps length to max_tokens and reports a matched stop sequence', () => {
    expect(run([text('a'), finish('length')]).at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' } });
    const state = new AnthropicStreamState({ model: 'm', stopSequences: ['###'] });
    state.push({ choices: [{ delta: { content: 'a' }, finish_reason: 'stop', stop_reason: '###' }] });
    expect(state.finish()[1]).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: '###' } });
  });

  it('turns an upstream error chunk into an Anthropic error event and stops', () => {
    const state = new AnthropicStreamState({ model: 'm' });
    state.push(text('a'));
    expect(state.push({ error: { message: 'CUDA out of memory' } })).toEqual([
      { type: 'error', error: { type: 'api_error', message: 'CUDA out of memory' } },
    ]);
    expect(state.done).toBe(true);
    expect(state.finish()).toEqual([]);
    expect(state.push(text('b'))).toEqual([]);
  });

  it('rebuilds the whole reply when collecting', () => {
    const state = new AnthropicStreamState({ model: 'm', collect: true });
    for (const c of [reasoning('r'), text('t'), tool(0, '{"k":', 'c0', 'f'), tool(0, '"v"}')]) state.push(c);
    state.finish();
    expect(state.message()).toMatchObject({
      content: [
        { type: 'thinking', thinking: 'r', signature: '' },
        { type: 'text', text: 't' },
        { type: 'tool_use', id: 'c0', name: 'f', input: { k: 'v' } },
      ],
      stop_reason: 'tool_use',
    });
  });
});

// ---- properties ----

interface Script {
  reasoning: string[];
  text: string[];
  trailingText: string[];
  tools: { name: string; args: Record<string, unknown>; fragments: string[] }[];
  chunks: OpenAIChunk[];
}

/** Splits a string at the given cut points into non-empty fragments. */
function splitAt(s: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (s.length + 1)))]
    .filter((c) => c > 0 && c < s.length)
    .sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(s.slice(last, p));
    last = p;
  }
  out.push(s.slice(last));
  return out.filter((f) => f !== '');
}

const fragment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 });
const script: fc.Arbitrary<Script> = fc
  .record({
    reasoning: fc.array(fragment, { maxLength: 3 }),
    text: fc.array(fragment, { maxLength: 4 }),
    trailingText: fc.array(fragment, { maxLength: 2 }),
    tools: fc.array(
      fc.record({
        args: fc.dictionary(fc.string({ maxLength: 4 }), jsonSafe, { maxKeys: 3 }),
        cuts: fc.array(fc.nat(), { maxLength: 5 }),
        idWithName: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    picks: fc.array(fc.nat(), { maxLength: 40 }),
    finishReason: fc.constantFrom<string | null>(null, 'stop', 'tool_calls', 'length'),
    usage: fc.boolean(),
  })
  .map(({ reasoning: r, text: t, trailingText, tools, picks, finishReason, usage }) => {
    const chunks: OpenAIChunk[] = [];
    for (const f of r) chunks.push(reasoning(f));
    for (const f of t) chunks.push(text(f));
    const described = tools.map((spec, i) => ({
      name: `tool_${i}`,
      args: spec.args,
      fragments: splitAt(JSON.stringify(spec.args), spec.cuts),
    }));
    // Each tool's own chunks in order: the name first (with or without the first fragment).
    const queues = described.map((d, i) => {
      const first = tools[i]!.idWithName ? d.fragments[0]! : '';
      const rest = tools[i]!.idWithName ? d.fragments.slice(1) : d.fragments;
      return [tool(i, first, `call_${i}`, d.name), ...rest.map((f) => tool(i, f))];
    });
    // Interleave the queues by index, as parallel tool calls may arrive.
    let p = 0;
    for (;;) {
      const live = queues.filter((q) => q.length > 0);
      if (live.length === 0) break;
      chunks.push(live[(picks[p++] ?? 0) % live.length]!.shift()!);
    }
    for (const f of trailingText) chunks.push(text(f));
    if (finishReason !== null) chunks.push(finish(finishReason));
    if (usage) chunks.push({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 7 } });
    return { reasoning: r, text: t, trailingText, tools: described, chunks };
  });

function expectRoundTrip(s: Script, events: readonly AnthropicStreamEvent[]): void {
  expectValidStream(events);
  expect(textOf(events)).toBe([...s.text, ...s.trailingText].join(''));
  const thinking = events
    .map((e) => (e.type === 'content_block_delta' && e.delta.type === 'thinking_delta' ? e.delta.thinking : ''))
    .join('');
  expect(thinking).toBe(s.reasoning.join(''));
  const args = toolArgs(events);
  expect(args.size).toBe(s.tools.length);
  for (const t of s.tools) expect(JSON.parse(args.get(t.name)!)).toEqual(t.args);
}

describe('AnthropicStreamState properties', () => {
  it('any chunk sequence yields a valid stream whose text and tool arguments round-trip', () => {
    fc.assert(
      fc.property(script, (s) => {
        expectRoundTrip(s, run(s.chunks));
      }),
      { numRuns: 400 },
    );
  });
});

// ---- the Transform ----

function sse(chunks: OpenAIChunk[], done: boolean): Buffer {
  return Buffer.from(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : ''));
}

async function transform(input: Buffer[], onComplete?: (o: StreamOutcome) => void): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(input),
    createAnthropicStreamTransform({ model: 'm', collect: true, onComplete }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(Buffer.from(chunk));
    },
  );
  return Buffer.concat(out).toString('utf8');
}

function parseSse(body: string): AnthropicStreamEvent[] {
  const events: AnthropicStreamEvent[] = [];
  const parser = createParser({
    onEvent(e) {
      const data = JSON.parse(e.data) as AnthropicStreamEvent;
      expect(e.event).toBe(data.type);
      events.push(data);
    },
  });
  parser.feed(body);
  return events;
}

function splitBytes(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

describe('createAnthropicStreamTransform', () => {
  it('writes named SSE events and finishes at [DONE]', async () => {
    const body = await transform([sse([text('Hi'), finish('stop')], true)]);
    expect(body.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
    expect(body.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expectValidStream(parseSse(body));
  });

  it('passes events on as each upstream chunk arrives, before the upstream ends', async () => {
    const stream = createAnthropicStreamTransform({ model: 'm' });
    const first = new Promise<string>((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    stream.write(sse([text('early')], false));
    expect(await first).toContain('"text":"early"');
    stream.end();
    stream.resume();
  });

  it('finishes a stream that ends without [DONE] or a trailing blank line', async () => {
    const raw = `data: ${JSON.stringify(text('Hi'))}`;
    const events = parseSse(await transform([Buffer.from(raw)]));
    expectValidStream(events);
    expect(textOf(events)).toBe('Hi');
  });

  it('skips malformed lines and comments, as the original does', async () => {
    const raw = `: keep-alive\n\ndata: {not json\n\ndata: ${JSON.stringify(text('ok'))}\n\ndata: [DONE]\n\n`;
    expect(textOf(parseSse(await transform([Buffer.from(raw)])))).toBe('ok');
  });

  it('reports the rebuilt reply once the upstream ends', async () => {
    let outcome: StreamOutcome | undefined;
    await transform([sse([text('Hi')], true)], (o) => {
      outcome = o;
    });
    expect(outcome).toMatchObject({ failed: false, message: { content: [{ type: 'text', text: 'Hi' }] } });
  });

  it('ends with an error event when the upstream reports an error mid-stream', async () => {
    const events = parseSse(
      await transform([sse([text('a'), { error: 'model crashed' } as OpenAIChunk, text('b')], true)]),
    );
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'api_error', message: 'model crashed' } });
    expect(textOf(events)).toBe('a');
  });

  it('gives the same events however the upstream bytes are split, even inside a UTF-8 character', async () => {
    await fc.assert(
      fc.asyncProperty(script, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), async (s, cuts, done) => {
        const events = parseSse(await transform(splitBytes(sse(s.chunks, done), cuts)));
        expectRoundTrip(s, events);
      }),
      { numRuns: 150 },
    );
  });
});

describe('AnthropicStreamState usage and stop reasons', () => {
  it('reports cached and reasoning tokens in message_delta, and content_filter as refusal', () => {
    const state = new AnthropicStreamState({ model: 'm', inputTokens: 7 });
    const events = [
      ...state.push({ choices: [{ delta: { reasoning: 'think' } }] }),
      ...state.push(text('no')),
      ...state.push(finish('content_filter')),
      ...state.push({
        choices: [],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 9,
          prompt_tokens_details: { cached_tokens: 60 },
          completion_tokens_details: { reasoning_tokens: 4 },
        },
      }),
      ...state.finish(),
    ];
    expectValidStream(events);
    expect(events.find((e) => e.type === 'content_block_start')).toMatchObject({
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    expect(events.find((e) => e.type === 'message_delta')).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'refusal', stop_sequence: null },
      usage: {
        input_tokens: 40,
        output_tokens: 9,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 60,
        output_tokens_details: { thinking_tokens: 4 },
      },
    });
  });
});
