import { ProviderType } from '../../core/constants.js';
import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import type { ModelInfo } from '../../core/domain/model.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';
import { fetchEndpointJson } from '../discovery/models/fetch-models.js';
import type { ModelSink } from '../discovery/models/service.js';
import { loadedFromListing, parseOllamaRunning } from './loaded-models.js';
import type { ResidencyTracker } from './residency-tracker.js';

export interface ResidencyPollerOptions {
  endpoints: EndpointRepository;
  tracker: ResidencyTracker;
  /** The model-discovery interval: residency is refreshed as often as model lists are. */
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Asks every routable Ollama endpoint what it holds (`GET /api/ps`) now and on each interval.
 * A failed poll keeps the last answer: residency is a preference, never a reason to refuse.
 */
export class ResidencyPoller {
  readonly #options: ResidencyPollerOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopping = new AbortController();
  #running: Promise<void> | undefined;

  constructor(options: ResidencyPollerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#stopping = new AbortController();
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopping.abort();
    await this.#running;
  }

  /** One round over every routable Ollama endpoint; concurrent calls share the round. */
  poll(): Promise<void> {
    this.#running ??= Promise.all(
      this.#options.endpoints
        .routable()
        .filter((e) => e.type === ProviderType.ollama)
        .map((e) => this.#pollOne(e)),
    ).then(
      () => {
        this.#running = undefined;
      },
      () => {
        this.#running = undefined;
      },
    );
    return this.#running;
  }

  async #pollOne(endpoint: Endpoint): Promise<void> {
    const { tracker, timeoutMs } = this.#options;
    try {
      const url = new URL('api/ps', endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`).href;
      const running = parseOllamaRunning(await fetchEndpointJson(endpoint, url, timeoutMs, this.#stopping.signal));
      if (running !== undefined && isRoutable(endpoint.status)) tracker.report(endpoint.name, running);
    } catch {
      // Older Ollama builds and proxies in front of it may not expose /api/ps: residency stays as Olla saw it.
    }
  }
}

/**
 * Passes discovered models on to the catalogue and reads LM Studio's per-model `state` from the
 * same listing, so its residency needs no extra request.
 */
export function residencyAwareSink(sink: ModelSink, tracker: ResidencyTracker): ModelSink {
  return {
    setModels(endpoint, models: readonly ModelInfo[]) {
      sink.setModels(endpoint, models);
      const loaded = loadedFromListing(models);
      if (loaded !== undefined) tracker.report(endpoint.name, loaded);
    },
    setEndpointOnline(name, online) {
      sink.setEndpointOnline(name, online);
      if (!online) tracker.forget(name);
    },
  };
}
