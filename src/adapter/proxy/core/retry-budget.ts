/**
 * Caps retries at a share of recent traffic, so a total outage cannot multiply the load on
 * whatever is left: over a sliding window (ten buckets), retries may reach `percent` of the
 * requests seen, but never fewer than the most requests seen in flight on one node, so the
 * requests one dying node takes down with it can always all be retried, nor fewer than
 * `minRetries` (so a lone request can still use all of its retries), nor fewer than a small
 * reserve per second of the window (Finagle's `minRetriesPerSec`): at low traffic a partial
 * outage, such as two nodes hanging until their header timeouts before ejection takes them out,
 * keeps failing over, while under real load the reserve is a rounding error and the share rules.
 */
const BUCKETS = 10;

export class RetryBudget {
  readonly #percent: number;
  readonly #minRetries: number;
  readonly #reserve: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  readonly #requests = new Array<number>(BUCKETS).fill(0);
  readonly #retries = new Array<number>(BUCKETS).fill(0);
  readonly #peakInFlight = new Array<number>(BUCKETS).fill(0);
  #bucket = 0;
  #bucketStart: number;

  constructor(
    percent: number,
    windowMs: number,
    minRetries: number,
    now: () => number = performance.now.bind(performance),
    reservePerSecond = 0,
  ) {
    this.#percent = percent;
    this.#minRetries = minRetries;
    this.#reserve = (reservePerSecond * windowMs) / 1000;
    this.#bucketMs = Math.max(1, windowMs / BUCKETS);
    this.#now = now;
    this.#bucketStart = now();
  }

  /** A request's first attempt went out to a node that now has `inFlight` requests. */
  noteRequest(inFlight: number): void {
    const at = this.#advance();
    this.#requests[at]!++;
    if (inFlight > this.#peakInFlight[at]!) this.#peakInFlight[at] = inFlight;
  }

  /** Claims one retry when the budget has room; false means answer with the failure instead. */
  tryRetry(): boolean {
    const at = this.#advance();
    let requests = 0;
    let retries = 0;
    let floor = Math.max(this.#minRetries, this.#reserve);
    for (let i = 0; i < BUCKETS; i++) {
      requests += this.#requests[i]!;
      retries += this.#retries[i]!;
      if (this.#peakInFlight[i]! > floor) floor = this.#peakInFlight[i]!;
    }
    if (retries >= Math.max((requests * this.#percent) / 100, floor)) return false;
    this.#retries[at]!++;
    return true;
  }

  #advance(): number {
    const now = this.#now();
    let steps = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (steps <= 0) return this.#bucket;
    this.#bucketStart += steps * this.#bucketMs;
    if (steps > BUCKETS) steps = BUCKETS;
    for (let i = 0; i < steps; i++) {
      this.#bucket = (this.#bucket + 1) % BUCKETS;
      this.#requests[this.#bucket] = 0;
      this.#retries[this.#bucket] = 0;
      this.#peakInFlight[this.#bucket] = 0;
    }
    return this.#bucket;
  }
}
