import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyConfig } from '../../../config/types.js';
import type { EndpointSelector } from '../../../core/ports/balancer.js';
import type { HealthChecker } from '../../../core/ports/endpoints.js';
import type { ProxyEngine, ProxyRequest, ProxyResult } from '../../../core/ports/proxy.js';
import type { RequestRecorder } from '../../../core/ports/stats.js';
import { EndpointCounters } from './counters.js';
import {
  type CircuitBreakers,
  DEFAULT_MAX_ATTEMPTS,
  Exchange,
  type ExchangeContext,
  type OutcomeSink,
  type ProxyLogger,
} from './exchange.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { ProxyIdentity } from './request-headers.js';
import { ResponseDeadlines } from './response-deadlines.js';
import { RetryBudget } from './retry-budget.js';
import type { UpstreamTransport } from './transport.js';
import { UpstreamTargets } from './upstream-target.js';

/** What an engine is built from; the composition root supplies these. */
export interface ProxyEngineDeps {
  config: ProxyConfig;
  selector: EndpointSelector;
  health: Pick<HealthChecker, 'markFailed' | 'recheck'>;
  /** Consulted by the Olla engine only (Sherpa has no breaker, as in the original). */
  breakers?: CircuitBreakers;
  recorder?: RequestRecorder;
  logger?: ProxyLogger;
  /** Passive outlier detection, fed the outcome of every attempt. */
  outliers?: OutcomeSink;
  /** Shared with whoever reports per-endpoint proxy stats; the engine makes its own if absent. */
  counters?: EndpointCounters;
  /** How Olla names itself in `Via`, `X-Proxied-By` and `X-Served-By`, the instance token included. */
  identity: ProxyIdentity;
}

/**
 * A proxy engine: the shared exchange logic (selection, retry, headers, streaming, reporting)
 * over one engine's transport.
 */
/** Retries always allowed per second of the budget window, whatever the traffic (Finagle's default). */
const RETRY_RESERVE_PER_SECOND = 10;

/** One engine's moving parts: its transport, and whether it consults the circuit breakers. */
export interface EngineKind {
  readonly name: string;
  readonly transport: UpstreamTransport;
  readonly useBreakers: boolean;
}

function retryBudget(retry: ProxyConfig['retry']): RetryBudget {
  return new RetryBudget(
    retry.budgetPercent,
    retry.budgetWindow,
    (retry.maxAttempts || DEFAULT_MAX_ATTEMPTS) - 1,
    undefined,
    RETRY_RESERVE_PER_SECOND,
  );
}

/** One list for the response timeouts of every exchange begun under `config`; none when it is 0. */
function responseDeadlines(config: ProxyConfig): ResponseDeadlines | undefined {
  return config.responseTimeout > 0 ? new ResponseDeadlines(config.responseTimeout) : undefined;
}

export class StreamingProxyEngine implements ProxyEngine {
  #name: string;
  readonly counters: EndpointCounters;
  readonly #breakers: CircuitBreakers | undefined;
  #ctx: ExchangeContext;

  constructor(kind: EngineKind, deps: ProxyEngineDeps) {
    this.#name = kind.name;
    this.#breakers = deps.breakers;
    this.counters = deps.counters ?? new EndpointCounters();
    this.#ctx = {
      config: deps.config,
      selector: deps.selector,
      health: deps.health,
      breakers: kind.useBreakers ? deps.breakers : undefined,
      recorder: deps.recorder,
      logger: deps.logger,
      counters: this.counters,
      gatewayLog: deps.logger && new RateLimitedLog(deps.logger),
      budget: retryBudget(deps.config.retry),
      outliers: deps.outliers,
      targets: new UpstreamTargets(),
      identity: deps.identity,
      transport: kind.transport,
      deadlines: responseDeadlines(deps.config),
    };
  }

  get name(): string {
    return this.#name;
  }

  /**
   * A config reload's proxy settings (retry, response timeout) for exchanges that start from
   * now; those in flight keep the context they began with. With `kind`, a new engine (or the
   * same one with new transport timeouts) takes over: the old transport finishes the attempts
   * it carries, then closes.
   */
  reconfigure(config: ProxyConfig, kind?: EngineKind): void {
    const before = this.#ctx;
    // New retry settings start a new budget window; unchanged ones keep counting in the old.
    const budget =
      JSON.stringify(before.config.retry) === JSON.stringify(config.retry) ? before.budget : retryBudget(config.retry);
    const engine = kind && { transport: kind.transport, breakers: kind.useBreakers ? this.#breakers : undefined };
    const deadlines =
      config.responseTimeout === before.config.responseTimeout ? before.deadlines : responseDeadlines(config);
    this.#ctx = { ...before, config, budget, deadlines, ...engine };
    if (kind === undefined) return;
    this.#name = kind.name;
    before.transport.retire();
  }

  handle(req: IncomingMessage, res: ServerResponse, request: ProxyRequest): Promise<ProxyResult> {
    const ctx = this.#ctx;
    // Only a selector with shared state has anything to load first; local selection starts at once.
    const prepared = ctx.selector.prepare?.(request.selection);
    if (prepared === undefined) return new Exchange(ctx, req, res, request).run();
    return prepared.then(() => new Exchange(ctx, req, res, request).run());
  }

  close(): Promise<void> {
    return this.#ctx.transport.close();
  }
}
