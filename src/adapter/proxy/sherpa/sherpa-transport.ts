import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
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
 * the Olla engine is the fast one.
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

class SherpaAttempt implements UpstreamAttempt {
  readonly #listener: AttemptListener;
  readonly #spec: AttemptSpec;
  readonly #agent: Agent;
  readonly #timeouts: AttemptTimeouts;
  #request: ClientRequest | null = null;
  #response: IncomingMessage | null = null;
  #timer: NodeJS.Timeout | null = null;
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
    const request = send({
      hostname: target.hostname,
      port: target.port,
      method,
      path,
      headers,
      agent: this.#agent,
      setHost: false,
    });
    this.#request = request;

    request.on('socket', (socket) => {
      // A pooled socket is already connected; a new one gets the connect timeout.
      if (!socket.connecting) return;
      this.#arm(this.#timeouts.connect, () => new ConnectTimeoutError('upstream connect timed out'));
      socket.once('connect', () => this.#disarm());
    });
    // The header clock starts once the whole request has been handed to the socket, as Go's.
    request.on('finish', () => {
      if (this.#response !== null || this.#ended) return;
      this.#arm(this.#timeouts.headers, () => new HeadersTimeoutError('upstream sent no response headers in time'));
    });
    request.on('response', (response) => this.#onResponse(response));
    request.on('error', (error) => this.#fail(error));
    request.end(body);
  }

  #onResponse(response: IncomingMessage): void {
    this.#response = response;
    this.#armIdle();
    response.on('data', (chunk: Buffer) => {
      this.#timer?.refresh();
      this.#listener.onUpstreamData(this, chunk);
    });
    response.on('end', () => {
      this.#ended = true;
      this.#disarm();
      this.#listener.onUpstreamEnd(this);
    });
    response.on('error', (error) => this.#fail(error));
    response.on('close', () => {
      if (!response.complete) this.#fail(new UpstreamClosedError('upstream closed the connection mid-response'));
    });
    this.#listener.onUpstreamHeaders(this, response.statusCode ?? 502, response.headers);
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

  #fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#disarm();
    this.#request?.destroy();
    this.#listener.onUpstreamError(this, error);
  }

  #armIdle(): void {
    this.#arm(this.#timeouts.read, () => new ReadTimeoutError('upstream went quiet mid-response'));
  }

  #arm(ms: number, failure: () => Error): void {
    this.#disarm();
    if (ms > 0) this.#timer = setTimeout(() => this.#fail(failure()), ms);
  }

  #disarm(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}
