import type { IncomingHttpHeaders } from 'node:http';
import { Transform } from 'node:stream';
import { errorResponse } from '../../../core/error-body.js';
import { OllaError, UpstreamError } from '../../../core/errors.js';
import type { ResponseInterceptor } from '../../../core/ports/proxy.js';
import { openAIToAnthropic } from './response.js';
import { createAnthropicStreamTransform } from './streaming.js';
import type { AnthropicMessage, OpenAIChatCompletion } from './types.js';

/** How much of an upstream error body is read for its message (the original's cap). */
export const MAX_UPSTREAM_ERROR_BYTES = 1024 * 1024;

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } as const;

/** A backend's own error status, carried through to the client in Anthropic's error shape. */
export class UpstreamStatusError extends OllaError {
  readonly code = 'OLLA_ERR_UPSTREAM_FAILED';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The message inside an OpenAI (`{"error":{"message"}}`) or Ollama (`{"error":"…"}`) error body. */
export function upstreamErrorMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    const error = parsed?.error;
    if (typeof error === 'string' && error !== '') return error;
    const message = (error as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // Plain text or HTML from a proxy in front of the backend: the status still tells the story.
  }
  return 'Backend error';
}

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

/** Buffers a whole body (keeping at most `limit` bytes), then emits what `finish` makes of it. */
function collectingTransform(limit: number, finish: (body: Buffer) => string): Transform {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (size < limit) {
        const kept = size + chunk.length > limit ? chunk.subarray(0, limit - size) : chunk;
        chunks.push(kept);
        size += kept.length;
      }
      callback();
    },
    flush(callback) {
      try {
        callback(null, finish(Buffer.concat(chunks, size)));
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** Reads an upstream error body and answers with Anthropic's error shape and the upstream status. */
export function createUpstreamErrorTransform(status: number, requestId?: string): Transform {
  return collectingTransform(MAX_UPSTREAM_ERROR_BYTES, (body) => {
    return errorResponse(new UpstreamStatusError(status, upstreamErrorMessage(body)), 'anthropic', requestId).body;
  });
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
        const body = createUpstreamErrorTransform(status, opts.requestId);
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
