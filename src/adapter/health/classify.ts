/** Pure rules that turn a health probe's outcome into an endpoint status. */
import type { EndpointStatus } from '../../core/domain/endpoint.js';

/** A 2xx slower than this still routes, at a reduced weight, as `busy`. */
export const SLOW_RESPONSE_THRESHOLD_MS = 10_000;
/** How long to leave a 429ing endpoint alone when it gives no usable Retry-After. */
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 30_000;

/**
 * Why a probe got no HTTP answer. `network` and `timeout` mean the node is unreachable
 * (offline); `circuit_open` means we did not try; `http` is anything else (a malformed URL, a
 * protocol error) and counts as unhealthy.
 */
export type ProbeErrorKind = 'network' | 'timeout' | 'circuit_open' | 'http';

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Classifies an error thrown by undici (or a Node socket underneath it). */
export function classifyProbeError(error: unknown): ProbeErrorKind {
  const code = errorCode(error);
  if (code !== undefined) {
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (NETWORK_CODES.has(code)) return 'network';
  }
  // undici wraps socket errors: the system code often sits on the cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? 'http' : classifyProbeError(cause);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Status for a probe that got no HTTP answer. */
export function statusForError(kind: ProbeErrorKind): EndpointStatus {
  return kind === 'http' ? 'unhealthy' : 'offline';
}

/**
 * Status for a probe that got an HTTP answer. 401/403 mean the node is up but rejects our
 * credentials (retrying cannot help until the operator fixes the auth config); 429 means it is
 * up but throttling us. Slowness wins over a non-2xx code, as in the original.
 */
export function statusForResponse(statusCode: number, latencyMs: number, slowThresholdMs: number): EndpointStatus {
  if (statusCode === 401 || statusCode === 403) return 'config_error';
  if (statusCode === 429) return 'rate_limited';
  if (latencyMs > slowThresholdMs) return 'busy';
  return statusCode >= 200 && statusCode < 300 ? 'healthy' : 'unhealthy';
}

/**
 * What a probe outcome means for the endpoint's circuit breaker. Credential and rate-limit
 * answers come from a node that is up, so they neither trip nor reset it: tripping would hide
 * the real cause from the operator.
 */
export function breakerVerdict(status: EndpointStatus): 'success' | 'failure' | 'none' {
  switch (status) {
    case 'healthy':
    case 'busy':
      return 'success';
    case 'config_error':
    case 'rate_limited':
      return 'none';
    default:
      return 'failure';
  }
}

const DELAY_SECONDS = /^[+-]?\d+$/;

/**
 * When a 429ing endpoint may be probed again, from its Retry-After header (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date), in epoch ms; undefined when the header is missing or
 * malformed.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header === '') return undefined;
  const value = header.trim();
  if (DELAY_SECONDS.test(value)) return nowMs + Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}
