/**
 * Latency percentiles from a fixed-size uniform sample (Vitter's algorithm R, as the original's
 * reservoir sampler): every observation has the same chance of being in the sample however many
 * arrive, memory is one preallocated typed array, and adding a value allocates nothing. Exact
 * while fewer values than the capacity have been seen.
 */

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export class LatencyReservoir {
  readonly #samples: Float64Array;
  readonly #random: () => number;
  #seen = 0;

  constructor(capacity = 100, random: () => number = Math.random) {
    this.#samples = new Float64Array(Math.max(1, capacity));
    this.#random = random;
  }

  get count(): number {
    return this.#seen;
  }

  add(value: number): void {
    const capacity = this.#samples.length;
    const seen = this.#seen++;
    if (seen < capacity) {
      this.#samples[seen] = value;
      return;
    }
    const slot = Math.floor(this.#random() * (seen + 1));
    if (slot < capacity) this.#samples[slot] = value;
  }

  /** Nearest-rank-below percentiles (index `n * p / 100`, as the original); zeros when empty. */
  percentiles(): Percentiles {
    const n = Math.min(this.#seen, this.#samples.length);
    if (n === 0) return { p50: 0, p95: 0, p99: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    const at = (p: number) => sorted[Math.min(n - 1, Math.floor((n * p) / 100))]!;
    return { p50: at(50), p95: at(95), p99: at(99) };
  }
}
