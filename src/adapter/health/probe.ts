/** One health probe of one endpoint over HTTP, retried briefly on network errors. */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from '../http/undici.js';
import { Header } from '../../core/constants.js';
import type { Endpoint, EndpointStatus } from '../../core/domain/endpoint.js';
import { PROBE_MAX_RETRIES, probeRetryDelayMs } from './backoff.js';
import {
  classifyProbeError,
  DEFAULT_RATE_LIMIT_BACKOFF_MS,
  type ProbeErrorKind,
  parseRetryAfter,
  statusForError,
  statusForResponse,
} from './classify.js';

export interface ProbeResult {
  status: EndpointStatus;
  /** 0 when no HTTP answer arrived. */
  statusCode: number;
  latencyMs: number;
  errorKind: ProbeErrorKind | undefined;
  error: string | undefined;
  /** Epoch ms before which a 429ing endpoint must not be probed again; 0 when not throttled. */
  rateLimitedUntil: number;
  /** A 429 came without a usable Retry-After, so the default wait applies. */
  retryAfterDefaulted: boolean;
}

export interface ProbeOptions {
  dispatcher: Dispatcher;
  /** Aborted when the checker stops; the probe then resolves to undefined. */
  signal: AbortSignal;
  userAgent: string;
  /** Sent as Via, naming this Olla, so a probe that comes back to it is answered 508 (forwarding-loop.ts). */
  via?: string;
  slowThresholdMs: number;
  now: () => number;
}

/**
 * Probes `endpoint.healthCheckUrl`. Each attempt is bounded by the endpoint's check timeout and
 * the whole probe, retries included, by twice that. Only network errors are retried: a timeout
 * already spent the budget and an HTTP answer is an answer. Resolves to undefined when stopped.
 */
export async function probeEndpoint(endpoint: Endpoint, options: ProbeOptions): Promise<ProbeResult | undefined> {
  const started = performance.now();
  const deadline = started + endpoint.checkTimeout * 2;
  const headers = probeHeaders(endpoint, options.userAgent, options.via);
  const attemptTimeout = () => Math.max(1, Math.min(endpoint.checkTimeout, deadline - performance.now()));
  let result = await attempt(endpoint, headers, attemptTimeout(), options);
  for (let retry = 1; retry <= PROBE_MAX_RETRIES && result !== undefined && isRetryable(result); retry++) {
    const delay = probeRetryDelayMs(retry);
    if (performance.now() + delay >= deadline) break;
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      return undefined;
    }
    result = await attempt(endpoint, headers, attemptTimeout(), options);
  }
  if (result !== undefined) result.latencyMs = performance.now() - started;
  return result;
}

function isRetryable(result: ProbeResult): boolean {
  return result.errorKind === 'network';
}

async function attempt(
  endpoint: Endpoint,
  headers: Record<string, string>,
  timeoutMs: number,
  options: ProbeOptions,
): Promise<ProbeResult | undefined> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  const started = performance.now();
  try {
    const response = await request(endpoint.healthCheckUrl, {
      method: 'GET',
      headers,
      signal: controller.signal,
      dispatcher: options.dispatcher,
    });
    const latencyMs = performance.now() - started;
    // Drain the body so the keep-alive connection can serve the next probe.
    await response.body.dump();
    if (response.statusCode === 508 && response.headers[Header.forwardingLoop] !== undefined) {
      return loopedBack(response.statusCode, latencyMs);
    }
    return answered(response.statusCode, latencyMs, firstHeader(response.headers['retry-after']), options);
  } catch (error) {
    if (options.signal.aborted) return undefined;
    const kind: ProbeErrorKind = controller.signal.aborted ? 'timeout' : classifyProbeError(error);
    const message = kind === 'timeout' ? `health check timed out after ${timeoutMs} ms` : errorMessage(error);
    return failed(kind, message, performance.now() - started);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
  }
}

function answered(
  statusCode: number,
  latencyMs: number,
  retryAfter: string | undefined,
  options: ProbeOptions,
): ProbeResult {
  const status = statusForResponse(statusCode, latencyMs, options.slowThresholdMs);
  let rateLimitedUntil = 0;
  let retryAfterDefaulted = false;
  if (status === 'rate_limited') {
    const now = options.now();
    const until = parseRetryAfter(retryAfter, now);
    retryAfterDefaulted = until === undefined;
    rateLimitedUntil = until ?? now + DEFAULT_RATE_LIMIT_BACKOFF_MS;
  }
  return {
    status,
    statusCode,
    latencyMs,
    errorKind: undefined,
    error: undefined,
    rateLimitedUntil,
    retryAfterDefaulted,
  };
}

/**
 * The probe reached an Olla that had already forwarded it: the endpoint's URL leads back to Olla.
 * That is the operator's to fix, as a refused credential is, so it is a config error, and the
 * endpoint is never routed to (each request sent there would only come back).
 */
function loopedBack(statusCode: number, latencyMs: number): ProbeResult {
  return {
    status: 'config_error',
    statusCode,
    latencyMs,
    errorKind: undefined,
    error: 'forwarding loop: the health check came back to this Olla, so the endpoint URL leads back to Olla itself',
    rateLimitedUntil: 0,
    retryAfterDefaulted: false,
  };
}

/** The result of a probe that never reached the endpoint. */
export function failed(kind: ProbeErrorKind, error: string, latencyMs: number): ProbeResult {
  return {
    status: statusForError(kind),
    statusCode: 0,
    latencyMs,
    errorKind: kind,
    error,
    rateLimitedUntil: 0,
    retryAfterDefaulted: false,
  };
}

/** Configured headers first, so the auth header wins over a clash (as on proxied requests). */
function probeHeaders(endpoint: Endpoint, userAgent: string, via: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': userAgent,
    accept: 'application/json, text/plain, */*',
    'cache-control': 'no-cache',
  };
  if (via !== undefined) headers.via = via;
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  if (endpoint.authHeader !== undefined) headers[endpoint.authHeader.name.toLowerCase()] = endpoint.authHeader.value;
  return headers;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause instanceof Error && cause.message !== message ? `${message}: ${cause.message}` : message;
}
