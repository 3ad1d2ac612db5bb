import type { IncomingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import { UpstreamError } from '../../../core/errors.js';
import type { ResponseInterceptor } from '../../../core/ports/proxy.js';
import { SSE_HEADERS } from '../chunk-stream.js';
import { collectingTransform, createUpstreamErrorTransform, JSON_HEADERS } from '../upstream.js';
import { openAIToAnthropic } from './response.js';
import { createAnthropicStreamTransform } from './streaming.js';
import type { AnthropicMessage, OpenAIChatCompletion } from './types.js';

export interface ResponseOutcome {
  /** Status sent to the client. */
  status: number;
  /** The translated reply (for the inspector); absent when the upstream failed. */
  message: AnthropicMessage | undefined;
  /** The client received an error (upstream status, untranslatable body, or a mid-stream error event). */
  failed: boolean;
}

export interface AnthropicInterceptorOptions {
  /** The model the client asked for; used where the backend names none. */
  model: string;
  stream: boolean;
  /** Estimated prompt tokens for `message_start` (see `estimateInputTokens`). */
  inputTokens?: number;
  stopSequences?: readonly string[];
  /** Echoed in error bodies (`request_id`) and the `request-id` header, as Anthropic SDKs expect. */
  requestId?: string;
  /** Keep streamed content so `onComplete` gets the whole reply; costs memory, so only for the inspector. */
  collect?: boolean;
  onComplete?: (outcome: ResponseOutcome) => void;
}

/**
 * Reads a whole OpenAI chat completion and emits the Anthropic message. A body that is not a
 * completion fails the transform with `UpstreamError` (502): the backend answered 2xx with
 * something no client could use.
 */
export function createAnthropicJsonTransform(
  model: string,
  stopSequences: readonly string[] | undefined,
  onMessage?: (message: AnthropicMessage) => void,
): Transform {
  return collectingTransform(Number.POSITIVE_INFINITY, (body) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new UpstreamError(`failed to parse OpenAI response: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new UpstreamError('failed to parse OpenAI response');
    const message = openAIToAnthropic(parsed as OpenAIChatCompletion, model, stopSequences);
    onMessage?.(message);
    return JSON.stringify(message);
  });
}

/**
 * The `ResponseInterceptor` for a translated request: upstream errors become Anthropic error
 * bodies with the upstream status (streaming or not, as the original does, since nothing has been
 * sent yet); success bodies are translated as JSON or as an SSE stream.
 */
export function createAnthropicInterceptor(opts: AnthropicInterceptorOptions): ResponseInterceptor {
  return {
    onResponse(status: number, _headers: IncomingHttpHeaders) {
      const onComplete = opts.onComplete;
      if (status >= 400) {
        const headers: Record<string, string> = { ...JSON_HEADERS };
        if (opts.requestId) headers['request-id'] = opts.requestId;
        const body = createUpstreamErrorTransform(status, 'anthropic', opts.requestId);
        if (onComplete) body.once('end', () => onComplete({ status, message: undefined, failed: true }));
        return { status, headers, body };
      }
      if (opts.stream) {
        const body = createAnthropicStreamTransform({
          model: opts.model,
          inputTokens: opts.inputTokens,
          stopSequences: opts.stopSequences,
          collect: opts.collect,
          onComplete:
            onComplete && ((outcome) => onComplete({ status, message: outcome.message, failed: outcome.failed })),
        });
        return {
          status,
          headers: { ...SSE_HEADERS },
          body,
          endWithError: (error: Error) => body.endWithError(`backend stream interrupted: ${error.message}`),
        };
      }
      const body = createAnthropicJsonTransform(
        opts.model,
        opts.stopSequences,
        onComplete && ((message) => onComplete({ status, message, failed: false })),
      );
      if (onComplete) body.once('error', () => onComplete({ status: 502, message: undefined, failed: true }));
      return { status, headers: { ...JSON_HEADERS }, body };
    },
  };
}
