import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError } from '../../../core/errors.js';
import type { ResponseInterceptor } from '../../../core/ports/proxy.js';
import { createChunkStreamTransform, SSE_HEADERS } from '../chunk-stream.js';
import type { OpenAIChatCompletion } from '../openai-chat.js';
import { collectingTransform, createUpstreamErrorTransform, JSON_HEADERS } from '../upstream.js';
import { completionAsChunk, ResponsesStreamState } from './stream-state.js';
import type { ResponseObject, ResponsesRequest, ResponsesStreamEvent } from './types.js';

export interface ResponsesOutcome {
  /** The finished response (absent when the upstream failed before answering). */
  response: ResponseObject | undefined;
  failed: boolean;
}

/** One Responses SSE frame: `event: <type>` then the JSON payload. */
export function encodeResponsesEvent(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Turns the backend's chat-completions answer into a Responses answer: upstream errors in the
 * OpenAI error shape with the upstream status, a whole completion as a `response` object, a
 * stream as the Responses event sequence.
 */
export function createResponsesInterceptor(
  request: ResponsesRequest,
  onComplete?: (outcome: ResponsesOutcome) => void,
): ResponseInterceptor {
  return {
    onResponse(status: number, _headers: IncomingHttpHeaders) {
      if (status >= 400) {
        const body = createUpstreamErrorTransform(status, 'openai');
        body.once('end', () => onComplete?.({ response: undefined, failed: true }));
        return { status, headers: { ...JSON_HEADERS }, body };
      }
      const state = new ResponsesStreamState(request);
      if (request.stream === true) {
        const body = createChunkStreamTransform(state, encodeResponsesEvent, () =>
          onComplete?.({ response: state.response, failed: state.failed }),
        );
        return {
          status,
          headers: { ...SSE_HEADERS },
          body,
          endWithError: (error: Error) => body.endWithError(`backend stream interrupted: ${error.message}`),
        };
      }
      const body = collectingTransform(Number.POSITIVE_INFINITY, (raw) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch (err) {
          throw new UpstreamError(`failed to parse chat completion: ${(err as Error).message}`);
        }
        const completion = parsed as OpenAIChatCompletion;
        if (typeof parsed !== 'object' || parsed === null || !completion.choices?.[0]?.message) {
          throw new UpstreamError('no choices in chat completion');
        }
        state.push(completionAsChunk(completion));
        state.finish();
        onComplete?.({ response: state.response, failed: false });
        return JSON.stringify({ ...state.response, output_text: state.outputText() });
      });
      body.once('error', () => onComplete?.({ response: undefined, failed: true }));
      return { status, headers: { ...JSON_HEADERS }, body };
    },
  };
}
