import type { FilterConfig, ModelDiscoveryConfig } from '../../../config/types.js';
import { type Endpoint, isRoutable } from '../../../core/domain/endpoint.js';
import type { ModelInfo } from '../../../core/domain/model.js';
import type { PlatformProfile } from '../../../core/domain/profile.js';
import type { EndpointRepository, HealthTransition } from '../../../core/ports/endpoints.js';
import { applyModelFilters, filterAdmits } from '../../filter/model-filter.js';
import { type ModelLogger, silentLogger } from '../../registry/logger.js';
import { fetchModelList, ModelFetchError } from './fetch-models.js';
import { listedEntryCount, parserFor } from './parsers/index.js';
import { annotateFromProfile } from './parsers/profile-hints.js';

/** Where discovered models go (the model catalogue). */
export interface ModelSink {
  setModels(endpoint: Pick<Endpoint, 'name' | 'url' | 'type'>, models: readonly ModelInfo[]): void;
  setEndpointOnline(name: string, online: boolean): void;
}

export interface ModelDiscoveryOptions {
  config: ModelDiscoveryConfig;
  endpoints: EndpointRepository;
  sink: ModelSink;
  /** The loaded profile for an endpoint type (`auto` or unknown → undefined: OpenAI parsing). */
  profileFor: (type: string) => PlatformProfile | undefined;
  /** The global model filter (`model_filter` at the top level). */
  globalFilter?: FilterConfig;
  /** Per-endpoint filters (`EndpointConfig.modelFilter`), by endpoint name. */
  endpointFilters?: ReadonlyMap<string, FilterConfig>;
  logger?: ModelLogger;
}

/** The original stops polling an endpoint after this many failures in a row. */
export const MAX_CONSECUTIVE_FAILURES = 5;

type Outcome = { kind: 'ok' } | { kind: 'partial'; skipped: number } | { kind: 'failed'; reason: string };

/**
 * Polls every routable endpoint's model list on `model_discovery.interval`, a few at a time,
 * and hands the parsed, filtered models to the catalogue. It never sits on the request path:
 * the proxy reads the catalogue, and only the `discovery` routing strategy waits on `refresh()`.
 *
 * A failed or unreadable response leaves the endpoint's last good models in place and touches
 * no other endpoint. Problems are logged when an endpoint's state changes (ok → failing,
 * failing → ok, or a different failure), not on every interval.
 */
export class ModelDiscoveryService {
  readonly #config: ModelDiscoveryConfig;
  readonly #endpoints: EndpointRepository;
  readonly #sink: ModelSink;
  readonly #profileFor: (type: string) => PlatformProfile | undefined;
  #globalFilter: FilterConfig | undefined;
  #endpointFilters: ReadonlyMap<string, FilterConfig>;
  readonly #logger: ModelLogger;
  readonly #lastOutcome = new Map<string, string>();
  readonly #failures = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #allInFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping: AbortController;

  constructor(options: ModelDiscoveryOptions) {
    this.#config = options.config;
    this.#endpoints = options.endpoints;
    this.#sink = options.sink;
    this.#profileFor = options.profileFor;
    this.#globalFilter = options.globalFilter;
    this.#endpointFilters = options.endpointFilters ?? new Map();
    this.#logger = options.logger ?? silentLogger;
    this.#allInFlight = undefined;
    this.#timer = undefined;
    this.#stopping = new AbortController();
  }

