import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatDialectOf } from '../../../core/domain/chat-dialect.js';
import { anthropicToOpenAI } from './request.js';
import type { AnthropicRequest } from './types.js';
import { validateAnthropicRequest } from './validate.js';

// JSON has no -0: round-trip so generated values are exactly what survives the wire.
const jsonSafe = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const req = (over: Partial<AnthropicRequest> = {}): AnthropicRequest =>
  validateAnthropicRequest({ model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...over });

describe('anthropicToOpenAI', () => {
  it('maps the basic parameters directly', () => {
    const out = anthropicToOpenAI(
      req({ temperature: 0.7, top_p: 0.9, stop_sequences: ['END'], metadata: { user_id: 'u1' } }),
    );
    expect(out).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 64,
      stream: false,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['END'],
      user: 'u1',
    });
  });

  it('asks for usage in the stream so message_delta carries real counts', () => {
    expect(anthropicToOpenAI(req({ stream: true })).stream_options).toEqual({ include_usage: true });
    expect(anthropicToOpenAI(req({ stream: true }), { streamUsage: false }).stream_options).toBeUndefined();
    expect(anthropicToOpenAI(req()).stream_options).toBeUndefined();
  });

  it('forwards top_k only when the backend dialect takes it', () => {
    expect(anthropicToOpenAI(req({ top_k: 40 })).top_k).toBeUndefined();
    expect(anthropicToOpenAI(req({ top_k: 40 }), { dialect: { topK: true } }).top_k).toBe(40);
  });

  it('never sends the Anthropic thinking setting itself', () => {
    const out = anthropicToOpenAI(req({ thinking: { type: 'enabled', budget_tokens: 1024 } }));
    expect(out).not.toHaveProperty('thinking');
    expect(out).not.toHaveProperty('reasoning_effort');
  });

  it('turns a string system prompt into the first message', () => {
    const out = anthropicToOpenAI(req({ system: 'be brief' }));
    expect(out.messages[0]).toEqual({ role: 'system', content: 'be brief' });
  });

  it('joins system text blocks and skips an empty system prompt', () => {
    const blocks = anthropicToOpenAI(
      req({
        system: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      }),
    );
    expect(blocks.messages[0]).toEqual({ role: 'system', content: 'one\ntwo' });
    expect(anthropicToOpenAI(req({ system: '' })).messages[0]!.role).toBe('user');
  });

  it('keeps text-only user blocks a plain string', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([{ role: 'user', content: 'ab' }]);
  });

  it('turns base64 and url images into image_url parts, in order', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
              { type: 'image', source: { type: 'url', url: 'https://example.test/cat.jpg' } },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://example.test/cat.jpg' } },
        ],
      },
    ]);
  });

  it('turns assistant tool_use into tool_calls with JSON arguments and null content', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Perth' } }],
          },
        ],
      }),
    );
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Perth"}' } },
      ],
    });
  });

  it('keeps assistant text beside tool calls and drops thinking blocks', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 't1', name: 'f', input: {} },
            ],
          },
        ],
      }),
    );
    expect(out.messages[0]).toMatchObject({ role: 'assistant', content: 'Checking.' });
  });

  it('skips assistant turns with nothing to say', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'only thoughts' }] },
          { role: 'user', content: 'y' },
        ],
      }),
    );
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'user']);
  });

  it('turns tool results into tool messages that come before the user text', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'and then?' },
              { type: 'tool_result', tool_use_id: 't1', content: '22 degrees' },
              { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: 'sunny' }] },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'tool', tool_call_id: 't1', content: '22 degrees' },
      { role: 'tool', tool_call_id: 't2', content: 'sunny' },
      { role: 'user', content: 'and then?' },
    ]);
  });

  it('marks error results in the text without doubling the prefix', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't1', content: 'file not found', is_error: true },
              { type: 'tool_result', tool_use_id: 't2', content: 'Error: boom', is_error: true },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'Error: file not found' },
      { role: 'tool', tool_call_id: 't2', content: 'Error: boom' },
    ]);
  });

  it('moves images from tool results into the following user message', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                content: [
                  { type: 'text', text: 'screenshot' },
                  { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'BBBB' } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'tool', tool_call_id: 't1', content: 'screenshot' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,BBBB' } }] },
    ]);
  });

  it('keeps non-block tool result content as JSON text, as the original does', () => {
    const out = anthropicToOpenAI(
      req({
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: { temp: 18 } }] }],
      }),
    );
    expect(out.messages[0]).toEqual({ role: 'tool', tool_call_id: 't', content: '{"temp":18}' });
  });

  it('maps tools to functions with input_schema as parameters', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const out = anthropicToOpenAI(
      req({ tools: [{ name: 'get_weather', description: 'Weather', input_schema: schema }] }),
    );
    expect(out.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: schema } },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [
      { type: 'tool', name: 'f' },
      { type: 'function', function: { name: 'f' } },
    ],
  ] as const)('maps tool_choice %j', (choice, expected) => {
    const out = anthropicToOpenAI(req({ tools: [{ name: 'f', input_schema: {} }], tool_choice: choice }));
    expect(out.tool_choice).toEqual(expected);
  });

  it('turns disable_parallel_tool_use into parallel_tool_calls: false', () => {
    const out = anthropicToOpenAI(
      req({
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      }),
    );
    expect(out.parallel_tool_calls).toBe(false);
  });

  it('drops tool_choice when there are no tools', () => {
    expect(anthropicToOpenAI(req({ tool_choice: { type: 'any' } })).tool_choice).toBeUndefined();
  });
});

