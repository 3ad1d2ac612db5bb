/**
 * How an attempt can fail, and which failures mean "this endpoint is unreachable, try another".
 * The engines' transports raise these (or undici/`net` errors with the codes below); the retry
 * loop only ever asks `isConnectionFailure` and `isTimeout`.
 */

abstract class AttemptFailure extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ConnectTimeoutError extends AttemptFailure {
  readonly code = 'OLLA_UPSTREAM_CONNECT_TIMEOUT';
}

/** The backend accepted the connection but sent no response head in time. */
export class HeadersTimeoutError extends AttemptFailure {
  readonly code = 'OLLA_UPSTREAM_HEADERS_TIMEOUT';
}

/** The backend went quiet between body chunks for longer than `proxy.read_timeout`. */
export class ReadTimeoutError extends AttemptFailure {
  readonly code = 'OLLA_UPSTREAM_READ_TIMEOUT';
}

/** The whole exchange outlived `proxy.response_timeout`. */
export class ResponseTimeoutError extends AttemptFailure {
  readonly code = 'OLLA_UPSTREAM_RESPONSE_TIMEOUT';
}

/** The client went away; the upstream request is abandoned. Not the endpoint's fault. */
export class ClientClosedError extends AttemptFailure {
  readonly code = 'OLLA_CLIENT_CLOSED';
}

/** The backend's answer ended before its body did. */
export class UpstreamClosedError extends AttemptFailure {
  readonly code = 'OLLA_UPSTREAM_CLOSED';
}

const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'OLLA_UPSTREAM_CONNECT_TIMEOUT',
  'OLLA_UPSTREAM_HEADERS_TIMEOUT',
  'OLLA_UPSTREAM_CLOSED',
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'OLLA_UPSTREAM_CONNECT_TIMEOUT',
  'OLLA_UPSTREAM_HEADERS_TIMEOUT',
  'OLLA_UPSTREAM_READ_TIMEOUT',
  'OLLA_UPSTREAM_RESPONSE_TIMEOUT',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The endpoint could not be reached or dropped the connection before answering: worth marking
 * it failed and trying another candidate. Like the original, a client cancellation is not one.
 */
export function isConnectionFailure(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined) return CONNECTION_CODES.has(code);
  // Last resort for errors that lost their code on the way (e.g. "socket hang up" rewrapped).
  const message = err instanceof Error ? err.message.toLowerCase() : '';
  return (
    message.includes('socket hang up') ||
    message.includes('connection refused') ||
    message.includes('other side closed')
  );
}

export function isTimeout(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && TIMEOUT_CODES.has(code);
}
