import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProxyConfig } from '../../../config/types.js';
import { ConnectTimeoutError, HeadersTimeoutError, ReadTimeoutError, UpstreamClosedError } from '../core/failure.js';
import type {
  AttemptListener,
  AttemptSpec,
  AttemptTimeouts,
  UpstreamAttempt,
  UpstreamTransport,
} from '../core/transport.js';
import type { UpstreamTarget } from '../core/upstream-target.js';

/**
 * The Sherpa engine's transport: plain `node:http`/`https` requests over a keep-alive Agent per
 * endpoint origin, with the three timeouts kept by one timer per request. Written for clarity;
 * the Olla engine is the fast one. Its listeners are shared top-level functions that find their
 * attempt through a symbol on the emitter (as the exchange's are), so a request allocates no
 * closures for them.
 */
export class SherpaTransport implements UpstreamTransport {
  readonly #agents = new Map<string, Agent>();
  readonly #timeouts: AttemptTimeouts;
  readonly #keepAliveMs: number;

  constructor(config: ProxyConfig) {
    this.#keepAliveMs = config.connectionKeepAlive;
    this.#timeouts = {
      connect: Math.max(config.connectionTimeout, config.tlsHandshakeTimeout),
      headers: config.responseHeaderTimeout,
      read: config.readTimeout,
    };
  }

  open(listener: AttemptListener, spec: AttemptSpec): UpstreamAttempt {
    return new SherpaAttempt(listener, spec, this.#agentFor(spec.target), this.#timeouts);
  }

  retire(): void {
    for (const agent of this.#agents.values()) {
      // A socket freed by a finished request is ended rather than kept for reuse; the idle
      // ones go now. Sockets still carrying a response are left to finish it.
      agent.keepSocketAlive = () => false;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
    this.#agents.clear();
  }

  async close(): Promise<void> {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agentFor(target: UpstreamTarget): Agent {
    let agent = this.#agents.get(target.origin);
    if (agent === undefined) {
      const options = { keepAlive: true, keepAliveMsecs: this.#keepAliveMs || 1000 };
      agent = target.secure ? new HttpsAgent(options) : new Agent(options);
      this.#agents.set(target.origin, agent);
    }
    return agent;
  }
}

const kAttempt = Symbol('olla.sherpa.attempt');
type Tagged = { [kAttempt]?: SherpaAttempt };

/** What the one timer is waiting for, so its expiry names the right timeout. */
type Wait = 'connect' | 'headers' | 'read';

function onRequestSocket(this: ClientRequest & Tagged, socket: Socket): void {
  if (socket.connecting) this[kAttempt]?.connecting(socket);
}
function onSocketConnect(this: Socket & Tagged): void {
  const attempt = this[kAttempt];
  this[kAttempt] = undefined;
  attempt?.connected();
}
function onRequestFinish(this: ClientRequest & Tagged): void {
  this[kAttempt]?.sent();
}
function onResponse(this: ClientRequest & Tagged, response: IncomingMessage): void {
  this[kAttempt]?.responded(response);
}
function onError(this: (ClientRequest | IncomingMessage) & Tagged, error: Error): void {
  this[kAttempt]?.fail(error);
}
function onResponseData(this: IncomingMessage & Tagged, chunk: Buffer): void {
  this[kAttempt]?.data(chunk);
}
function onResponseEnd(this: IncomingMessage & Tagged): void {
  this[kAttempt]?.ended();
}
function onResponseClose(this: IncomingMessage & Tagged): void {
  if (!this.complete) this[kAttempt]?.fail(new UpstreamClosedError('upstream closed the connection mid-response'));
}
function onTimer(attempt: SherpaAttempt): void {
  attempt.timedOut();
}

class SherpaAttempt implements UpstreamAttempt {
  readonly #listener: AttemptListener;
  readonly #spec: AttemptSpec;
  readonly #agent: Agent;
  readonly #timeouts: AttemptTimeouts;
  #request: (ClientRequest & Tagged) | null = null;
  #response: (IncomingMessage & Tagged) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #waiting: Wait = 'connect';
  #ended = false;

  constructor(listener: AttemptListener, spec: AttemptSpec, agent: Agent, timeouts: AttemptTimeouts) {
    this.#listener = listener;
    this.#spec = spec;
    this.#agent = agent;
    this.#timeouts = timeouts;
  }

  start(): void {
    const { target, method, path, headers, body } = this.#spec;
    const send = target.secure ? httpsRequest : httpRequest;
    const request: ClientRequest & Tagged = send({
      hostname: target.hostname,
      port: target.port,
      method,
      path,
      headers,
      agent: this.#agent,
      setHost: false,
    });
    this.#request = request;
    request[kAttempt] = this;
    request.on('socket', onRequestSocket);
    request.on('finish', onRequestFinish);
    request.on('response', onResponse);
    request.on('error', onError);
    request.end(body);
  }

  connecting(socket: Socket & Tagged): void {
    this.#arm(this.#timeouts.connect, 'connect');
    socket[kAttempt] = this;
    socket.once('connect', onSocketConnect);
  }

  connected(): void {
    if (this.#waiting === 'connect') this.#disarm();
  }

  sent(): void {
    if (this.#response !== null || this.#ended) return;
    this.#arm(this.#timeouts.headers, 'headers');
  }

  responded(response: IncomingMessage & Tagged): void {
    this.#response = response;
    this.#armIdle();
    response[kAttempt] = this;
    response.on('data', onResponseData);
    response.on('end', onResponseEnd);
    response.on('error', onError);
    response.on('close', onResponseClose);
    this.#listener.onUpstreamHeaders(this, response.statusCode ?? 502, response.headers);
  }

  data(chunk: Buffer): void {
    this.#timer?.refresh();
    this.#listener.onUpstreamData(this, chunk);
  }

  ended(): void {
    this.#ended = true;
    this.#disarm();
    this.#listener.onUpstreamEnd(this);
  }

  pause(): void {
    // A paused stream is waiting on the client, not the backend: the idle clock stops.
    this.#disarm();
    this.#response?.pause();
  }

  resume(): void {
    this.#armIdle();
    this.#response?.resume();
  }

  abort(reason: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#disarm();
    this.#request?.destroy(reason);
  }

  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#disarm();
    this.#request?.destroy();
    this.#listener.onUpstreamError(this, error);
  }

  timedOut(): void {
    this.#timer = null;
    this.fail(timeoutError(this.#waiting));
  }

  #armIdle(): void {
    this.#arm(this.#timeouts.read, 'read');
  }

  #arm(ms: number, waiting: Wait): void {
    this.#disarm();
    this.#waiting = waiting;
    if (ms > 0) this.#timer = setTimeout(onTimer, ms, this);
  }

  #disarm(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}

function timeoutError(waiting: Wait): Error {
  if (waiting === 'connect') return new ConnectTimeoutError('upstream connect timed out');
  if (waiting === 'headers') return new HeadersTimeoutError('upstream sent no response headers in time');
  return new ReadTimeoutError('upstream went quiet mid-response');
}
