import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutInto } from './chunks.fixture.js';
import { UsageMeter } from './usage-meter.js';

function meter(chunks: readonly (string | Buffer)[], requestBytes = 0) {
  const m = new UsageMeter();
  for (const c of chunks) m.observe(Buffer.isBuffer(c) ? c : Buffer.from(c));
  m.end();
  return m.usage(requestBytes);
}

const sse = (events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');
const delta = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });

const OPENAI_STREAM = `${sse([
  delta('Hel'),
  delta('lo'),
  {
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14, prompt_tokens_details: { cached_tokens: 99 } },
  },
])}data: [DONE]\n\n`;
const ANTHROPIC_STREAM = [
  { type: 'message_start', message: { usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 500 } } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } },
]
  .map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  .join('');
const OLLAMA_STREAM = [
  { model: 'llama3', message: { content: 'a' }, done: false },
  { model: 'llama3', message: { content: 'b' }, done: false },
  { model: 'llama3', done: true, prompt_eval_count: 26, eval_count: 298, eval_duration: 123 },
]
  .map((l) => `${JSON.stringify(l)}\n`)
  .join('');
/** Long enough (about 20 KB) to be scanned in several batches. */
const LONG_STREAM = `${sse([
  ...Array.from({ length: 300 }, (_, i) => delta(`token ${i} `)),
  { choices: [], usage: { prompt_tokens: 40, completion_tokens: 300 } },
])}data: [DONE]\n\n`;

describe('UsageMeter', () => {
  it('reads OpenAI usage, ignoring nested detail counters', () => {
    expect(meter([OPENAI_STREAM])).toEqual({ input: 12, output: 2, estimated: false });
    const whole = JSON.stringify(
      { id: 'x', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 7, completion_tokens: 3 } },
      null,
      2,
    );
    expect(meter([whole])).toEqual({ input: 7, output: 3, estimated: false });
  });

  it('reads Anthropic message_start and message_delta usage, the largest of each side winning', () => {
    expect(meter([ANTHROPIC_STREAM])).toEqual({ input: 25, output: 15, estimated: false });
  });

  it("reads Ollama's prompt_eval_count and eval_count", () => {
    expect(meter([OLLAMA_STREAM])).toEqual({ input: 26, output: 298, estimated: false });
  });

  it('counts content deltas and estimates the prompt when a stream stops before its usage', () => {
    expect(meter([sse([delta('a'), delta('b'), delta('c')])], 400)).toEqual({ input: 100, output: 3, estimated: true });
    expect(meter([OLLAMA_STREAM.split('\n').slice(0, 2).join('\n')], 8)).toEqual({
      input: 2,
      output: 2,
      estimated: true,
    });
  });

  it('is not fooled by usage-looking text inside content', () => {
    const text = 'the "prompt_tokens": 999 and "eval_count":5 "delta"';
    expect(meter([sse([delta(text)])], 0)).toEqual({ input: 0, output: 1, estimated: true });
  });

  it('reads a long stream scanned in several batches, and counts its deltas when it stops early', () => {
    expect(meter([LONG_STREAM])).toEqual({ input: 40, output: 300, estimated: false });
    const cut = LONG_STREAM.slice(0, LONG_STREAM.indexOf('"choices":[]'));
    expect(meter([cut], 40)).toEqual({ input: 10, output: 300, estimated: true });
  });

  it('reads the same however the body is split into chunks', () => {
    const bodies = [OPENAI_STREAM, ANTHROPIC_STREAM, OLLAMA_STREAM, LONG_STREAM];
    fc.assert(
      fc.property(
        fc.constantFrom(...bodies),
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 40 }),
        (body, cuts) => {
          const bytes = Buffer.from(body);
          const chunks = cutInto(bytes, cuts);
          expect(meter(chunks, 10)).toEqual(meter([bytes], 10));
        },
      ),
    );
  });
});
