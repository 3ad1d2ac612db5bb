import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ProxyConfig } from '../../../config/types.js';
import { Header } from '../../../core/constants.js';
import { type Endpoint, isRoutable } from '../../../core/domain/endpoint.js';
import type { RequestBody } from '../../../core/domain/request-body.js';
import { errorResponse, toOllaError } from '../../../core/error-body.js';
import { NoHealthyEndpointError, type OllaError, UpstreamError, UpstreamTimeoutError } from '../../../core/errors.js';
import type { EndpointSelector } from '../../../core/ports/balancer.js';
import type { HealthChecker } from '../../../core/ports/endpoints.js';
import type { InterceptedResponse, ProxyRequest, ProxyResult } from '../../../core/ports/proxy.js';
import type { RequestRecorder } from '../../../core/ports/stats.js';
import type { AttemptSpan } from '../../../core/ports/tracer.js';
import type { EndpointCounters, EndpointTally } from './counters.js';
import { ClientClosedError, isConnectionFailure, isTimeout, ResponseTimeoutError } from './failure.js';
import { buildUpstreamHeaders, type ClientFacts, type ProxyIdentity } from './request-headers.js';
import {
  addOllaHeaders,
  addRoutingHeaders,
  applyPresetHeaders,
  copyUpstreamHeaders,
  endOrClose,
  flatHead,
  presetOf,
} from './response-headers.js';
import type { Deadline, Expiring, ResponseDeadlines } from './response-deadlines.js';
import type { RetryBudget } from './retry-budget.js';
import { FRESH_TAIL, type StreamFraming, streamErrorFrame, streamFramingOf, trackTail } from './stream-error.js';
import { buildTargetPath } from './target-url.js';
import type { AttemptListener, AttemptSpec, UpstreamAttempt, UpstreamTransport } from './transport.js';
import type { UpstreamTargets } from './upstream-target.js';

/**
 * The per-endpoint circuit breakers the Olla engine consults (implemented by the health adapter's
 * registry). Sherpa, like the original, has none.
 */
export interface CircuitBreakers {
  /** Whether `admit` would let a request through; claims nothing (safe to ask of every candidate). */
  wouldAdmit(endpointName: string): boolean;
  /** Claims passage for the request about to be sent: -1 refused, 0 closed, >0 a half-open trial token. */
  admit(endpointName: string): number;
  recordSuccess(endpointName: string, token?: number): void;
  recordFailure(endpointName: string, token?: number): void;
}

/** The slice of a pino logger the proxy uses; only failures are logged. */
export interface ProxyLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What every exchange of one engine shares. Built once by the engine. */
export interface ExchangeContext {
  readonly config: ProxyConfig;
  readonly selector: EndpointSelector;
  readonly health: Pick<HealthChecker, 'markFailed' | 'recheck'>;
  readonly breakers: CircuitBreakers | undefined;
  readonly recorder: RequestRecorder | undefined;
  readonly logger: ProxyLogger | undefined;
  /** Every 502/503/504 Olla answers, with its reason (rate-limited by the engine). */
  readonly gatewayLog: ProxyLogger | undefined;
  readonly counters: EndpointCounters;
  readonly targets: UpstreamTargets;
  readonly identity: ProxyIdentity;
  readonly transport: UpstreamTransport;
  readonly budget: RetryBudget;
  readonly outliers: OutcomeSink | undefined;
  /** Response timeouts for exchanges begun under this context; none when `response_timeout` is 0. */
  readonly deadlines: ResponseDeadlines | undefined;
}

/** Passive outlier detection's view of real outcomes (see adapter/outlier). */
export interface OutcomeSink {
  recordSuccess(endpointName: string): void;
  recordFailure(endpointName: string, reason: string): void;
}

/** Attempts per request when `proxy.retry.max_attempts` is 0: the first and two retries. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Upper bound of the random pause before a retry, so retries of one death do not land in lockstep. */
const RETRY_JITTER_MS = 20;

