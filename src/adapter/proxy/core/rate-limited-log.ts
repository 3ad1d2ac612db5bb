import type { ProxyLogger } from './exchange.js';

/** Lines a second before the rest are counted rather than written. */
const LINES_PER_SECOND = 10;

/**
 * A warn logger that writes at most ten lines a second and says how many it held back, so an
 * outage answered with thousands of 503s a second leaves a readable log, not a flood.
 */
export class RateLimitedLog implements ProxyLogger {
  readonly #logger: ProxyLogger;
  readonly #now: () => number;
  #secondStart = 0;
  #written = 0;
  #suppressed = 0;

  constructor(logger: ProxyLogger, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  warn(fields: Record<string, unknown>, message: string): void {
    const now = this.#now();
    if (now - this.#secondStart >= 1000) {
      this.#secondStart = now;
      this.#written = 0;
    }
    if (this.#written >= LINES_PER_SECOND) {
      this.#suppressed++;
      return;
    }
    this.#written++;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#logger.warn(suppressed > 0 ? { ...fields, suppressedSinceLast: suppressed } : fields, message);
  }
}
