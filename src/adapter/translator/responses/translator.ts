import type { ResponsesTranslatorConfig } from '../../../config/types.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import { BadRequestError } from '../../../core/errors.js';
import type { ResponseInterceptor } from '../../../core/ports/proxy.js';
import type { ResponseStore } from '../../../core/ports/response-store.js';
import { resolveTargetPath } from '../anthropic/passthrough.js';
import { messageTooLargeError } from '../anthropic/translator.js';
import type { FallbackReason } from '../mode.js';
import { createResponsesInterceptor, type ResponsesOutcome } from './interceptor.js';
import { CHAT_COMPLETIONS_PATH, responsesToChat } from './request.js';
import type { ResponsesInputItem, ResponsesRequest } from './types.js';
import { parseResponsesRequest } from './validate.js';

export type ResponsesPassthrough =
  | { mode: 'passthrough'; endpoints: Endpoint[]; targetPath: string }
  | { mode: 'translation'; fallbackReason: Exclude<FallbackReason, ''> };

export interface TranslatedResponsesRequest {
  chat: Buffer;
  targetPath: string;
  interceptor: ResponseInterceptor;
  /** Tool and item types left out for want of a chat equivalent. */
  dropped: string[];
}

/**
 * The OpenAI Responses API front: validates, chooses passthrough (backends that serve
 * `/v1/responses` themselves) or translation to chat completions, and keeps stored conversations
 * so `previous_response_id` works on backends that keep none.
 */
export class ResponsesTranslator {
  readonly name = 'responses';
  readonly maxBodySize: number;
  readonly #config: ResponsesTranslatorConfig;
  readonly #store: ResponseStore;

  constructor(config: ResponsesTranslatorConfig, store: ResponseStore) {
    this.#config = config;
    this.#store = store;
    this.maxBodySize = config.maxMessageSize;
  }

  parse(body: Buffer): ResponsesRequest {
    if (body.length > this.maxBodySize) {
      throw messageTooLargeError(this.maxBodySize);
    }
    return parseResponsesRequest(body);
  }

  /**
   * Passthrough needs a capable candidate and a stateless request: the backends that serve the
   * API natively keep no conversations, so a `previous_response_id` is resolved here instead.
   */
  decidePassthrough(
    request: ResponsesRequest,
    candidates: readonly Endpoint[],
    supportFor: (endpointType: string) => { enabled: boolean; path: string } | undefined,
  ): ResponsesPassthrough {
    if (candidates.length === 0) return { mode: 'translation', fallbackReason: 'no_compatible_endpoints' };
    if (!this.#config.passthroughEnabled || request.previous_response_id) {
      return { mode: 'translation', fallbackReason: 'cannot_passthrough' };
    }
    const capable: { endpoint: Endpoint; path: string }[] = [];
    for (const endpoint of candidates) {
      const support = supportFor(endpoint.type);
      if (support?.enabled) capable.push({ endpoint, path: support.path });
    }
    if (capable.length === 0) return { mode: 'translation', fallbackReason: 'cannot_passthrough' };
    return { mode: 'passthrough', ...resolveTargetPath(capable) };
  }

  /** The stored conversation a request continues. Throws a 400 for an unknown or expired id. */
  history(request: ResponsesRequest): ResponsesInputItem[] {
    const id = request.previous_response_id;
    if (!id) return [];
    const items = this.#store.get(id);
    if (!items) {
      throw new BadRequestError(`previous_response_id: response '${id}' not found`, { param: 'previous_response_id' });
    }
    return items as ResponsesInputItem[];
  }

  translate(request: ResponsesRequest, onComplete?: (outcome: ResponsesOutcome) => void): TranslatedResponsesRequest {
    const history = this.history(request);
    const { chat, dropped } = responsesToChat(request, history);
    const store = request.store !== false;
    const interceptor = createResponsesInterceptor(request, (outcome) => {
      if (store && outcome.response && !outcome.failed) {
        const input =
          typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : (request.input ?? []);
        this.#store.put(outcome.response.id, [...history, ...input, ...outcome.response.output]);
      }
      onComplete?.(outcome);
    });
    return { chat: Buffer.from(JSON.stringify(chat)), targetPath: CHAT_COMPLETIONS_PATH, interceptor, dropped };
  }
}
