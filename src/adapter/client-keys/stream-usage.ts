/**
 * Streaming OpenAI completions report usage only when asked (`stream_options.include_usage`).
 * To count a key's tokens Olla asks on the client's behalf, then takes the extra chunk back out
 * of what that client receives, so a client that did not ask never sees it.
 */
import type { RequestBody } from '../../core/domain/request-body.js';
import { findTopLevelFields, skipSpace } from '../../core/json-field.js';

const STREAM_USAGE_PATHS = ['/chat/completions', '/completions'];
const TRUE = Buffer.from('true');
const ASK = Buffer.from('"stream_options":{"include_usage":true},');

/** Whether `path` (no query) is an OpenAI completion endpoint, where streams report usage on request. */
export function reportsStreamUsageOnRequest(path: string): boolean {
  return STREAM_USAGE_PATHS.some((suffix) => path.endsWith(suffix));
}

/**
 * For a streaming request body that did not ask for usage, the same body asking for it;
 * undefined when the request does not stream or already asked (then it is left untouched).
 */
export function askForStreamUsage(request: RequestBody): Buffer | undefined {
  // optimisation: a body with no `true` at all cannot stream, and one native search (over the
  // chunks as they came) says so; `"stream":false` took two.
  if (!request.includes(TRUE)) return undefined;
  const body = request.whole;
  // Most that pass do not stream either; a second search rules them out without the field scan.
  if (!mayStream(body)) return undefined;
  const [stream, options] = findTopLevelFields(body, ['stream', 'stream_options']);
  if (stream === undefined || !TRUE.equals(body.subarray(stream.start, stream.end))) return undefined;
  if (options === undefined) {
    const brace = body.indexOf(0x7b);
    return Buffer.concat([body.subarray(0, brace + 1), ASK, body.subarray(brace + 1)]);
  }
  // Rare: the client set other stream options. Only that small value is parsed.
  let value: unknown;
  try {
    value = JSON.parse(body.subarray(options.start, options.end).toString('utf8'));
  } catch {
    return undefined;
  }
  const given = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  if ((given as { include_usage?: unknown }).include_usage === true) return undefined;
  const asked = Buffer.from(JSON.stringify({ ...given, include_usage: true }));
  return Buffer.concat([body.subarray(0, options.start), asked, body.subarray(options.end)]);
}

const STREAM_KEY = Buffer.from('"stream"');

/** Whether `"stream": true` appears anywhere in the body (top level or not; the field scan decides). */
function mayStream(body: Buffer): boolean {
  let at = body.indexOf(STREAM_KEY);
  while (at >= 0) {
    let i = skipSpace(body, at + STREAM_KEY.length);
    if (body[i] === 0x3a) {
      i = skipSpace(body, i + 1);
      if (body[i] === 0x74 && body[i + 1] === 0x72 && body[i + 2] === 0x75 && body[i + 3] === 0x65) return true;
    }
    at = body.indexOf(STREAM_KEY, at + STREAM_KEY.length);
  }
  return false;
}

const USAGE_KEY = Buffer.from('"usage"');
const EVENT_END = Buffer.from('\n\n');
const EVENT_END_CRLF = Buffer.from('\n\r\n');

/** Index just past the blank line ending the event that starts at `from` (LF or CRLF framing), or -1. */
function eventEnd(buf: Buffer, from: number): number {
  const lf = buf.indexOf(EVENT_END, from);
  const crlf = buf.indexOf(EVENT_END_CRLF, from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + EVENT_END_CRLF.length;
  return lf < 0 ? -1 : lf + EVENT_END.length;
}

/**
 * Removes the usage-only chunk (`"choices":[]` with a `usage` object) from an OpenAI SSE stream
 * and passes every other byte on unchanged. Events are held back only while incomplete.
 */
export class UsageChunkFilter {
  #held: Buffer | undefined = undefined;

  /** Bytes of `chunk` to pass on now. */
  data(chunk: Buffer): Buffer {
    // optimisation: most chunks carry whole events and no usage object, and pass as they are.
    if (this.#held === undefined && !hasUsageObject(chunk) && endsAtEvent(chunk)) return chunk;
    const buf = this.#held === undefined ? chunk : Buffer.concat([this.#held, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const end = eventEnd(buf, at);
      if (end < 0) break;
      const event = buf.subarray(at, end);
      if (!isUsageOnlyEvent(event)) out.push(event);
      at = end;
    }
    this.#held = at < buf.length ? Buffer.from(buf.subarray(at)) : undefined;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is still held at the end of the stream (an unterminated last event). */
  end(): Buffer | undefined {
    const held = this.#held;
    this.#held = undefined;
    return held !== undefined && !isUsageOnlyEvent(held) ? held : undefined;
  }
}

function endsAtEvent(chunk: Buffer): boolean {
  const n = chunk.length;
  if (n < 2 || chunk[n - 1] !== 0x0a) return false;
  return chunk[n - 2] === 0x0a || (n >= 3 && chunk[n - 2] === 0x0d && chunk[n - 3] === 0x0a);
}

/** Whether a `"usage"` key with an object value (not `null`) appears. */
function hasUsageObject(buf: Buffer): boolean {
  let at = buf.indexOf(USAGE_KEY);
  while (at >= 0) {
    let i = at + USAGE_KEY.length;
    while (buf[i] === 0x20) i++;
    if (buf[i] === 0x3a) {
      i++;
      while (buf[i] === 0x20) i++;
      if (buf[i] === 0x7b) return true;
    }
    at = buf.indexOf(USAGE_KEY, at + 1);
  }
  return false;
}

function isUsageOnlyEvent(event: Buffer): boolean {
  if (!hasUsageObject(event)) return false;
  const text = event.toString('utf8');
  const data = text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  try {
    const parsed = JSON.parse(data) as { choices?: unknown; usage?: unknown };
    return Array.isArray(parsed.choices) && parsed.choices.length === 0 && typeof parsed.usage === 'object';
  } catch {
    return false;
  }
}
