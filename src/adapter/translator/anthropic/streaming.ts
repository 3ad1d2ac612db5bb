import { type ChunkStreamTransform, createChunkStreamTransform } from '../chunk-stream.js';
import { AnthropicStreamState, type StreamStateOptions } from './stream-state.js';
import type { AnthropicMessage, AnthropicStreamEvent } from './types.js';

export { eventsForData } from '../chunk-stream.js';

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

/** One Anthropic SSE frame: `event: <type>` then the JSON payload. */
export function encodeEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * OpenAI SSE bytes in, Anthropic SSE bytes out; a mid-stream upstream failure ends it with an
 * Anthropic `error` event (`endWithError`). A backend that ends without `[DONE]` or a
 * finish_reason still gets its blocks closed and `message_delta` + `message_stop` sent.
 */
export function createAnthropicStreamTransform(opts: StreamTransformOptions): ChunkStreamTransform {
  const state = new AnthropicStreamState(opts);
  return createChunkStreamTransform(state, encodeEvent, () =>
    opts.onComplete?.({ message: state.message(), failed: state.failed }),
  );
}
