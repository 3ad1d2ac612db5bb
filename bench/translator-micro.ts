/**
 * What Anthropic translation adds per request and per streamed event, measured in-process with an
 * hrtime loop (no network): validating and translating a typical Claude Code request, translating
 * a whole reply back, and the stream state machine per OpenAI chunk, alone and with the SSE
 * parsing and encoding around it.
 *
 *   npx tsx bench/translator-micro.ts [iterations=20000]
 *
 * Each line is the median of five timed rounds after a warm-up round, in microseconds or
 * nanoseconds per operation.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openAIToAnthropic } from '../src/adapter/translator/anthropic/response.js';
import { AnthropicStreamState } from '../src/adapter/translator/anthropic/stream-state.js';
import {
  createAnthropicStreamTransform,
  encodeEvent,
  eventsForData,
} from '../src/adapter/translator/anthropic/streaming.js';
import { AnthropicTranslator } from '../src/adapter/translator/anthropic/translator.js';
import type { OpenAIChatCompletion, OpenAIChunk } from '../src/adapter/translator/anthropic/types.js';

const iterations = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;

let sink: unknown;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Median nanoseconds per call of `fn` over `ROUNDS` rounds of `n` calls, after one warm-up round. */
function time(fn: () => unknown, n: number): number {
  for (let i = 0; i < n; i++) sink = fn();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink = fn();
    rounds.push(Number(process.hrtime.bigint() - start) / n);
  }
  return median(rounds);
}

function report(name: string, ns: number, unit: 'µs' | 'ns'): void {
  const value = unit === 'µs' ? (ns / 1000).toFixed(1) : ns.toFixed(0);
  console.log(`${name.padEnd(66)} ${value.padStart(8)} ${unit}/op`);
}

// ---- a typical request: Claude Code sends a long system prompt, tool schemas and a few turns ----

const tool = (name: string) => ({
  name,
  description: `${name}: ${'does a useful thing with the workspace and reports back. '.repeat(4)}`,
  input_schema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'Absolute path to the file' },
      content: { type: 'string', description: 'What to write' },
      recursive: { type: 'boolean' },
      limit: { type: 'integer', minimum: 1 },
    },
    required: ['path'],
  },
});

const request = {
  model: 'qwen2.5-coder:32b',
  max_tokens: 4096,
  stream: true,
  temperature: 0.2,
  system: [
    { type: 'text', text: `You are a coding assistant. ${'Follow the house style and explain briefly. '.repeat(40)}` },
  ],
  tools: ['Read', 'Write', 'Edit', 'Bash', 'Grep', 'Glob', 'LS', 'TodoWrite'].map(tool),
  tool_choice: { type: 'auto' },
  messages: [
    { role: 'user', content: 'Find where the config is loaded and add a timeout option.' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me look for the config loader.' },
        { type: 'tool_use', id: 'toolu_01', name: 'Grep', input: { pattern: 'loadConfig', path: '/work/src' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_01', content: 'src/config/load.ts:12: export function loadConfig(' },
      ],
    },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_02', name: 'Read', input: { path: '/work/src/config/load.ts' } }],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_02', content: `${'const line = 1;\n'.repeat(120)}` }],
    },
  ],
};
const body = Buffer.from(JSON.stringify(request));

const translator = new AnthropicTranslator({
  enabled: true,
  passthroughEnabled: true,
  maxMessageSize: 10 * 1024 * 1024,
  inspector: { enabled: false, outputDir: '', sessionHeader: 'X-Session-ID' },
});

// ---- stream chunks as an OpenAI-compatible backend sends them ----

const textChunk: OpenAIChunk = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'qwen2.5-coder:32b',
  choices: [{ index: 0, delta: { content: ' token' }, finish_reason: null }],
} as OpenAIChunk;
const textData = JSON.stringify(textChunk);
const TOOL_FRAGMENTS = 200;
const toolStart = JSON.stringify({
  choices: [
    {
      index: 0,
      delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'Write', arguments: '' } }] },
    },
  ],
});
const toolFragment = JSON.stringify({
  choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'abcd' } }] } }],
});

const completion: OpenAIChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'qwen2.5-coder:32b',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'I will add the option.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: {
              name: 'Edit',
              arguments: JSON.stringify({ path: '/work/src/config/load.ts', content: 'x'.repeat(400) }),
            },
          },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 3000, completion_tokens: 120, total_tokens: 3120 },
} as OpenAIChatCompletion;

/** Per-chunk cost through the real Transform: SSE bytes in, Anthropic SSE bytes out. */
async function transformPerChunk(chunks: number): Promise<number> {
  const frame = Buffer.from(`data: ${textData}\n\n`);
  const rounds: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const transform = createAnthropicStreamTransform({ model: 'qwen2.5-coder:32b', inputTokens: 3000 });
    const drain = new Writable({ write: (_chunk, _enc, done) => done() });
    const start = process.hrtime.bigint();
    const piped = pipeline(transform, drain);
    for (let i = 0; i < chunks; i++) {
      if (!transform.write(frame)) await new Promise((resolve) => transform.once('drain', resolve));
    }
    transform.end();
    await piped;
    // Round 0 warms up.
    if (r > 0) rounds.push(Number(process.hrtime.bigint() - start) / chunks);
  }
  return median(rounds);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${iterations} iterations per round, request body ${body.length} bytes`);
  console.log('per request');
  report(
    'parse the Messages body and check model and messages (what passthrough pays)',
    time(() => translator.parse(body), iterations),
    'µs',
  );
  report(
    'parse + validate the Messages body (translation pays this)',
    time(() => translator.validate(translator.parse(body)), iterations),
    'µs',
  );
  const parsed = translator.validate(translator.parse(body));
  report(
    'translate to OpenAI (encode body, build interceptor)',
    time(() => translator.translate(parsed), iterations),
    'µs',
  );
  report(
    'parse + translate (what a translated request pays up front)',
    time(() => translator.translateRequest(body), iterations),
    'µs',
  );
  report(
    'translate a whole OpenAI reply back (non-streaming)',
    time(() => openAIToAnthropic(completion, 'm', undefined), iterations),
    'µs',
  );

  console.log('per streamed event');
  const state = new AnthropicStreamState({ model: 'qwen2.5-coder:32b', inputTokens: 3000 });
  state.push(textChunk);
  report(
    'state machine: one text chunk (already parsed)',
    time(() => state.push(textChunk), iterations * 10),
    'ns',
  );
  report(
    'JSON.parse + state machine + encode one text event',
    time(() => {
      let out = '';
      for (const event of eventsForData(state, textData)) out += encodeEvent(event);
      return out;
    }, iterations * 10),
    'ns',
  );
  const toolRun = () => {
    const s = new AnthropicStreamState({ model: 'm' });
    let out = '';
    for (const event of eventsForData(s, toolStart)) out += encodeEvent(event);
    for (let i = 0; i < TOOL_FRAGMENTS; i++)
      for (const event of eventsForData(s, toolFragment)) out += encodeEvent(event);
    return out;
  };
  report(
    'JSON.parse + state machine + encode one tool-argument fragment',
    time(toolRun, iterations / 20) / TOOL_FRAGMENTS,
    'ns',
  );
  report(
    'whole Transform (SSE parser, state machine, encode) per text chunk',
    await transformPerChunk(iterations * 5),
    'ns',
  );
  if (sink === undefined) console.log('');
}

await main();
