import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import type { TokenUsage } from '../domain/client-key.js';
import type { Endpoint } from '../domain/endpoint.js';
import type { RequestBody } from '../domain/request-body.js';
import type { RoutingDecision } from '../domain/routing.js';
import type { ErrorDialect } from '../error-body.js';
import type { OllaError } from '../errors.js';
import type { SelectionContext } from './balancer.js';
import type { RequestSpan } from './tracer.js';

/** What a request would have been answered without panic routing (a 503 and its decision). */
export interface PanicFallback {
  decision: RoutingDecision | undefined;
  error: OllaError;
}

/** Everything the handler worked out before the proxy engine takes over. */
/** The name an endpoint knows a model by; a method, so a route passes itself without a bound closure. */
export interface NativeModelNames {
  nativeName(endpoint: Endpoint): string | undefined;
}

export interface ProxyRequest {
  requestId: string;
  /** `performance.now()` when Olla received the request. */
  startTime: number;
  method: string;
  /** Path (and query string) to join to the endpoint URL: the route prefix already stripped. */
  targetPath: string;
  /** The original request body bytes (forwarded untouched), or undefined for none. */
  body: RequestBody | undefined;
  /** Set for a panic route: the decision and error to answer with when every panic attempt fails. */
  panic?: PanicFallback;
  /** Routable endpoints that may serve this request; the balancer picks among them. */
  candidates: readonly Endpoint[];
  /**
   * The live candidates now (routable, or the panic set when none is), for a retry: the
   * routing step run again. Absent: retries choose from `candidates`.
   */
  reroute?: () => Promise<readonly Endpoint[]>;
  model?: string;
  routing?: RoutingDecision;
  /** Names the endpoints know the model by, when they differ (aliases): the model's route itself. */
  nativeNames?: NativeModelNames;
  selection: SelectionContext;
  /** Which error body shape the client expects (default `olla`). */
  dialect?: ErrorDialect;
  /** The request's trace span, only while telemetry is on; each attempt gets a child span. */
  trace?: RequestSpan;
  /** Set by translators: rewrites the upstream response before it reaches the client. */
  interceptor?: ResponseInterceptor;
  /** Set when a client key is metered: sees (and may trim) the upstream body on its way out. */
  tap?: ResponseTap;
}

/**
 * Watches the upstream body of the attempt that answers, before the client (or an interceptor)
 * gets it: client keys read token usage from it and drop the usage chunk Olla asked for.
 */
export interface ResponseTap {
  /** One upstream body chunk; returns the bytes to pass on (the chunk itself, or fewer bytes). */
  data(chunk: Buffer): Buffer;
  /** The upstream body ended: bytes still held back, to pass on before the end. */
  end(): Buffer | undefined;
  /** Tokens the reply used so far (for the request record). */
  tokens(): TokenUsage;
}

/**
 * Lets a translator reshape the upstream response (e.g. OpenAI SSE into Anthropic events)
 * while the engine keeps ownership of selection, retry, timeouts and abort handling.
 */
export interface ResponseInterceptor {
  /**
   * Called once with the upstream status and headers. Return the status and headers to send
   * and a Transform the upstream body is piped through; the engine handles backpressure.
   */
  onResponse(status: number, headers: IncomingHttpHeaders): InterceptedResponse;
}

export interface InterceptedResponse {
  status: number;
  headers: Record<string, string>;
  body: Transform;
  /**
   * When the upstream fails after the response has started, the engine calls this instead of
   * cutting the client connection: the body ends itself in a way its clients understand (an
   * Anthropic `error` event). Without it the connection is cut.
   */
  endWithError?(error: Error): void;
}

export interface ProxyResult {
  endpoint?: Endpoint;
  status: number;
  bytes: number;
  retries: number;
  /** Set when the response failed (before or after headers). */
  error?: Error;
}

/** A proxy engine: `sherpa` (simple) or `olla` (pooled, high-performance). */
export interface ProxyEngine {
  readonly name: string;
  /**
   * Select an endpoint, forward the request, stream the response back (retrying other
   * candidates on connection failure before any byte reached the client) and resolve once the
   * exchange has ended, however it ended. Never rejects: failures are answered and reported
   * in the result.
   */
  handle(req: IncomingMessage, res: ServerResponse, request: ProxyRequest): Promise<ProxyResult>;
  close(): Promise<void>;
}
