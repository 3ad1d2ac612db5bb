import type { TokenUsage } from '../../core/domain/client-key.js';
import { skipSpace } from '../../core/json-field.js';

/**
 * Reads the token usage a backend reports out of its response bytes as they stream past, in
 * every dialect Olla proxies, without parsing the body:
 *
 * - OpenAI `usage.prompt_tokens` / `completion_tokens` (a whole completion, or the final chunk
 *   of a stream with `include_usage`);
 * - Anthropic `usage.input_tokens` / `output_tokens` (`message_start`, then `message_delta`),
 *   which is also the Responses API's naming;
 * - Ollama `prompt_eval_count` / `eval_count` (the last NDJSON line, or the whole reply).
 *
 * Usage counters only grow within one reply, so the largest value seen of each side wins. When
 * the stream stops before any usage arrives (the client left, the backend broke), the output is
 * the number of content deltas seen (about one token each) and the input an estimate from the
 * request size; `estimated` says so.
 */

/** Bytes a key and its number can span: a marker starting this far from the end waits for more. */
const WINDOW = 96;
const TOKENS_SUFFIX = Buffer.from('_tokens"');
const COUNT_SUFFIX = Buffer.from('eval_count"');
const DELTA = Buffer.from('"delta"');
const NOT_DONE = Buffer.from('"done":false');
const QUOTE = 0x22;
const COLON = 0x3a;
/** A rough bytes-per-token for prompts, only for a reply cut off before its usage. */
const BYTES_PER_TOKEN = 4;

type Side = 'input' | 'output';
/** The keys read, by the suffix they end in; a key is known by its length and first letter. */
const TOKEN_KEYS: readonly [word: Buffer, side: Side][] = [
  [Buffer.from('prompt'), 'input'],
  [Buffer.from('input'), 'input'],
  [Buffer.from('completion'), 'output'],
  [Buffer.from('output'), 'output'],
];
const COUNT_KEYS: readonly [word: Buffer, side: Side][] = [
  [Buffer.from('prompt_'), 'input'],
  [Buffer.from(''), 'output'],
];

/**
 * Which side the word in `buf[start, end)` counts for, comparing bytes without decoding them: in
 * a loop, as the words are a few bytes and `Buffer.compare` costs a call into C++ each.
 */
function sideOf(buf: Buffer, start: number, end: number, keys: readonly [Buffer, Side][]): Side | undefined {
  const length = end - start;
  for (const [word, side] of keys) {
    if (word.length !== length) continue;
    let i = 0;
    while (i < length && buf[start + i] === word[i]) i++;
    if (i === length) return side;
  }
  return undefined;
}

function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** Bytes gathered before they are scanned: one scan per batch, not per chunk, keeps a stream's cost down. */
const BATCH = 8 * 1024;

export class UsageMeter {
  /** The first chunk not scanned yet (it may be the unscanned tail of the last batch)… */
  #first: Buffer | undefined = undefined;
  /** …and the ones after it; most replies are one chunk, and make no list. */
  #more: Buffer[] | undefined = undefined;
  #held = 0;
  /** Decided on the first bytes: an SSE stream (OpenAI, Anthropic) or JSON / NDJSON (Ollama). */
  #sse: boolean | undefined = undefined;
  #input = -1;
  #output = -1;
  #deltas = 0;

