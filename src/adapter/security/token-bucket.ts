/**
 * A token bucket with golang.org/x/time/rate's semantics (the original's limiter): it starts full
 * at `burst` tokens and refills continuously at `ratePerMinute`; a request takes one token or,
 * when none is left, learns how long until one will be.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #perMs: number;
  readonly #burst: number;

  constructor(ratePerMinute: number, burst: number, now: number) {
    this.#perMs = ratePerMinute / 60_000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /**
   * Takes a token: 0 when granted, otherwise the milliseconds until one is due (the bucket is left
   * as it was, like a cancelled reservation). Infinity when a request can never fit (burst 0).
   */
  take(now: number): number {
    if (this.#burst <= 0) return Number.POSITIVE_INFINITY;
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
      this.#last = now;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.#perMs;
  }
}
