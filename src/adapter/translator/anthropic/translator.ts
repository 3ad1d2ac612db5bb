import type { IncomingHttpHeaders } from 'node:http';
import type { AnthropicTranslatorConfig } from '../../../config/types.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import type { AnthropicSupport } from '../../../core/domain/profile.js';
import { PayloadTooLargeError } from '../../../core/errors.js';
import type { ResponseInterceptor } from '../../../core/ports/proxy.js';
import { createInspector, type Inspector } from '../../inspector/session-inspector.js';
import { createAnthropicInterceptor, type ResponseOutcome } from './interceptor.js';
import { AnthropicModelListCache } from './models.js';
import { decidePassthrough, detectRequestFeatures, type PassthroughDecision } from './passthrough.js';
import { anthropicToOpenAI, CHAT_COMPLETIONS_PATH, type RequestTranslationOptions } from './request.js';
import { countTokens, estimateInputTokens } from './token-count.js';
import type { AnthropicRequest } from './types.js';
import { type AnthropicEnvelope, checkEnvelope, decodeJsonBody, validateAnthropicRequest } from './validate.js';

/** The original's fallback when `max_message_size` is unset or nonsense. */
const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** The 413 for a body over `max_message_size`, whoever notices it first (the translator or the body reader). */
export function messageTooLargeError(maxBodySize: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body exceeds maximum size (${maxBodySize} bytes)`);
}

export interface TranslateOptions extends RequestTranslationOptions {
  /** Request headers: the inspector reads its session id from them. */
  headers?: IncomingHttpHeaders;
  /** Olla's request id, echoed in Anthropic error bodies. */
  requestId?: string;
  /** Told how the response ended (for stats); called at most once. */
  onComplete?: (outcome: ResponseOutcome) => void;
}

export interface TranslatedRequest {
  /** The OpenAI chat-completions body to send upstream. */
  openai: Buffer;
  model: string;
  stream: boolean;
  /** `/v1/chat/completions`, relative to the endpoint URL. */
  targetPath: string;
  /** Turns the upstream response back into Anthropic's shape; set it on `ProxyRequest.interceptor`. */
  interceptor: ResponseInterceptor;
}

/**
 * The Anthropic Messages API front: validates requests, chooses passthrough or translation, and
 * translates both ways. Handlers stay thin: they read the body, call these methods, and hand the
 * result to the proxy engine.
 */
export class AnthropicTranslator {
  readonly name = 'anthropic';
  /** Requests larger than this are refused with 413 (`translators.anthropic.max_message_size`). */
  readonly maxBodySize: number;
  readonly #config: AnthropicTranslatorConfig;
  readonly #inspector: Inspector;
  readonly #models = new AnthropicModelListCache();

  constructor(config: AnthropicTranslatorConfig, deps: { inspector?: Inspector } = {}) {
    this.#config = config;
    this.maxBodySize = config.maxMessageSize > 0 ? config.maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
    this.#inspector = deps.inspector ?? createInspector(config.inspector);
  }

  /**
   * Decodes a Messages request body and checks only what routing needs (an object, a string
   * `model`, a `messages` array): passthrough forwards it as it came. Throws `PayloadTooLargeError`
   * or `BadRequestError` naming the field.
   */
  parse(body: Buffer): AnthropicEnvelope {
    this.#checkSize(body);
    return checkEnvelope(decodeJsonBody(body));
  }

  /** The full check before translation, in place on the parsed body. Throws `BadRequestError` naming the field. */
  validate(envelope: AnthropicEnvelope): AnthropicRequest {
    return validateAnthropicRequest(envelope);
  }

  /**
   * Passthrough when enabled and some candidate's profile speaks Anthropic natively (and has no
   * limitation the request hits); the decision carries the endpoints and backend path to use.
   * On passthrough, set `X-Olla-Mode: passthrough` and forward the original body untouched.
   */
  decidePassthrough(
    request: AnthropicEnvelope,
    candidates: readonly Endpoint[],
    supportFor: (endpointType: string) => AnthropicSupport | undefined,
  ): PassthroughDecision {
    return decidePassthrough(this.#config, candidates, supportFor, detectRequestFeatures(request));
  }

  /** Records a passthrough request with the inspector (the body itself goes upstream as it came). */
  notePassthrough(request: AnthropicEnvelope, headers: IncomingHttpHeaders = {}): void {
    if (this.#inspector.enabled) this.#inspector.logRequest(this.#inspector.sessionId(headers), request.model, request);
  }

  /** Translates a validated request to OpenAI and prepares the interceptor for its response. */
  translate(request: AnthropicRequest, opts: TranslateOptions = {}): TranslatedRequest {
    const openai = Buffer.from(JSON.stringify(anthropicToOpenAI(request, opts)));
    const stream = request.stream === true;
    const inspector = this.#inspector;
    let onComplete = opts.onComplete;
    if (inspector.enabled) {
      const sessionId = inspector.sessionId(opts.headers ?? {});
      inspector.logRequest(sessionId, request.model, request);
      const notify = onComplete;
      onComplete = (outcome) => {
        if (outcome.message) inspector.logResponse(sessionId, outcome.message);
        notify?.(outcome);
      };
    }
    const interceptor = createAnthropicInterceptor({
      model: request.model,
      stream,
      // Only streams need it (message_start goes out before the backend reports usage).
      inputTokens: stream ? estimateInputTokens(request) : undefined,
      stopSequences: request.stop_sequences,
      requestId: opts.requestId,
      collect: inspector.enabled,
      onComplete,
    });
    return { openai, model: request.model, stream, targetPath: CHAT_COMPLETIONS_PATH, interceptor };
  }

  /** `parse` then `translate`, for callers that do not need the passthrough decision. */
  translateRequest(body: Buffer, opts: TranslateOptions = {}): TranslatedRequest {
    return this.translate(this.validate(this.parse(body)), opts);
  }

  /** The `count_tokens` answer, `{ input_tokens }`. Throws `PayloadTooLargeError` or `BadRequestError`. */
  countTokens(body: Buffer): { input_tokens: number } {
    this.#checkSize(body);
    return countTokens(body);
  }

  #checkSize(body: Buffer): void {
    if (body.length > this.maxBodySize) {
      throw messageTooLargeError(this.maxBodySize);
    }
  }

  /** The encoded Anthropic model list for these ids (cached until the ids change). */
  modelsList(ids: readonly string[]): Buffer {
    return this.#models.body(ids);
  }
}
