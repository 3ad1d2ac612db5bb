import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { AnthropicStreamState, type StreamStateOptions } from './stream-state.js';
import type { AnthropicMessage, AnthropicStreamEvent, OpenAIChunk } from './types.js';

/**
 * Large tool calls (a whole file to write) can arrive as one SSE line; the original allowed 1 MiB
 * per line, too little for that, so the ceiling here is generous but still bounded.
 */
export const MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

export interface StreamOutcome {
  /** The reply rebuilt from the stream (content only when `collect` was set). */
  message: AnthropicMessage;
  /** The stream ended with an Anthropic `error` event. */
  failed: boolean;
}

export interface StreamTransformOptions extends StreamStateOptions {
  /** Called once when the upstream body has ended (not when the client went away first). */
  onComplete?: (outcome: StreamOutcome) => void;
}

export interface AnthropicStreamTransform extends Transform {
  /**
   * Ends the stream with an `error` event, for an upstream that failed mid-way: Anthropic
   * clients then raise the message instead of seeing a cut connection. Nothing more once finished.
   */
  endWithError(message: string): void;
}

/** One Anthropic SSE frame: `event: <type>` then the JSON payload. */
export function encodeEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function encodeEvents(events: readonly AnthropicStreamEvent[]): string {
  let out = '';
  for (const event of events) out += encodeEvent(event);
  return out;
}

/** Events for one OpenAI `data:` payload: `[DONE]` finishes; malformed lines are skipped, as in the original. */
export function eventsForData(state: AnthropicStreamState, data: string): AnthropicStreamEvent[] {
  if (data.trim() === '[DONE]') return state.finish();
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return [];
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return [];
  return state.push(chunk as OpenAIChunk);
}

/**
 * OpenAI SSE bytes in, Anthropic SSE bytes out. Events are written as soon as the upstream chunk
 * that causes them arrives; a backend that ends without `[DONE]` or a finish_reason still gets its
 * blocks closed and `message_delta` + `message_stop` sent when its body ends.
 */
export function createAnthropicStreamTransform(opts: StreamTransformOptions): AnthropicStreamTransform {
  const state = new AnthropicStreamState(opts);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const parser = createParser({
    maxBufferSize: MAX_SSE_EVENT_CHARS,
    onEvent(event) {
      pending += encodeEvents(eventsForData(state, event.data));
    },
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') pending += encodeEvents(state.fail('upstream event too large'));
    },
  });

  function drain(stream: Transform): void {
    if (pending === '') return;
    stream.push(pending);
    pending = '';
  }

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      // Once finished, the rest of the upstream body is read and dropped so the socket can be reused.
      if (!state.done) {
        parser.feed(decoder.write(chunk));
        drain(this);
      }
      callback();
    },
    flush(callback) {
      if (!state.done) {
        // The blank lines end a last line and event the upstream left unterminated; after a
        // well-terminated body they are no-ops.
        parser.feed(`${decoder.end()}\n\n`);
        pending += encodeEvents(state.finish());
        drain(this);
      }
      opts.onComplete?.({ message: state.message(), failed: state.failed });
      callback();
    },
  }) as AnthropicStreamTransform;
  stream.endWithError = (message) => {
    if (!state.done) {
      pending += encodeEvents(state.fail(message));
      drain(stream);
    }
    stream.end();
  };
  return stream;
}
