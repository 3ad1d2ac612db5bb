/**
 * The last frame of a passthrough stream whose upstream died mid-body: an error in the stream's
 * own format, so a client's SDK raises an error instead of seeing a cut connection.
 *
 * - OpenAI-style SSE: `data: {"error":{…}}` (the `openai` SDK throws an APIError on a chunk with `error`).
 * - Anthropic SSE (Anthropic routes): `event: error` with Anthropic's error envelope (its SDK throws an APIError).
 * - NDJSON (Ollama): a `{"error":"…"}` line (the `ollama` SDK throws an Error with that message).
 *
 * When the bytes already sent stop inside a frame, the frame is closed first so the error frame
 * parses on its own. A client then sees that partial frame as one malformed frame before the
 * error: the `ollama` SDK warns and skips a bad line, so it still throws the error; the `openai`
 * and Anthropic SDKs throw a JSON SyntaxError on the malformed event and never reach the error
 * frame. Either way the stream ends with an error, never a hang.
 *
 * To know where the sent bytes stop, the exchange keeps the stream's last four bytes packed in
 * one number (`trackTail`), which costs a read of the chunk's end per chunk and no copy.
 */
import type { ErrorDialect } from '../../../core/error-body.js';

export type StreamFraming = 'sse' | 'anthropic-sse' | 'ndjson';

/** The tail of a stream that has sent nothing yet: as if a frame had just ended. */
export const FRESH_TAIL = 0x0a0a;

/** How a bodied response without a length is framed, or undefined when it is not a known stream. */
export function streamFramingOf(contentType: unknown, dialect: ErrorDialect | undefined): StreamFraming | undefined {
  if (typeof contentType !== 'string') return undefined;
  if (contentType.startsWith('text/event-stream')) return dialect === 'anthropic' ? 'anthropic-sse' : 'sse';
  if (contentType.startsWith('application/x-ndjson')) return 'ndjson';
  return undefined;
}

/** The stream's last four bytes (big-endian) after `chunk`. */
export function trackTail(tail: number, chunk: Uint8Array): number {
  const n = chunk.length;
  if (n >= 4) return ((chunk[n - 4]! << 24) | (chunk[n - 3]! << 16) | (chunk[n - 2]! << 8) | chunk[n - 1]!) >>> 0;
  let out = tail;
  for (let i = 0; i < n; i++) out = ((out << 8) | chunk[i]!) >>> 0;
  return out;
}

const LF = 0x0a;
const CR = 0x0d;

/** Whether a stream whose last bytes are `tail` stops between two frames. */
export function atFrameBoundary(framing: StreamFraming, tail: number): boolean {
  const last = tail & 0xff;
  if (framing === 'ndjson') return last === LF;
  const previous = (tail >>> 8) & 0xff;
  // SSE ends an event with a blank line: "\n\n", "\r\r", "\n\r\n" or "\r\n\r\n".
  return (last === LF && previous === LF) || (last === CR && previous === CR) || (tail & 0xffffff) === 0x0a0d0a;
}

/** What to write to end the stream: a terminator for a partial frame (if any), then the error. */
export function streamErrorFrame(framing: StreamFraming, tail: number, message: string): string {
  const close = atFrameBoundary(framing, tail) ? '' : framing === 'ndjson' ? '\n' : '\n\n';
  switch (framing) {
    case 'ndjson':
      return `${close}${JSON.stringify({ error: message })}\n`;
    case 'anthropic-sse':
      return `${close}event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
    case 'sse':
      return `${close}data: ${JSON.stringify({ error: { message, type: 'upstream_error', code: 'stream_interrupted' } })}\n\n`;
  }
}
