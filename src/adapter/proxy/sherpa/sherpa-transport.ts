import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyConfig } from '../../../config/types.js';
import { Agent, type Dispatcher } from '../../http/undici.js';
import { ConnectTimeoutError, HeadersTimeoutError, ReadTimeoutError, UpstreamClosedError } from '../core/failure.js';
import type { AttemptListener, AttemptSpec, UpstreamAttempt, UpstreamTransport } from '../core/transport.js';

/**
 * The Sherpa engine's transport: one shared undici Agent for every endpoint, as the original
 * shares one `http.Transport` (the Agent keeps a keep-alive pool per origin itself), with undici
 * enforcing the connect, header and idle-read timeouts. undici costs a fraction of the CPU per
 * request that `node:http`'s ClientRequest does, so the simple engine need not be the slow one.
 */
export class SherpaTransport implements UpstreamTransport {
  readonly #agent: Agent;

  constructor(config: ProxyConfig) {
    this.#agent = new Agent({
      headersTimeout: config.responseHeaderTimeout,
      bodyTimeout: config.readTimeout,
      connect: {
        timeout: Math.max(config.connectionTimeout, config.tlsHandshakeTimeout),
        keepAlive: true,
        keepAliveInitialDelay: config.connectionKeepAlive,
      },
    });
  }

  open(listener: AttemptListener, spec: AttemptSpec): UpstreamAttempt {
    return new SherpaAttempt(listener, this.#agent, {
      origin: spec.target.origin,
      path: spec.path,
      method: spec.method as Dispatcher.HttpMethod,
      headers: spec.headers,
      body: spec.body ?? null,
    });
  }

  retire(): void {
    // undici's close waits for the requests in flight, then ends every socket.
    void this.#agent.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** One request as an undici dispatch handler: fields fixed in the constructor, no closures. */
class SherpaAttempt implements UpstreamAttempt, Dispatcher.DispatchHandler {
  readonly #listener: AttemptListener;
  readonly #agent: Agent;
  readonly #options: Dispatcher.DispatchOptions;
  #controller: Dispatcher.DispatchController | null = null;
  #pendingAbort: Error | null = null;
  #responded = false;
  #ended = false;

  constructor(listener: AttemptListener, agent: Agent, options: Dispatcher.DispatchOptions) {
    this.#listener = listener;
    this.#agent = agent;
    this.#options = options;
  }

  start(): void {
    this.#agent.dispatch(this.#options, this);
  }

  pause(): void {
    // undici stops the idle-read clock while paused: the stream is waiting on the client.
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
    this.#listener.onUpstreamError(this, sherpaFailure(error, this.#responded));
  }
}

/**
 * undici's failures as the typed ones the proxy core names (see ../core/failure.ts), with
 * messages that say which wait ran out; anything else (refused, reset, aborted) passes as is.
 */
export function sherpaFailure(error: Error, responded: boolean): Error {
  switch ((error as { code?: unknown }).code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new ConnectTimeoutError('upstream connect timed out');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new HeadersTimeoutError('upstream sent no response headers in time');
    case 'UND_ERR_BODY_TIMEOUT':
      return new ReadTimeoutError('upstream went quiet mid-response');
    case 'UND_ERR_SOCKET':
      return responded ? new UpstreamClosedError('upstream closed the connection mid-response') : error;
    default:
      return error;
  }
}