  /**
   * Looks at one chunk of the response body. Chunks are gathered and scanned a batch at a time
   * (a whole small reply in one go, at its end); only the last few bytes of a batch are kept
   * beyond it, for a marker that spans into the next.
   */
  observe(chunk: Buffer): void {
    if (this.#first === undefined) this.#first = chunk;
    else if (this.#more === undefined) this.#more = [chunk];
    else this.#more.push(chunk);
    this.#held += chunk.length;
    if (this.#held >= BATCH) this.#scanHeld(true);
  }

  /** The body has ended: reads what is left of it. */
  end(): void {
    if (this.#held > 0) this.#scanHeld(false);
  }

  // A view, not a copy, of what is kept: chunks are fresh buffers, never rewritten once handed on.
  #scanHeld(more: boolean): void {
    const first = this.#first!;
    const buf = this.#more === undefined ? first : Buffer.concat([first, ...this.#more], this.#held);
    const limit = more ? buf.length - WINDOW : buf.length;
    this.#sse ??= isEventStream(buf);
    this.#scan(buf, limit);
    this.#first = more ? buf.subarray(limit) : undefined;
    this.#more = undefined;
    this.#held = more ? WINDOW : 0;
  }

  /** What the reply used; `requestBytes` sizes the prompt estimate when no usage was reported. */
  usage(requestBytes: number): TokenUsage {
    const input = this.#input >= 0 ? this.#input : Math.ceil(requestBytes / BYTES_PER_TOKEN);
    const output = this.#output >= 0 ? this.#output : this.#deltas;
    return { input, output, estimated: this.#input < 0 || this.#output < 0 };
  }

  /** Handles every marker whose opening quote lies before `limit`; later ones wait for the next chunk. */
  #scan(buf: Buffer, limit: number): void {
    this.#scanKeys(buf, limit, TOKENS_SUFFIX, TOKEN_KEYS);
    if (this.#sse) this.#deltas += occurrences(buf, DELTA, limit);
    else if (!this.#complete()) {
      this.#scanKeys(buf, limit, COUNT_SUFFIX, COUNT_KEYS);
      this.#deltas += occurrences(buf, NOT_DONE, limit);
    }
  }

  /**
   * A JSON or NDJSON reply reports its usage once (a whole reply's `usage`, Ollama's last line),
   * so once both sides are read the rest need not be searched. An SSE stream reports growing
   * counts (Anthropic's `message_start`, then `message_delta`) and is read to its end.
   */
  #complete(): boolean {
    return !this.#sse && this.#input >= 0 && this.#output >= 0;
  }

  #scanKeys(buf: Buffer, limit: number, suffix: Buffer, keys: readonly [Buffer, Side][]): void {
    let at = buf.indexOf(suffix);
    while (at >= 0) {
      const close = at + suffix.length - 1;
      let open = at - 1;
      while (open >= 0 && isKeyChar(buf[open]!)) open--;
      if (open >= limit) return;
      if (open >= 0 && buf[open] === QUOTE) {
        const side = sideOf(buf, open + 1, at, keys);
        if (side !== undefined) this.#take(side, readNumber(buf, close + 1));
        if (this.#complete()) return;
      }
      at = buf.indexOf(suffix, close + 1);
    }
  }

  #take(side: Side, value: number): void {
    if (value < 0) return;
    if (side === 'input') this.#input = Math.max(this.#input, value);
    else this.#output = Math.max(this.#output, value);
  }
}

/** The whole number after `"key"` at `i` (`: 42`), or -1 when it is not one (`null`). */
function readNumber(buf: Buffer, at: number): number {
  let i = skipSpace(buf, at);
  if (buf[i] !== COLON) return -1;
  i = skipSpace(buf, i + 1);
  let value = -1;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    value = (value < 0 ? 0 : value * 10) + (c - 0x30);
  }
  return value;
}

/**
 * Whether a body is Server-Sent Events (`data:`, `event:`, a `:` comment) rather than JSON or
 * NDJSON, by its first byte that is not white space. SSE carries `"delta"` events and `_tokens`
 * usage; JSON and NDJSON carry Ollama's `eval_count` and `"done":false` lines as well.
 */
function isEventStream(buf: Buffer): boolean {
  const c = buf[skipSpace(buf, 0)];
  return c !== undefined && c !== 0x7b && c !== 0x5b;
}

function occurrences(buf: Buffer, needle: Buffer, limit: number): number {
  let count = 0;
  let at = buf.indexOf(needle);
  while (at >= 0 && at < limit) {
    count++;
    at = buf.indexOf(needle, at + needle.length);
  }
  return count;
}
