import type { ProxyConfig } from '../../../config/types.js';
import { Agent, type Dispatcher } from '../../http/undici.js';
import { DispatchAttempt, undiciBody, undiciTimeouts } from '../core/dispatch-attempt.js';
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
    this.#agent = new Agent(undiciTimeouts(config));
  }

  open(listener: AttemptListener, spec: AttemptSpec): UpstreamAttempt {
    const options: Dispatcher.DispatchOptions = {
      origin: spec.target.origin,
      path: spec.path,
      method: spec.method as Dispatcher.HttpMethod,
      headers: spec.headers,
      body: undiciBody(spec.body),
    };
    return new DispatchAttempt(listener, this.#agent, options, sherpaFailure);
  }

  retire(): void {
    // undici's close waits for the requests in flight, then ends every socket.
    void this.#agent.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
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
