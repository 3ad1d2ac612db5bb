/**
 * Requests, errors and latency per second over a sliding window, for the dashboard's charts.
 * One slot per second in preallocated typed arrays indexed by `second % window`; a slot whose
 * stamp is stale is cleared on first write, so recording is a few array writes and never
 * allocates, and old seconds simply age out.
 */

export interface SeriesSnapshot {
  /** Epoch seconds of the first point; points follow at one-second steps up to "now". */
  start: number;
  interval_seconds: 1;
  requests: number[];
  errors: number[];
  /** Mean latency of the second's requests (0 when none). */
  avg_latency_ms: number[];
  max_latency_ms: number[];
}

export class SecondSeries {
  readonly #window: number;
  readonly #stamp: Float64Array;
  readonly #requests: Uint32Array;
  readonly #errors: Uint32Array;
  readonly #latencySum: Float64Array;
  readonly #latencyMax: Float64Array;

  constructor(windowSeconds = 600) {
    this.#window = Math.max(1, Math.floor(windowSeconds));
    this.#stamp = new Float64Array(this.#window).fill(-1);
    this.#requests = new Uint32Array(this.#window);
    this.#errors = new Uint32Array(this.#window);
    this.#latencySum = new Float64Array(this.#window);
    this.#latencyMax = new Float64Array(this.#window);
  }

  get windowSeconds(): number {
    return this.#window;
  }

  record(nowMs: number, latencyMs: number, failed: boolean): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.#window;
    if (this.#stamp[slot] !== second) {
      this.#stamp[slot] = second;
      this.#requests[slot] = 0;
      this.#errors[slot] = 0;
      this.#latencySum[slot] = 0;
      this.#latencyMax[slot] = 0;
    }
    this.#requests[slot]!++;
    if (failed) this.#errors[slot]!++;
    this.#latencySum[slot]! += latencyMs;
    if (latencyMs > this.#latencyMax[slot]!) this.#latencyMax[slot] = latencyMs;
  }

  /** The last `seconds` seconds up to and including the current one, oldest first. */
  snapshot(nowMs: number, seconds = this.#window): SeriesSnapshot {
    const span = Math.min(this.#window, Math.max(1, Math.floor(seconds)));
    const last = Math.floor(nowMs / 1000);
    const start = last - span + 1;
    const out: SeriesSnapshot = {
      start,
      interval_seconds: 1,
      requests: new Array<number>(span),
      errors: new Array<number>(span),
      avg_latency_ms: new Array<number>(span),
      max_latency_ms: new Array<number>(span),
    };
    for (let i = 0; i < span; i++) {
      const second = start + i;
      const slot = second % this.#window;
      const live = this.#stamp[slot] === second;
      const requests = live ? this.#requests[slot]! : 0;
      out.requests[i] = requests;
      out.errors[i] = live ? this.#errors[slot]! : 0;
      out.avg_latency_ms[i] = requests > 0 ? Math.round((this.#latencySum[slot]! / requests) * 10) / 10 : 0;
      out.max_latency_ms[i] = live ? Math.round(this.#latencyMax[slot]! * 10) / 10 : 0;
    }
    return out;
  }
}