  /** Runs a first discovery now (not awaited) and then one every interval. */
  start(): void {
    if (!this.#config.enabled || this.#timer) return;
    this.#stopping = new AbortController();
    void this.refresh();
    this.#timer = setInterval(() => void this.#discoverRoutable(true), this.#config.interval);
    this.#timer.unref();
  }

  /** Stops polling and waits for in-flight fetches to give up; leaves no timer behind. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopping.abort();
    await Promise.allSettled([...this.#inFlight.values(), this.#allInFlight]);
  }

  /** A config reload's model filters; the next discovery of each endpoint applies them. */
  /** Whether the model filters let `model` through on the named endpoint (explain says why one did not). */
  admits(endpointName: string, model: string): boolean {
    return filterAdmits(this.#globalFilter, model) && filterAdmits(this.#endpointFilters.get(endpointName), model);
  }

  setFilters(globalFilter: FilterConfig | undefined, endpointFilters: ReadonlyMap<string, FilterConfig>): void {
    this.#globalFilter = globalFilter;
    this.#endpointFilters = endpointFilters;
  }

  /** Forgets what it knew of endpoints a reload removed (failure counts, last outcomes). */
  forget(endpointName: string): void {
    this.#failures.delete(endpointName);
    this.#lastOutcome.delete(endpointName);
  }

  /**
   * Re-discovers one endpoint, or every routable endpoint, now. Concurrent calls share the
   * run already under way. Resolves when done; never rejects for a backend's failure.
   */
  refresh(endpointName?: string, signal?: AbortSignal): Promise<void> {
    if (!this.#config.enabled) return Promise.resolve();
    if (endpointName === undefined) return this.#discoverRoutable(false);
    const endpoint = this.#endpoints.get(endpointName);
    return endpoint ? this.#discoverOne(endpoint, signal) : Promise.resolve();
  }

  /**
   * Wire to the health checker: an endpoint that becomes routable is re-discovered at once;
   * one that stops being routable keeps its models but they show as offline (the router only
   * ever sees routable candidates, so they leave routing with it).
   */
  handleTransition({ endpoint, from, to }: HealthTransition): void {
    const wasRoutable = isRoutable(from);
    const nowRoutable = isRoutable(to);
    if (nowRoutable === wasRoutable) return;
    this.#sink.setEndpointOnline(endpoint.name, nowRoutable);
    if (nowRoutable) void this.refresh(endpoint.name);
  }

  #discoverRoutable(periodic: boolean): Promise<void> {
    if (this.#allInFlight) return this.#allInFlight;
    const run = this.#runPool(periodic).finally(() => {
      this.#allInFlight = undefined;
    });
    this.#allInFlight = run;
    return run;
  }

  async #runPool(periodic: boolean): Promise<void> {
    const due = this.#endpoints
      .routable()
      .filter((e) => !periodic || (this.#failures.get(e.name) ?? 0) < MAX_CONSECUTIVE_FAILURES);
    const workers = Math.max(1, Math.min(this.#config.concurrentWorkers, due.length));
    let next = 0;
    const worker = async () => {
      while (next < due.length) await this.#discoverOne(due[next++]!);
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  #discoverOne(endpoint: Endpoint, signal?: AbortSignal): Promise<void> {
    const running = this.#inFlight.get(endpoint.name);
    if (running) return running;
    const run = this.#fetchAndStore(endpoint, signal).finally(() => this.#inFlight.delete(endpoint.name));
    this.#inFlight.set(endpoint.name, run);
    return run;
  }

  async #fetchAndStore(endpoint: Endpoint, signal?: AbortSignal): Promise<void> {
    const abort = signal ? AbortSignal.any([signal, this.#stopping.signal]) : this.#stopping.signal;
    const profile = this.#profileFor(endpoint.type);
    const format = profile?.request.responseFormat ?? 'openai';
    let json: unknown;
    try {
      json = await this.#fetchWithRetry(endpoint, abort);
    } catch (err) {
      if (abort.aborted) return;
      this.#fail(endpoint, (err as Error).message);
      return;
    }
    const listed = listedEntryCount(format, json);
    if (listed === undefined) {
      this.#fail(endpoint, `response has no model list for format ${format}`);
      return;
    }
    const parsed = parserFor(format)(json);
    const annotated = annotateFromProfile(parsed, profile?.models);
    const models = applyModelFilters(annotated, this.#globalFilter, this.#endpointFilters.get(endpoint.name));
    this.#failures.delete(endpoint.name);
    this.#sink.setModels(endpoint, models);
    const skipped = listed - parsed.length;
    this.#report(endpoint, skipped > 0 ? { kind: 'partial', skipped } : { kind: 'ok' }, models.length);
  }

  async #fetchWithRetry(endpoint: Endpoint, signal: AbortSignal): Promise<unknown> {
    const { timeout, retryAttempts, retryBackoff } = this.#config;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fetchModelList(endpoint, timeout, signal);
      } catch (err) {
        const retryable = err instanceof ModelFetchError && err.retryable;
        if (!retryable || attempt >= retryAttempts || signal.aborted) throw err;
        await sleep(retryBackoff * 2 ** attempt, signal);
      }
    }
  }

  #fail(endpoint: Endpoint, reason: string): void {
    this.#failures.set(endpoint.name, (this.#failures.get(endpoint.name) ?? 0) + 1);
    this.#report(endpoint, { kind: 'failed', reason }, 0);
  }

  #report(endpoint: Endpoint, outcome: Outcome, count: number): void {
    const key = outcome.kind === 'failed' ? `failed:${outcome.reason}` : outcome.kind;
    const previous = this.#lastOutcome.get(endpoint.name);
    this.#lastOutcome.set(endpoint.name, key);
    const fields = { endpoint: endpoint.name, models: count };
    if (key === previous) {
      this.#logger.debug(fields, 'Model discovery finished');
      return;
    }
    switch (outcome.kind) {
      case 'failed':
        this.#logger.warn(
          { ...fields, reason: outcome.reason, failures: this.#failures.get(endpoint.name) },
          'Model discovery failed; keeping the last known models',
        );
        break;
      case 'partial':
        this.#logger.warn({ ...fields, skipped: outcome.skipped }, 'Model list had unreadable entries; skipped them');
        break;
      default:
        this.#logger.info(fields, previous === undefined ? 'Discovered models' : 'Model discovery recovered');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
