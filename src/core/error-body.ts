import { InternalError, OllaError, RetryLaterError } from './errors.js';

/**
 * The one place an error becomes a response body. Each route family answers in the dialect its
 * clients parse: Olla's own JSON, OpenAI's `{"error":{...}}` or Anthropic's
 * `{"type":"error","error":{...}}`, so SDKs surface the message instead of a parse failure.
 */
export type ErrorDialect = 'olla' | 'openai' | 'anthropic';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'api_error',
};

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function toOllaError(err: unknown): OllaError {
  if (err instanceof OllaError) return err;
  return new InternalError(err instanceof Error ? err.message : String(err));
}

export function errorResponse(error: unknown, dialect: ErrorDialect, requestId?: string): ErrorResponse {
  const err = toOllaError(error);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (err instanceof RetryLaterError) headers['retry-after'] = String(err.retryAfterSeconds);
  let payload: unknown;
  switch (dialect) {
    case 'anthropic':
      payload = {
        type: 'error',
        error: { type: ANTHROPIC_TYPES[err.status] ?? 'api_error', message: err.message },
        ...(requestId ? { request_id: requestId } : {}),
      };
      break;
    case 'openai':
      payload = {
        error: {
          message: err.message,
          type: OPENAI_TYPES[err.status] ?? 'server_error',
          code: err.code,
          ...(err.details ?? {}),
        },
      };
      break;
    default:
      payload = {
        error: err.message,
        code: err.code,
        status: err.status,
        ...(requestId ? { request_id: requestId } : {}),
        ...(err.details ?? {}),
      };
  }
  return { status: err.status, headers, body: JSON.stringify(payload) };
}