describe('anthropicToOpenAI with the current Messages API', () => {
  const userBlocks = (...content: unknown[]) => req({ messages: [{ role: 'user', content } as never] });

  it('folds a mid-conversation system message into the user turn and drops the billing line', () => {
    const out = anthropicToOpenAI(
      req({
        system: [
          { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.328; cch=abc;' },
          { type: 'text', text: 'You are Claude Code.' },
        ],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'system', content: [{ type: 'text', text: '# Environment' }] },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'You are Claude Code.' },
      { role: 'user', content: 'hi\n\n# Environment' },
    ]);
  });

  it('turns text documents, search results and tool references into text', () => {
    const out = anthropicToOpenAI(
      userBlocks(
        { type: 'document', title: 'Notes', source: { type: 'text', media_type: 'text/plain', data: 'alpha' } },
        { type: 'search_result', source: 'https://x.test', title: 'Hit', content: [{ type: 'text', text: 'beta' }] },
        { type: 'tool_reference', tool_name: 'WebFetch' },
      ),
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: 'Notes\nalphaHit\nSource: https://x.test\nbeta[tool WebFetch is now available]',
      },
    ]);
  });

  it('names what cannot be passed on (PDFs, URLs, Files API ids) instead of losing it silently', () => {
    const out = anthropicToOpenAI(
      userBlocks(
        { type: 'document', title: 'Spec', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
        { type: 'image', source: { type: 'file', file_id: 'file_1' } },
      ),
    );
    const content = out.messages[0]!.content as string;
    expect(content).toContain('[document "Spec" (application/pdf) not passed on');
    expect(content).toContain('[image (file file_1) not passed on');
  });

  it('renders documents and tool references inside tool results too', () => {
    const out = anthropicToOpenAI(
      userBlocks({
        type: 'tool_result',
        tool_use_id: 't1',
        content: [
          { type: 'tool_reference', tool_name: 'Grep' },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
        ],
      }),
    );
    expect(out.messages[0]).toMatchObject({ role: 'tool', tool_call_id: 't1' });
    expect((out.messages[0] as { content: string }).content).toMatch(/Grep[\s\S]*application\/pdf/);
  });

  it('reports and leaves out blocks no chat backend can take', () => {
    const dropped: string[] = [];
    const out = anthropicToOpenAI(
      req({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }, { type: 'compaction', content: 'old' } as never] },
          {
            role: 'assistant',
            content: [
              { type: 'redacted_thinking', data: 'xx' } as never,
              { type: 'server_tool_use', id: 's', name: 'web_search', input: {} } as never,
              { type: 'text', text: 'a' },
            ],
          },
        ],
      }),
      { onDroppedBlock: (type) => dropped.push(type) },
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
    expect(dropped).toEqual(['compaction', 'redacted_thinking', 'server_tool_use']);
  });

  it('sends assistant thinking back in the field the backend type reads, or not at all', () => {
    const history = req({
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: '' },
            { type: 'text', text: 'a' },
          ],
        },
      ],
    });
    expect(anthropicToOpenAI(history, { dialect: chatDialectOf('vllm') }).messages[1]).toEqual({
      role: 'assistant',
      content: 'a',
      reasoning: 'hmm',
    });
    expect(anthropicToOpenAI(history, { dialect: chatDialectOf('llamacpp') }).messages[1]).toEqual({
      role: 'assistant',
      content: 'a',
      reasoning_content: 'hmm',
    });
    expect(anthropicToOpenAI(history, { dialect: chatDialectOf('openai') }).messages[1]).toEqual({
      role: 'assistant',
      content: 'a',
    });
  });

  it('leaves out server tools, and deferred tools until a tool_reference loads them', () => {
    const schema = { type: 'object', properties: {} };
    const tools = [
      { name: 'Read', input_schema: schema },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
      { name: 'Later', input_schema: schema, defer_loading: true },
      { name: 'Loaded', input_schema: schema, defer_loading: true },
    ];
    const out = anthropicToOpenAI(
      req({
        tools: tools as never,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't', content: [{ type: 'tool_reference', tool_name: 'Loaded' }] },
            ],
          },
        ],
      }),
    );
    expect(out.tools?.map((t) => t.function.name)).toEqual(['Read', 'Loaded']);
    expect(anthropicToOpenAI(req({ tools: [tools[1]] as never })).tools).toBeUndefined();
    const forced = anthropicToOpenAI(req({ tools: tools as never, tool_choice: { type: 'tool', name: 'web_search' } }));
    expect(forced.tool_choice).toBeUndefined();
    const read = anthropicToOpenAI(req({ tools: tools as never, tool_choice: { type: 'tool', name: 'Read' } }));
    expect(read.tool_choice).toEqual({ type: 'function', function: { name: 'Read' } });
  });

  it('maps effort to reasoning_effort for the backend type, and max_tokens 0 to the least a backend takes', () => {
    const out = anthropicToOpenAI(req({ max_tokens: 0, output_config: { effort: 'max' } }), {
      dialect: chatDialectOf('ollama'),
    });
    expect(out).toMatchObject({ max_tokens: 1, reasoning_effort: 'high' });
  });
});