/** Status recorded when the client left before any response head was sent (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

const kExchange = Symbol('olla.proxy.exchange');
type Tagged = { [kExchange]?: Exchange | undefined };

// optimisation: listeners are shared top-level functions that find their exchange through a
// symbol on the emitter, so a request allocates no closures for them.
function onClientClose(this: ServerResponse & Tagged): void {
  this[kExchange]?.clientClosed();
}
function onSinkDrain(this: Writable & Tagged): void {
  this[kExchange]?.sinkDrained();
}
function onSinkError(this: Writable & Tagged, error: Error): void {
  this[kExchange]?.sinkFailed(error);
}
function notIn(this: readonly Endpoint[], endpoint: Endpoint): boolean {
  return !this.includes(endpoint);
}
function onRetryDue(exchange: Exchange): void {
  exchange.retryDue();
}

type AttemptOutcome = 'succeeded' | 'failed' | 'abandoned';

/**
 * One client request from selection to the last byte: picks endpoints, retries connection
 * failures on other candidates while nothing has reached the client, streams the answer with
 * backpressure, and reports once. Every `acquire` is paired with exactly one `release`.
 */
export class Exchange implements AttemptListener, Expiring {
  readonly #ctx: ExchangeContext;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse & Tagged;
  readonly #request: ProxyRequest;
  readonly #tried: Endpoint[] = [];
  #resolve: ((result: ProxyResult) => void) | null = null;
  #client: ClientFacts | null = null;
  #endpoint: Endpoint | undefined = undefined;
  #attempt: UpstreamAttempt | null = null;
  #attemptSpan: AttemptSpan | undefined = undefined;
  #inAttempt = false;
  #tally: EndpointTally | null = null;
  #attemptStart = 0;
  #sink: (Writable & Tagged) | null = null;
  /** The interceptor's reshaped response, when a translator is in the way. */
  #intercepted: InterceptedResponse | undefined = undefined;
  #paused = false;
  #started = false;
  #status = 0;
  #bytesOut = 0;
  #ttfbMs = -1;
  #error: Error | undefined = undefined;
  #onlyTimeouts = true;
  #retryable = true;
  #clientGone = false;
  #finished = false;
  #deadline: Deadline | null = null;
  /** Epoch ms the current attempt was sent, so the health checker can tell stale news. */
  #attemptSentAt = 0;
  #breakerToken = 0;
  /** Where retries choose from: the live candidates at the time of the retry. */
  #pool: readonly Endpoint[] | undefined = undefined;
  /** A passthrough stream's format and last bytes, to end it with an error frame if its upstream dies. */
  #framing: StreamFraming | undefined = undefined;
  #tail = FRESH_TAIL;

