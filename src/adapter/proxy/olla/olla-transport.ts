import type { ProxyConfig } from '../../../config/types.js';
import { type Dispatcher, Pool } from '../../http/undici.js';
import { DispatchAttempt, undiciBody, undiciTimeouts } from '../core/dispatch-attempt.js';
import type { AttemptListener, AttemptSpec, UpstreamAttempt, UpstreamTransport } from '../core/transport.js';

/**
 * Sockets per endpoint origin: unbounded, unlike the original's cap of 50 per host. A stream
 * holds its socket for the whole generation, so a cap turns the 51st concurrent chat into a wait
 * at the proxy while a batching backend (vLLM, SGLang) could have served it; Sherpa's agent has
 * no cap either. Idle sockets still close after undici's keep-alive timeout.
 */
export const OLLA_CONNECTIONS_PER_ENDPOINT = null;

/**
 * The Olla engine's transport: one undici Pool per endpoint origin (keep-alive, no pipelining,
 * created on first use) and a dispatch handler per request (../core/dispatch-attempt.ts) that
 * hands each chunk straight to the exchange, with undici enforcing the connect, header and
 * idle-read timeouts on its coarse timers.
 */
export class OllaTransport implements UpstreamTransport {
  readonly #pools = new Map<string, Pool>();
  readonly #poolOptions: Pool.Options;

  constructor(config: ProxyConfig) {
    this.#poolOptions = {
      connections: OLLA_CONNECTIONS_PER_ENDPOINT,
      pipelining: 1,
      ...undiciTimeouts(config),
    };
  }

  open(listener: AttemptListener, spec: AttemptSpec): UpstreamAttempt {
    const origin = spec.target.origin;
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, this.#poolOptions);
      this.#pools.set(origin, pool);
    }
    return new DispatchAttempt(listener, pool, {
      path: spec.path,
      method: spec.method as Dispatcher.HttpMethod,
      headers: spec.headers,
      body: undiciBody(spec.body),
    });
  }

  retire(): void {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    // undici's close waits for the requests each pool is running, then ends its sockets.
    for (const pool of pools) void pool.close().catch(() => {});
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}