// ---- property: any valid request translates ----

const text = fc.string({ maxLength: 20 });
const textBlock = fc.record({ type: fc.constant('text' as const), text });
const imageBlock = fc.record({
  type: fc.constant('image' as const),
  source: fc.oneof(
    fc.record({ type: fc.constant('base64' as const), media_type: fc.constant('image/png'), data: fc.base64String() }),
    fc.record({ type: fc.constant('url' as const), url: fc.webUrl() }),
  ),
});
const toolUseBlock = fc.record({
  type: fc.constant('tool_use' as const),
  id: fc.string({ minLength: 1, maxLength: 8 }),
  name: fc.string({ minLength: 1, maxLength: 8 }),
  input: fc.dictionary(fc.string({ maxLength: 5 }), jsonSafe),
});
const toolResultBlock = fc.record(
  {
    type: fc.constant('tool_result' as const),
    tool_use_id: fc.string({ minLength: 1, maxLength: 8 }),
    content: fc.oneof(
      text,
      fc.array(fc.oneof(textBlock, imageBlock), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), jsonSafe),
    ),
    is_error: fc.boolean(),
  },
  { requiredKeys: ['type', 'tool_use_id'] },
);
const thinkingBlock = fc.record({ type: fc.constant('thinking' as const), thinking: text });
const documentBlock = fc.record({
  type: fc.constant('document' as const),
  source: fc.oneof(
    fc.record({ type: fc.constant('text' as const), media_type: fc.constant('text/plain'), data: text }),
    fc.record({
      type: fc.constant('base64' as const),
      media_type: fc.constant('application/pdf'),
      data: fc.base64String(),
    }),
    fc.record({ type: fc.constant('file' as const), file_id: fc.string({ minLength: 1, maxLength: 8 }) }),
  ),
});
const searchResultBlock = fc.record({
  type: fc.constant('search_result' as const),
  source: fc.webUrl(),
  title: text,
  content: fc.array(textBlock, { maxLength: 2 }),
});
const toolReferenceBlock = fc.record({ type: fc.constant('tool_reference' as const), tool_name: text });
const userContent = fc.oneof(
  text,
  fc.array(fc.oneof(textBlock, imageBlock, toolResultBlock, documentBlock, searchResultBlock, toolReferenceBlock), {
    maxLength: 4,
  }),
);
const assistantContent = fc.oneof(text, fc.array(fc.oneof(textBlock, toolUseBlock, thinkingBlock), { maxLength: 4 }));
const message = fc.oneof(
  fc.record({ role: fc.constant('user' as const), content: userContent }),
  fc.record({ role: fc.constant('assistant' as const), content: assistantContent }),
  fc.record({ role: fc.constant('system' as const), content: fc.oneof(text, fc.array(textBlock, { maxLength: 2 })) }),
);
const tool = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 10 }),
    description: text,
    input_schema: fc.constant({ type: 'object', properties: {} }),
  },
  { requiredKeys: ['name'] },
);
const anthropicRequest = fc.record(
  {
    model: fc.string({ minLength: 1, maxLength: 10 }),
    max_tokens: fc.integer({ min: 0, max: 100_000 }),
    messages: fc.array(message, { minLength: 1, maxLength: 6 }),
    system: fc.oneof(text, fc.array(textBlock, { maxLength: 3 })),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.nat(),
    stop_sequences: fc.array(text, { maxLength: 3 }),
    stream: fc.boolean(),
    tools: fc.array(tool, { maxLength: 3 }),
    tool_choice: fc.oneof(
      fc.constantFrom({ type: 'auto' }, { type: 'any' }, { type: 'none' }, 'auto', 'any'),
      fc.record({ type: fc.constant('tool'), name: fc.string({ minLength: 1 }) }),
    ),
    metadata: fc.record({ user_id: text }),
    thinking: fc.constantFrom(
      { type: 'enabled', budget_tokens: 1024 },
      { type: 'adaptive' },
      { type: 'adaptive', display: 'omitted' },
      { type: 'disabled' },
    ),
    output_config: fc.record({ effort: fc.constantFrom('low', 'medium', 'high', 'max') }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

/** Names no Messages API field or block type uses (the API's own are snake_case words). */
const unknownName = fc.stringMatching(/^[a-z]{1,6}$/).map((s) => `future_${s}`);
const unknownBlock = fc.record({
  type: unknownName,
  payload: jsonSafe,
  cache_control: fc.constant({ type: 'ephemeral' }),
});

/** The request with unknown top-level fields and unknown blocks (at any position) added. */
const withUnknowns = fc
  .tuple(
    anthropicRequest,
    fc.dictionary(unknownName, jsonSafe, { maxKeys: 3 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(), unknownBlock), { maxLength: 4 }),
  )
  .map(([raw, fields, blocks]) => {
    const extended = structuredClone(raw) as Record<string, unknown> & { messages: Array<{ content: unknown }> };
    Object.assign(extended, fields);
    for (const [at, position, block] of blocks) {
      const target = extended.messages[at % extended.messages.length]!;
      if (Array.isArray(target.content)) target.content.splice(position % (target.content.length + 1), 0, block);
    }
    return { raw, extended };
  });

describe('anthropicToOpenAI properties', () => {
  it('translates any valid request without throwing, keeping model and limits, to valid JSON', () => {
    fc.assert(
      fc.property(anthropicRequest, fc.boolean(), (raw, topK) => {
        const request = validateAnthropicRequest(structuredClone(raw));
        const out = anthropicToOpenAI(request, { dialect: { topK } });
        expect(out.model).toBe(raw.model);
        expect(out.max_tokens).toBe(Math.max(1, raw.max_tokens));
        expect(out.messages.slice(1).every((m) => m.role !== 'system')).toBe(true);
        expect(out.stream).toBe(raw.stream === true);
        expect(() => JSON.parse(JSON.stringify(out))).not.toThrow();
        for (const m of out.messages) {
          if (m.role === 'assistant') expect(m.content !== null || (m.tool_calls?.length ?? 0) > 0).toBe(true);
          if (m.role === 'assistant' && m.tool_calls) {
            for (const call of m.tool_calls) expect(() => JSON.parse(call.function.arguments)).not.toThrow();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('still translates with unknown fields and blocks added, exactly as without them', () => {
    fc.assert(
      fc.property(withUnknowns, fc.constantFrom('vllm', 'ollama', 'llamacpp', 'openai'), ({ raw, extended }, type) => {
        const dialect = chatDialectOf(type);
        const dropped: string[] = [];
        const out = anthropicToOpenAI(validateAnthropicRequest(structuredClone(extended)), {
          dialect,
          onDroppedBlock: (t) => dropped.push(t),
        });
        expect(out).toEqual(anthropicToOpenAI(validateAnthropicRequest(structuredClone(raw)), { dialect }));
        for (const t of dropped) expect(t.startsWith('future_')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('preserves the order of tool results relative to the turns around them', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (ids) => {
        const out = anthropicToOpenAI(
          req({
            messages: [
              {
                role: 'assistant',
                content: ids.map((id, i) => ({ type: 'tool_use' as const, id: `${id}${i}`, name: 'f', input: {} })),
              },
              {
                role: 'user',
                content: ids.map((id, i) => ({ type: 'tool_result' as const, tool_use_id: `${id}${i}`, content: 'r' })),
              },
            ],
          }),
        );
        const toolIds = out.messages.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : []));
        expect(toolIds).toEqual(ids.map((id, i) => `${id}${i}`));
        expect(out.messages[0]!.role).toBe('assistant');
      }),
    );
  });
});
