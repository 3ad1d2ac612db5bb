/**
 * Outcomes of one endpoint's requests over a sliding window, for the failure-rate ejection rule.
 * The window is ten buckets of a tenth of its length each, so it slides a bucket at a time: the
 * counts cover the current bucket and the nine before it. Recording and reading are O(1) (the
 * running totals are kept as buckets expire), with no allocation after construction.
 */

const BUCKETS = 10;

export interface WindowCounts {
  readonly requests: number;
  readonly failures: number;
}

export class FailureWindow {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #requests = new Uint32Array(BUCKETS);
  readonly #failures = new Uint32Array(BUCKETS);
  /** Absolute index (time / bucket length) of the newest bucket. */
  #head = Number.NEGATIVE_INFINITY;
  #requestTotal = 0;
  #failureTotal = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
    this.#bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  record(failed: boolean, now: number): void {
    this.#advance(now);
    const slot = this.#head % BUCKETS;
    this.#requests[slot]!++;
    this.#requestTotal++;
    if (failed) {
      this.#failures[slot]!++;
      this.#failureTotal++;
    }
  }

  counts(now: number): WindowCounts {
    this.#advance(now);
    return { requests: this.#requestTotal, failures: this.#failureTotal };
  }

  clear(): void {
    this.#requests.fill(0);
    this.#failures.fill(0);
    this.#requestTotal = 0;
    this.#failureTotal = 0;
  }

  /** Empties the buckets that have slid out. A clock that went back counts in the newest bucket. */
  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (bucket <= this.#head) return;
    if (bucket - this.#head >= BUCKETS) this.clear();
    else {
      for (let index = this.#head + 1; index <= bucket; index++) {
        const slot = index % BUCKETS;
        this.#requestTotal -= this.#requests[slot]!;
        this.#failureTotal -= this.#failures[slot]!;
        this.#requests[slot] = 0;
        this.#failures[slot] = 0;
      }
    }
    this.#head = bucket;
  }
}

/** The failure-rate rule's settings; a threshold of 0 switches the rule off. */
export interface FailureRateRule {
  /** Percent of requests failed (1–100) at or above which a node is ejected. */
  readonly thresholdPercent: number;
  /** Fewer requests than this in the window say nothing about the node. */
  readonly minRequests: number;
}

/** Envoy's failure-percentage test: enough requests in the window, and a failure share at or over the threshold. */
export function failureRateExceeded(counts: WindowCounts, rule: FailureRateRule): boolean {
  return (
    rule.thresholdPercent > 0 &&
    counts.requests > 0 &&
    counts.requests >= rule.minRequests &&
    counts.failures * 100 >= rule.thresholdPercent * counts.requests
  );
}
