import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { OpenAIChunk } from './openai-chat.js';

/**
 * The plumbing every streaming translator shares: OpenAI chat-completion SSE bytes in, the
 * client dialect's events out, through a state machine that turns one chunk into events.
 */

/** Headers of a translated event stream. */
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } as const;

/**
 * Large tool calls (a whole file to write) can arrive as one SSE line; the original allowed 1 MiB
 * per line, too little for that, so the ceiling here is generous but still bounded.
 */
export const MAX_SSE_EVENT_CHARS = 16 * 1024 * 1024;

/** A translator's streaming state machine, fed one parsed chunk at a time. */
export interface ChunkStreamState<E> {
  /** True once the stream has ended (completed or failed); later input is ignored. */
  readonly done: boolean;
  push(chunk: OpenAIChunk): E[];
  /** Closing events, for `[DONE]` or the end of the upstream body. Idempotent. */
  finish(): E[];
  /** Events that end the stream with an error (the upstream failed mid-way). */
  fail(message: string): E[];
}

/** Events for one OpenAI `data:` payload: `[DONE]` finishes; malformed lines are skipped, as in the original. */
export function eventsForData<E>(state: ChunkStreamState<E>, data: string): E[] {
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

export interface ChunkStreamTransform extends Transform {
  /**
   * Ends the stream with the dialect's error event, for an upstream that failed mid-way: clients
   * then raise the message instead of seeing a cut connection. Nothing more once finished.
   */
  endWithError(message: string): void;
}

/**
 * Events are written as soon as the upstream chunk that causes them arrives; a backend that ends
 * without `[DONE]` still gets the closing events when its body ends. `onEnd` runs once the
 * upstream body has ended (not when the client went away first).
 */
export function createChunkStreamTransform<E>(
  state: ChunkStreamState<E>,
  encode: (event: E) => string,
  onEnd?: () => void,
): ChunkStreamTransform {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const queue = (events: readonly E[]) => {
    for (const event of events) pending += encode(event);
  };
  const parser = createParser({
    maxBufferSize: MAX_SSE_EVENT_CHARS,
    onEvent(event) {
      queue(eventsForData(state, event.data));
    },
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') queue(state.fail('upstream event too large'));
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
        queue(state.finish());
        drain(this);
      }
      onEnd?.();
      callback();
    },
  }) as ChunkStreamTransform;
  stream.endWithError = (message) => {
    if (!state.done) {
      queue(state.fail(message));
      drain(stream);
    }
    stream.end();
  };
  return stream;
}