  constructor(ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, request: ProxyRequest) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.#request = request;
  }

  run(): Promise<ProxyResult> {
    return new Promise<ProxyResult>((resolve) => {
      this.#resolve = resolve;
      this.#begin();
    });
  }

  #begin(): void {
    if (this.#request.candidates.length === 0) {
      this.#respondError(new NoHealthyEndpointError('no healthy endpoints available'));
      this.#finish();
      return;
    }
    if (this.#req.socket.destroyed) {
      this.#clientGone = true;
      this.#finish();
      return;
    }
    this.#res[kExchange] = this;
    this.#res.on('close', onClientClose);
    const deadlines = this.#ctx.deadlines;
    if (deadlines !== undefined) this.#deadline = deadlines.add(this);
    this.#next();
  }

  // ---- selection and attempts -------------------------------------------------------------

  #next(): void {
    let endpoint: Endpoint | undefined;
    try {
      endpoint = this.#pick();
    } catch (err) {
      this.#respondError(toOllaError(err));
      this.#finish();
      return;
    }
    if (endpoint === undefined) {
      this.#respondAllFailed();
      return;
    }

    const ctx = this.#ctx;
    let spec: AttemptSpec;
    try {
      spec = this.#specFor(endpoint);
    } catch (err) {
      // A bug in header or body preparation must still answer the client, never hang it.
      this.#respondError(toOllaError(err));
      this.#finish();
      return;
    }

    this.#tried.push(endpoint);
    this.#endpoint = endpoint;
    const trace = this.#request.trace;
    if (trace !== undefined) {
      this.#attemptSpan = trace.startAttempt(endpoint, this.#tried.length);
      withTraceparent(spec.headers, this.#attemptSpan.traceparent);
    }
    ctx.selector.acquire(endpoint);
    if (this.#tried.length === 1) ctx.budget.noteRequest(ctx.selector.connections(endpoint));
    this.#attemptSentAt = Date.now();
    this.#inAttempt = true;
    this.#tally = ctx.counters.begin(endpoint.name, spec.body === undefined ? 0 : spec.body.length);
    this.#attemptStart = performance.now();
    try {
      const attempt = ctx.transport.open(this, spec);
      this.#attempt = attempt;
      attempt.start();
    } catch (err) {
      if (this.#inAttempt) this.#attemptFailed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #specFor(endpoint: Endpoint): AttemptSpec {
    const ctx = this.#ctx;
    const request = this.#request;
    const target = ctx.targets.get(endpoint);
    const body = this.#bodyFor(endpoint);
    return {
      endpoint,
      target,
      method: request.method,
      path: buildTargetPath(target.basePath, target.preservePath, request.targetPath),
      headers: buildUpstreamHeaders(
        this.#req.headers,
        target,
        ctx.identity,
        this.#clientFacts(),
        request.model,
        body === undefined ? 0 : body.length,
      ),
      body,
    };
  }

  /**
   * An untried candidate, preferring those whose breaker would admit it (all refusing: try
   * anyway). Only the chosen one is admitted, so a half-open trial goes to the node picked.
   */
  #pick(): Endpoint | undefined {
    const tried = this.#tried;
    let pool: readonly Endpoint[] = this.#pool ?? this.#request.candidates;
    if (tried.length > 0) pool = pool.filter(notIn, tried);
    if (pool.length === 0) return undefined;
    const breakers = this.#ctx.breakers;
    if (breakers !== undefined) pool = admittedOrAll(pool, breakers);
    // Balancers skip unroutable nodes; a panic pool is nothing but, already in the order to try.
    const chosen =
      this.#ctx.selector.select(pool, this.#request.selection) ??
      (this.#request.panic !== undefined ? pool[0] : undefined);
    if (chosen === undefined || tried.includes(chosen)) return undefined;
    this.#breakerToken = breakers === undefined ? 0 : Math.max(0, breakers.admit(chosen.name));
    return chosen;
  }

  #bodyFor(endpoint: Endpoint): RequestBody | undefined {
    const request = this.#request;
    const body = request.body;
    if (body === undefined || body.length === 0 || request.nativeNames === undefined) return body;
    const native = request.nativeNames.nativeName(endpoint);
    return native && native !== request.model ? body.withTopLevelString('model', native) : body;
  }

  #clientFacts(): ClientFacts {
    this.#client ??= {
      peerAddress: this.#req.socket.remoteAddress ?? '',
      clientIp: this.#request.selection.clientIp,
      encrypted: (this.#req.socket as Partial<TLSSocket>).encrypted === true,
    };
    return this.#client;
  }

  #maxAttempts(): number {
    const retry = this.#ctx.config.retry;
    if (!retry.enabled || !retry.onConnectionFailure) return 1;
    return retry.maxAttempts > 0 ? retry.maxAttempts : DEFAULT_MAX_ATTEMPTS;
  }

  /**
   * A retry goes to a node from the live set as it is now, not the snapshot taken at routing:
   * a node that came back since is eligible, one that has gone down since is not.
   */
  #retry(): void {
    setTimeout(onRetryDue, Math.random() * RETRY_JITTER_MS, this);
  }

  retryDue(): void {
    if (this.#finished) return;
    if (this.#clientGone) {
      this.#finish();
      return;
    }
    const reroute = this.#request.reroute;
    if (reroute === undefined) {
      this.#next();
      return;
    }
    reroute().then(
      (pool) => {
        if (this.#finished) return;
        if (this.#clientGone) {
          this.#finish();
          return;
        }
        this.#pool = pool;
        this.#next();
      },
      () => {
        // No live candidate at all (the routing step says why in its error): answer with the
        // failure this request already met.
        if (!this.#finished) this.#respondAllFailed();
      },
    );
  }

  /** Ends the current attempt exactly once: releases the endpoint and counts the outcome. */
  #endAttempt(outcome: AttemptOutcome): void {
    if (!this.#inAttempt) return;
    this.#inAttempt = false;
    this.#attempt = null;
    if (this.#attemptSpan !== undefined) {
      this.#attemptSpan.end(this.#status, outcome === 'failed' ? this.#error : undefined);
      this.#attemptSpan = undefined;
    }
    this.#paused = false;
    const endpoint = this.#endpoint!;
    this.#ctx.selector.release(endpoint);
    const tally = this.#tally!;
    const counters = this.#ctx.counters;
    if (outcome === 'succeeded') counters.succeeded(tally, performance.now() - this.#attemptStart, this.#bytesOut);
    else if (outcome === 'failed') counters.failed(tally, this.#bytesOut);
    else counters.abandoned(tally, this.#bytesOut);
  }

  #attemptFailed(error: Error): void {
    const ctx = this.#ctx;
    const endpoint = this.#endpoint!;
    this.#error = error;
    this.#endAttempt('failed');

    if (this.#started) {
      // Bytes already reached the client: the response cannot be retried or replaced, so end it
      // visibly broken rather than let the client wait on a stream that will never finish. A
      // translator says so in its own protocol (an error event), and so does a passthrough SSE or
      // NDJSON stream (./stream-error.ts), which then ends cleanly; any other body is cut.
      // A translated whole body is held until complete, so its head has not gone out yet: the
      // client can still get a clean error instead of a cut connection.
      const intercepted = this.#intercepted;
      const framing = this.#framing;
      if (intercepted?.endWithError !== undefined && !this.#clientGone) intercepted.endWithError(error);
      else if (intercepted !== undefined && !this.#res.headersSent)
        this.#replaceHeldReply(intercepted, error, endpoint);
      else if (framing !== undefined && !this.#clientGone && !this.#res.destroyed)
        this.#res.end(streamErrorFrame(framing, this.#tail, `backend stream interrupted: ${error.message}`));
      else this.#destroyClient();
      this.#finish();
      return;
    }

    const connectionFailure = isConnectionFailure(error);
    if (connectionFailure) ctx.health.markFailed(endpoint, error.message, this.#attemptSentAt);
    // A node that refuses or drops connections is the health checker's business (it was just
    // marked failed and will be probed again within an interval); the breaker counts answers
    // that say the node is up but failing, and the outcome of its own half-open trial.
    if (!connectionFailure || this.#breakerToken > 0) ctx.breakers?.recordFailure(endpoint.name, this.#breakerToken);
    if (!isTimeout(error)) this.#onlyTimeouts = false;
    else ctx.outliers?.recordFailure(endpoint.name, error.message);
    ctx.logger?.warn(
      {
        endpoint: endpoint.name,
        requestId: this.#request.requestId,
        error: error.message,
        attempt: this.#tried.length,
      },
      'proxy attempt failed',
    );

    if (
      connectionFailure &&
      this.#retryable &&
      !this.#clientGone &&
      this.#tried.length < this.#maxAttempts() &&
      ctx.budget.tryRetry()
    ) {
      // The retry decides the outcome: a failover that succeeds is a success, not a failure.
      this.#error = undefined;
      this.#retry();
    } else {
      this.#respondAllFailed();
    }
  }

  // ---- upstream events ----------------------------------------------------------------------

  onUpstreamHeaders(attempt: UpstreamAttempt, status: number, headers: IncomingHttpHeaders): void {
    if (attempt !== this.#attempt) return;
    const ctx = this.#ctx;
    const endpoint = this.#endpoint!;
    if (status === 502 || status === 503 || status === 504)
      ctx.breakers?.recordFailure(endpoint.name, this.#breakerToken);
    else ctx.breakers?.recordSuccess(endpoint.name, this.#breakerToken);
    if (status >= 500) ctx.outliers?.recordFailure(endpoint.name, `HTTP ${status}`);
    else ctx.outliers?.recordSuccess(endpoint.name);
    // Panic routing reached a node the checker holds down, and it answered: probe it now.
    if (status < 500 && !isRoutable(endpoint.status)) ctx.health.recheck(endpoint);

    const res = this.#res;
    const request = this.#request;
    const sessionId = this.#req.headers[Header.sessionId];
    let sink: Writable & Tagged = res;
    try {
      const interceptor = request.interceptor;
      if (interceptor === undefined) {
        const preset = presetOf(res);
        const out = copyUpstreamHeaders(headers, ctx.targets.get(endpoint), preset?.vary ?? res.getHeader('vary'));
        res.writeHead(status, flatHead(preset, addOllaHeaders(out, request, endpoint, ctx.identity, sessionId)));
        // A response without a length is a stream (SSE, NDJSON): send the head now so the client
        // sees it before the first token, not with it.
        if (headers['content-length'] === undefined) {
          res.flushHeaders();
          this.#framing = streamFramingOf(headers['content-type'], request.dialect);
        }
        this.#status = status;
      } else {
        const shaped = interceptor.onResponse(status, headers);
        applyPresetHeaders(res);
        const out = addOllaHeaders({ ...shaped.headers }, request, endpoint, ctx.identity, sessionId);
        if (String(out['content-type']).startsWith('text/event-stream')) {
          res.writeHead(shaped.status, out);
          res.flushHeaders();
        } else {
          // A whole body goes out only once translated, so the head waits for it: a body that
          // fails to translate can then still be answered with an error (see `sinkFailed`).
          res.statusCode = shaped.status;
          for (const name in out) res.setHeader(name, out[name]!);
        }
        this.#status = shaped.status;
        sink = shaped.body;
        this.#intercepted = shaped;
        sink[kExchange] = this;
        sink.on('error', onSinkError);
        sink.pipe(res);
      }
    } catch (err) {
      attempt.abort(err instanceof Error ? err : new Error(String(err)));
      this.#retryable = false;
      this.#attemptFailed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.#started = true;
    this.#sink = sink;
    sink.on('drain', onSinkDrain);
  }

  onUpstreamData(attempt: UpstreamAttempt, chunk: Buffer): void {
    if (attempt !== this.#attempt) return;
    if (this.#ttfbMs < 0) this.#ttfbMs = performance.now() - this.#request.startTime;
    const tap = this.#request.tap;
    if (tap !== undefined) {
      chunk = tap.data(chunk);
      if (chunk.length === 0) return;
    }
    this.#bytesOut += chunk.length;
    if (this.#framing !== undefined) this.#tail = trackTail(this.#tail, chunk);
    this.#attemptSpan?.observe(chunk);
    // Backpressure: stop reading the backend until the client (or the translator) catches up.
    if (!this.#sink!.write(chunk) && !this.#paused) {
      this.#paused = true;
      attempt.pause();
    }
  }

  onUpstreamEnd(attempt: UpstreamAttempt): void {
    if (attempt !== this.#attempt) return;
    // The exchange completes when the client's response has finished ('close' after 'finish').
    const held = this.#request.tap?.end();
    if (held !== undefined && held.length > 0) {
      this.#bytesOut += held.length;
      this.#sink!.end(held);
    } else this.#sink!.end();
  }

  onUpstreamError(attempt: UpstreamAttempt, error: Error): void {
    if (attempt !== this.#attempt) return;
    this.#attemptFailed(error);
  }

  // ---- client-side events -------------------------------------------------------------------

  sinkDrained(): void {
    const attempt = this.#attempt;
    if (!this.#paused || attempt === null) return;
    this.#paused = false;
    attempt.resume();
  }

  clientClosed(): void {
    if (this.#finished) return;
    if (this.#res.writableFinished) {
      this.#endAttempt('succeeded');
      this.#finish();
      return;
    }
    this.#clientGone = true;
    const attempt = this.#attempt;
    this.#endAttempt('abandoned');
    attempt?.abort(new ClientClosedError('client closed the connection'));
    if (this.#sink !== null && this.#sink !== this.#res) this.#sink.destroy();
    this.#finish();
  }

  sinkFailed(error: Error): void {
    if (this.#finished) return;
    const attempt = this.#attempt;
    this.#error = error;
    this.#endAttempt('failed');
    attempt?.abort(error);
    if (this.#res.headersSent) this.#destroyClient();
    else this.#respondError(toOllaError(error));
    this.#finish();
  }

  /** The response timeout ran out (response-deadlines.ts). */
  expired(): void {
    this.#deadline = null;
    const attempt = this.#attempt;
    if (this.#finished || attempt === null) return;
    const error = new ResponseTimeoutError(`no complete response within ${this.#ctx.config.responseTimeout}ms`);
    this.#retryable = false;
    this.#attemptFailed(error);
    attempt.abort(error);
  }

  // ---- answering and reporting --------------------------------------------------------------

  #destroyClient(): void {
    const sink = this.#sink;
    if (sink !== null && sink !== this.#res) sink.destroy();
    this.#res.destroy();
  }

  #replaceHeldReply(intercepted: InterceptedResponse, error: Error, endpoint: Endpoint): void {
    intercepted.body.unpipe(this.#res);
    // Destroyed with the error so the translator records the reply as failed.
    intercepted.body.destroy(error);
    const message = `proxy error: ${endpoint.name} reply interrupted: ${error.message}`;
    this.#respondError(new UpstreamError(message, { endpoints: [endpoint.name] }, { cause: error }));
  }

  #respondAllFailed(): void {
    const tried = this.#tried.map(endpointName);
    const cause = this.#error;
    let error: OllaError;
    const panic = this.#request.panic;
    if (tried.length === 0) {
      error = new NoHealthyEndpointError('no healthy endpoints available');
    } else if (panic !== undefined && !this.#onlyTimeouts) {
      // Panic routing tried nodes known to be down and none answered: the answer is the 503
      // routing would have given, only now after trying.
      if (panic.decision !== undefined) this.#request.routing = panic.decision;
      error = panic.error;
    } else {
      const message = `proxy error: ${tried.join(', ')} failed${cause ? `: ${cause.message}` : ''}`;
      error = this.#onlyTimeouts
        ? new UpstreamTimeoutError(message, { endpoints: tried }, { cause })
        : new UpstreamError(message, { endpoints: tried }, { cause });
    }
    this.#respondError(error);
    this.#finish();
  }

  #respondError(error: OllaError): void {
    this.#error = error;
    const res = this.#res;
    if (this.#clientGone || res.headersSent || res.destroyed) return;
    const requestId = this.#request.requestId;
    const answer = errorResponse(error, this.#request.dialect ?? 'olla', requestId);
    if (answer.status === 502 || answer.status === 503 || answer.status === 504) {
      this.#ctx.gatewayLog?.warn(
        { requestId, status: answer.status, reason: error.message, attempts: this.#tried.length },
        'proxy answered with a gateway error',
      );
    }
    const headers: OutgoingHttpHeaders = answer.headers;
    headers[Header.requestId] = requestId;
    addRoutingHeaders(headers, this.#request);
    // The status Olla answered with, whether or not the head goes out.
    this.#status = answer.status;
    const refused = endOrClose(res, answer.status, flatHead(presetOf(res), headers), answer.body);
    if (refused !== undefined) {
      this.#ctx.gatewayLog?.warn({ requestId, err: refused.message }, 'error answer could not be written');
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadline !== null) {
      this.#ctx.deadlines!.remove(this.#deadline);
      this.#deadline = null;
    }
    this.#res[kExchange] = undefined;
    if (this.#sink !== null) this.#sink[kExchange] = undefined;

    const request = this.#request;
    const endpoint = this.#endpoint;
    const clientGone = this.#clientGone && this.#error === undefined;
    const status = this.#status === 0 && clientGone ? CLIENT_CLOSED_STATUS : this.#status;
    const error = clientGone ? new ClientClosedError('client closed the connection') : this.#error;
    const retries = this.#tried.length > 1 ? this.#tried.length - 1 : 0;
    const recorder = this.#ctx.recorder;
    if (recorder !== undefined) {
      // A refused or failed reply generated nothing worth counting.
      const tokens = status < 400 ? request.tap?.tokens() : undefined;
      try {
        recorder.record({
          requestId: request.requestId,
          endpoint: endpoint?.name,
          model: request.model,
          method: request.method,
          path: request.targetPath,
          status,
          durationMs: performance.now() - request.startTime,
          ttfbMs: this.#ttfbMs < 0 ? undefined : this.#ttfbMs,
          bytesOut: this.#bytesOut,
          bytesIn: request.body === undefined ? 0 : request.body.length,
          retries,
          // A 5xx answer relayed as it came is still a failed request: success rates tell the truth.
          failed: (error !== undefined && !clientGone) || status >= 500,
          sticky: request.selection.sticky?.result,
          clientIp: request.selection.clientIp,
          failedOver: retries > 0 ? this.#tried.slice(0, -1).map(endpointName) : undefined,
          inputTokens: tokens?.input,
          outputTokens: tokens?.output,
        });
      } catch (err) {
        this.#ctx.logger?.warn({ error: String(err) }, 'request recorder failed');
      }
    }
    this.#resolve?.({ endpoint, status, bytes: this.#bytesOut, retries, error });
  }
}

/** Replaces any client `traceparent`/`tracestate` in a flat header list with the attempt's own. */
function withTraceparent(headers: string[], traceparent: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
  }
  if (traceparent !== '') headers.push('traceparent', traceparent);
}

function endpointName(endpoint: Endpoint): string {
  return endpoint.name;
}

/** The candidates whose breaker would admit a request; all of them when none would. */
export function admittedOrAll(
  pool: readonly Endpoint[],
  breakers: Pick<CircuitBreakers, 'wouldAdmit'>,
): readonly Endpoint[] {
  let refused = false;
  for (const endpoint of pool) {
    if (!breakers.wouldAdmit(endpoint.name)) {
      refused = true;
      break;
    }
  }
  if (!refused) return pool;
  const admitted = pool.filter((endpoint) => breakers.wouldAdmit(endpoint.name));
  return admitted.length > 0 ? admitted : pool;
}
