import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyConfig } from '../../../config/types.js';
import type { RequestBody } from '../../../core/domain/request-body.js';
import type { Dispatcher, Pool } from '../../http/undici.js';
import type { AttemptListener, UpstreamAttempt } from './transport.js';

/** The proxy's connect, header and idle-read timeouts and TCP keep-alive, as undici's pool options. */
export function undiciTimeouts(config: ProxyConfig): Pool.Options {
  return {
    headersTimeout: config.responseHeaderTimeout,
    bodyTimeout: config.readTimeout,
    connect: {
      timeout: Math.max(config.connectionTimeout, config.tlsHandshakeTimeout),
      keepAlive: true,
      keepAliveInitialDelay: config.connectionKeepAlive,
    },
  };
}

/**
 * A request body as undici takes it: the one buffer, or the chunks as they came. undici writes an
 * iterable body chunk by chunk, waiting for the socket to drain, and each attempt iterates the
 * array afresh, so a retry sends the same bytes. Its documentation lists iterables for `body`
 * (docs/api/Dispatcher.md); its type declarations do not, hence the cast.
 */
export function undiciBody(body: RequestBody | undefined): Dispatcher.DispatchOptions['body'] {
  if (body === undefined) return null;
  return body.joined ? body.head : (body.chunks as unknown as Dispatcher.DispatchOptions['body']);
}

/**
 * What a transport makes of an undici failure before the exchange sees it; `responded` says
 * whether the response head had arrived.
 */
export type FailureNamer = (error: Error, responded: boolean) => Error;

const asReported: FailureNamer = (error) => error;

/**
 * One request as an undici dispatch handler, on whichever dispatcher a transport keeps (an Agent,
 * a Pool): fields fixed in the constructor, no closures, each event handed straight to the exchange.
 */
export class DispatchAttempt implements UpstreamAttempt, Dispatcher.DispatchHandler {
  readonly #listener: AttemptListener;
  readonly #dispatcher: Dispatcher;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #nameFailure: FailureNamer;
  #controller: Dispatcher.DispatchController | null = null;
  #pendingAbort: Error | null = null;
  #responded = false;
  #ended = false;

  constructor(
    listener: AttemptListener,
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    nameFailure: FailureNamer = asReported,
  ) {
    this.#listener = listener;
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.#nameFailure = nameFailure;
  }

  start(): void {
    this.#dispatcher.dispatch(this.#options, this);
  }

  pause(): void {
    // undici stops its idle-read clock while paused: the stream is waiting on the client.
    this.#controller?.pause();
  }

  resume(): void {
    this.#controller?.resume();
  }

  abort(reason: Error): void {
    if (this.#ended) return;
    // A request still queued for a connection has no controller yet; abort it once it gets one.
    if (this.#controller === null) this.#pendingAbort = reason;
    else this.#controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== null) controller.abort(this.#pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.#responded = true;
    this.#listener.onUpstreamHeaders(this, statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#listener.onUpstreamData(this, chunk);
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#listener.onUpstreamEnd(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#ended = true;
    this.#listener.onUpstreamError(this, this.#nameFailure(error, this.#responded));
  }
}
