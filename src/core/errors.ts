/**
 * Every error Olla answers with. Each class has a stable `code` and the HTTP status it maps to;
 * `error-body.ts` turns any of them into the response body of the route's dialect (Olla JSON,
 * OpenAI or Anthropic). `ERROR_CODES` is their documentation: errors.test.ts checks that every
 * class is in it with its status, and that the README's table lists every code.
 */

export abstract class OllaError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Extra fields for the JSON body (never credentials). */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class BadRequestError extends OllaError {
  readonly code = 'OLLA_ERR_BAD_REQUEST';
  readonly status = 400;
}

export class UnauthorisedError extends OllaError {
  readonly code = 'OLLA_ERR_UNAUTHORISED';
  readonly status = 401;
}

export class ForbiddenError extends OllaError {
  readonly code = 'OLLA_ERR_FORBIDDEN';
  readonly status = 403;
}

export class RouteNotFoundError extends OllaError {
  readonly code = 'OLLA_ERR_ROUTE_NOT_FOUND';
  readonly status = 404;
}

export class ModelNotFoundError extends OllaError {
  readonly code = 'OLLA_ERR_MODEL_NOT_FOUND';
  readonly status = 404;
}

export class PayloadTooLargeError extends OllaError {
  readonly code = 'OLLA_ERR_PAYLOAD_TOO_LARGE';
  readonly status = 413;
}

export class HeadersTooLargeError extends OllaError {
  readonly code = 'OLLA_ERR_HEADERS_TOO_LARGE';
  readonly status = 431;
}

/** A refusal the client may retry after `retryAfterSeconds`, sent as `Retry-After`. */
export abstract class RetryLaterError extends OllaError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export class RateLimitedError extends RetryLaterError {
  readonly code = 'OLLA_ERR_RATE_LIMITED';
  readonly status = 429;
}

/**
 * Every candidate node is at its concurrency limit and the admission queue is full, disabled or
 * waited too long. 503: the fleet, not the client, is the limit (a client key's own limit will
 * answer 429 via RateLimitedError).
 */
export class CapacityExceededError extends RetryLaterError {
  readonly code = 'OLLA_ERR_CAPACITY';
  readonly status = 503;
}

/** The limit that bit, for `X-RateLimit-Limit`, `-Remaining` and `-Reset` (Unix seconds). */
export interface RateWindow {
  limit: number;
  remaining: number;
  reset: number;
}

/** A client key's own limit (requests or tokens per window, or concurrency) is used up. */
export class KeyLimitError extends RateLimitedError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    readonly window: RateWindow,
    details?: Record<string, unknown>,
  ) {
    super(message, retryAfterSeconds, details);
  }
}

/** Every candidate endpoint failed (connection refused, reset, upstream error). */
export class UpstreamError extends OllaError {
  readonly code = 'OLLA_ERR_UPSTREAM_FAILED';
  readonly status = 502;
}

/** No endpoint is routable for the request. */
export class NoHealthyEndpointError extends OllaError {
  readonly code = 'OLLA_ERR_NO_HEALTHY_ENDPOINT';
  readonly status = 503;
}

/** Olla is stopping: it takes no new request, so a load balancer in front sends it elsewhere. */
export class ShuttingDownError extends OllaError {
  readonly code = 'OLLA_ERR_SHUTTING_DOWN';
  readonly status = 503;
}

/** The request came back to the Olla instance that had already forwarded it. */
export class ForwardingLoopError extends OllaError {
  readonly code = 'OLLA_ERR_FORWARDING_LOOP';
  readonly status = 508;
}

export class UpstreamTimeoutError extends OllaError {
  readonly code = 'OLLA_ERR_UPSTREAM_TIMEOUT';
  readonly status = 504;
}

export class InternalError extends OllaError {
  readonly code = 'OLLA_ERR_INTERNAL';
  readonly status = 500;
}

/** A configuration mistake: reported at start-up as one line per issue, never a stack trace. */
export class ConfigError extends Error {
  readonly code = 'OLLA_ERR_CONFIG';
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
  }
}

/** code -> [status, one-line doc]. */
export const ERROR_CODES: Readonly<Record<string, readonly [number, string]>> = {
  OLLA_ERR_BAD_REQUEST: [400, 'The request is malformed; the message names the field.'],
  OLLA_ERR_UNAUTHORISED: [
    401,
    'The admin token (server.auth.token) or the client API key (server.auth.keys) is missing or wrong.',
  ],
  OLLA_ERR_FORBIDDEN: [
    403,
    'The client address or Host is not allowed by the access policy, or the API key may not use the model.',
  ],
  OLLA_ERR_ROUTE_NOT_FOUND: [404, 'No route matches the method and path.'],
  OLLA_ERR_MODEL_NOT_FOUND: [404, 'No endpoint serves the requested model; see /olla/models.'],
  OLLA_ERR_PAYLOAD_TOO_LARGE: [413, 'The request body exceeds server.request_limits.max_body_size.'],
  OLLA_ERR_HEADERS_TOO_LARGE: [431, 'The request headers exceed server.request_limits.max_header_size.'],
  OLLA_ERR_RATE_LIMITED: [429, 'Too many requests; retry after the Retry-After seconds.'],
  OLLA_ERR_CAPACITY: [503, 'Every node for the model is at max_concurrent_requests; retry after Retry-After.'],
  OLLA_ERR_UPSTREAM_FAILED: [
    502,
    "Every candidate endpoint failed to answer; a translated route passes on a backend's own error status with this code.",
  ],
  OLLA_ERR_NO_HEALTHY_ENDPOINT: [503, 'No endpoint is routable right now.'],
  OLLA_ERR_SHUTTING_DOWN: [503, 'Olla is shutting down and takes no new request; send it to another instance.'],
  OLLA_ERR_FORWARDING_LOOP: [
    508,
    'The request came back to the Olla that had already forwarded it: an endpoint URL leads back to Olla.',
  ],
  OLLA_ERR_UPSTREAM_TIMEOUT: [504, 'The endpoint did not answer in time.'],
  OLLA_ERR_INTERNAL: [500, 'An unexpected error inside Olla.'],
};
