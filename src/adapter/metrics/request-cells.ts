import type { RequestRecord } from '../../core/ports/stats.js';
import { HistogramCell, type Sample } from './collected-metric.js';

/**
 * Per-request metrics as plain numbers: one cell per (endpoint, model) label pair, found through
 * two small maps and created on first sight, holding status counts, duration and TTFB
 * histograms, bytes and tokens. Labels are decided by the caller, so the number of cells is
 * bounded by configured endpoints times known models.
 */

/** Seconds; LLM requests range from a cached embedding to a long generation. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
export const TTFB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export class RequestCell {
  readonly endpoint: string;
  readonly model: string;
  readonly statuses = new Map<number, number>();
  readonly duration = new HistogramCell(DURATION_BUCKETS.length);
  readonly ttfb = new HistogramCell(TTFB_BUCKETS.length);
  bytesIn = 0;
  bytesOut = 0;
  inputTokens = 0;
  outputTokens = 0;

  constructor(endpoint: string, model: string) {
    this.endpoint = endpoint;
    this.model = model;
  }

  add(r: RequestRecord): void {
    this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
    this.duration.observe(DURATION_BUCKETS, r.durationMs / 1000);
    if (r.ttfbMs !== undefined) this.ttfb.observe(TTFB_BUCKETS, r.ttfbMs / 1000);
    this.bytesIn += r.bytesIn;
    this.bytesOut += r.bytesOut;
    if (r.inputTokens !== undefined) this.inputTokens += r.inputTokens;
    if (r.outputTokens !== undefined) this.outputTokens += r.outputTokens;
  }
}

export class RequestCells {
  readonly #byEndpoint = new Map<string, Map<string, RequestCell>>();

  cell(endpoint: string, model: string): RequestCell {
    let byModel = this.#byEndpoint.get(endpoint);
    if (byModel === undefined) {
      byModel = new Map();
      this.#byEndpoint.set(endpoint, byModel);
    }
    let cell = byModel.get(model);
    if (cell === undefined) {
      cell = new RequestCell(endpoint, model);
      byModel.set(model, cell);
    }
    return cell;
  }

  *[Symbol.iterator](): IterableIterator<RequestCell> {
    for (const byModel of this.#byEndpoint.values()) yield* byModel.values();
  }

  /** Samples of one per-cell figure, labelled by endpoint and model. */
  collect(out: Sample[], value: (cell: RequestCell) => number): void {
    for (const cell of this) out.push({ labels: { endpoint: cell.endpoint, model: cell.model }, value: value(cell) });
  }
}
